"""Reading the audit trail back, filtered, for ``iac audit show``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from iac.errors import IacError


def parse_time(text: str) -> datetime:
    """An ISO-8601 date or time as an aware datetime; no zone means UTC.

    ``fromisoformat`` only learned the ``Z`` suffix in Python 3.11.
    """
    text = text.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def query(
    path: Path,
    *,
    key: str | None = None,
    action: str | None = None,
    result: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    on_bad_line: Callable[[int, str], None] | None = None,
) -> list[dict[str, Any]]:
    """Records of the file matching every filter given, in file order; an absent file has
    none. See ``select``."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open("rb") as file:
        # Binary iteration splits on b"\n" only: JSON may hold a raw U+2028 inside a string.
        return select(
            file,
            where=str(path),
            key=key,
            action=action,
            result=result,
            since=since,
            until=until,
            on_bad_line=on_bad_line,
        )


def select(
    lines: Iterable[bytes],
    *,
    where: str,
    key: str | None = None,
    action: str | None = None,
    result: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    on_bad_line: Callable[[int, str], None] | None = None,
) -> list[dict[str, Any]]:
    """Records matching every filter given, in trail order (``where`` names the trail).

    ``since`` is inclusive and ``until`` exclusive; naive datetimes are taken as UTC. This
    does not check the chain (``verify`` does): a line that is not a JSON object goes to
    ``on_bad_line(line_number, problem)``, or raises IacError when no callback is given.
    """
    since = _aware(since)
    until = _aware(until)
    found: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, start=1):
        record = _parse(raw)
        if record is None:
            problem = "not a valid audit record"
            if on_bad_line is None:
                raise IacError(
                    f"Line {number} of {where} is {problem}; run `iac audit verify` on it."
                )
            on_bad_line(number, problem)
            continue
        if key is not None and record.get("key") != key:
            continue
        if action is not None and record.get("action") != action:
            continue
        if result is not None and record.get("result") != result:
            continue
        if since is not None or until is not None:
            when = _time_of(record)
            if when is None or (since and when < since) or (until and when >= until):
                continue
        found.append(record)
    return found


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _time_of(record: dict[str, Any]) -> datetime | None:
    try:
        return parse_time(str(record.get("time", "")))
    except ValueError:
        return None


def _aware(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=timezone.utc)
