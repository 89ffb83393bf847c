"""How users name a destination on the command line: its key, or Terraform's address
``destination.KEY``; and the message for a key nobody knows, with a "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from iac.errors import IacError

PREFIX = "destination."
_LISTED = 20


def key_of(address: str) -> str:
    """``destination.orders`` or ``orders`` -> ``orders``."""
    return address.removeprefix(PREFIX) if address.startswith(PREFIX) else address


def address(key: str) -> str:
    return f"{PREFIX}{key}"


def check_known(
    keys: Iterable[str], known: Iterable[str], *, where: str, option: str | None = None
) -> None:
    """Raise one IacError naming every key of ``keys`` not in ``known``, each with the
    nearest known key when one is close. ``where`` says where keys are looked up; ``option``
    (e.g. ``--target``) the option that named them."""
    refuse_unknown([(option, list(keys))], known, where=where)


def refuse_unknown(
    named: Iterable[tuple[str | None, Iterable[str]]], known: Iterable[str], *, where: str
) -> None:
    """``check_known`` for several options' keys at once: one message for them all."""
    choices = sorted(set(known))
    problems = []
    for option, keys in named:
        for key in keys:
            if key in choices:
                continue
            close = difflib.get_close_matches(key, choices, n=1)
            hint = f" (did you mean {address(close[0])}?)" if close else ""
            label = f"{option} {address(key)}" if option else address(key)
            problems.append(f"{label}: no such destination in {where}{hint}.")
    if problems:
        if len(choices) <= _LISTED:  # a thousand keys would bury the message
            problems.append(f"Known keys: {', '.join(choices) if choices else 'none'}.")
        raise IacError("\n".join(problems))
