"""Turns pydantic's validation errors into short, human messages keyed by field path.

Pydantic's own texts talk about "dictionaries" and regex patterns; users wrote YAML, so each
message states the rule of the field in the words the file format uses.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails

from iac.config.event_bus import AwsEventBus
from iac.config.models import (
    EXCLUSIVE_ERROR,
    UNKNOWN_REGION_ERROR,
    Destination,
    DestinationsFile,
    Moved,
    OrgSettings,
)

_KEY_MARK = "[key]"  # pydantic's loc suffix for a bad dict key
_MISSING = "required field is missing"

_RULES: dict[str, str] = {
    "name": "must be text of 1-200 characters, not blank",
    "aws_account_id": "must be a string of exactly 12 digits",
    "aws_region": "must be an AWS region code such as us-east-1 or eu-central-1",
    "event_source_suffix": "must be 1-64 characters of letters, digits, '.', '-' or '_'",
    "topic_filters": "must be a non-empty list of topics",
    "enabled": "must be true or false",
    "notes": "must be text",
    "prevent_destroy": "must be true or false",
    "region": "must be a Genesys Cloud region as an AWS-style code such as us-east-1 or eu-west-1",
    "api_url": "must be an http:// or https:// URL such as https://api.mypurecloud.ie",
    "extra_aws_regions": "must be a list of AWS region codes such as xx-east-1",
}
# Their values are never echoed: someone may have pasted the credential instead of its name.
_ENV_NAME_FIELDS = frozenset({"client_id_env", "client_secret_env"})
_ENV_NAME_RULE = (
    "must be the name of an environment variable (letters, digits and '_', not starting"
    " with a digit), not the credential itself"
)
_TOPIC_RULE = (
    "must be a topic like v2.users.{id}.activity: 'v2.' then dot-separated segments of"
    " letters, digits, '_', '-' or '{id}'"
)
_KEY_RULE = (
    "use letters, digits, '_' and '-', starting with a letter or digit, at most 64 characters"
)
_MOVED_FIELDS = ("from", "to")
_MOVED_RULE = "must be a list of renames, one '- from: OLD-KEY' item each with 'to: NEW-KEY'"


@dataclass(frozen=True)
class FieldMessage:
    loc: tuple[Any, ...]  # pydantic loc without the "[key]" marker, for the line lookup
    path: str
    message: str


def format_path(loc: tuple[Any, ...]) -> str:
    """``("destinations", "orders", "topic_filters", 1)`` -> ``...orders.topic_filters[1]``."""
    text = ""
    for position, part in enumerate(loc):
        # Position 1 under "destinations" is a user's key even when YAML made it a number.
        is_key = position == 1 and loc[0] == "destinations"
        if isinstance(part, int) and not isinstance(part, bool) and not is_key:
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def translate(
    errors: list[ErrorDetails], line_of: Callable[[tuple[Any, ...]], int] | None = None
) -> list[FieldMessage]:
    """One message per pydantic error, minus noise (a 'missing' that a typo already explains).

    ``line_of`` (path -> line) lets an error about fields that exclude each other point at
    the one written last and name the line of the other.
    """
    suggested: set[tuple[Any, ...]] = set()
    messages: list[FieldMessage] = []
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == EXCLUSIVE_ERROR:
            loc, message = _exclusive_message(loc, error, line_of)
        elif loc and loc[-1] == _KEY_MARK:
            loc = loc[:-1]
            message = _key_message(loc[-1])
        elif error["type"] == "extra_forbidden":
            message, suggestion = _unknown_field_message(loc)
            if suggestion:
                suggested.add((*loc[:-1], suggestion))
        else:
            message = _field_message(loc, error)
        messages.append(FieldMessage(loc, format_path(loc), message))
    return [m for m in messages if not (m.loc in suggested and m.message == _MISSING)]


def _key_message(key: Any) -> str:
    if not isinstance(key, str):
        return f'key must be text; quote it ("{key}")'
    return f"invalid key {key!r}: {_KEY_RULE}"


def _exclusive_message(
    loc: tuple[Any, ...],
    error: ErrorDetails,
    line_of: Callable[[tuple[Any, ...]], int] | None,
) -> tuple[tuple[Any, ...], str]:
    fields = tuple(error.get("ctx", {}).get("fields", ()))
    if len(fields) < 2:
        return loc, str(error["msg"])
    paths = [(*loc, name) for name in fields]
    # The one written last is the one to remove; on a tie, the last in the model's order.
    last = max(reversed(paths), key=line_of) if line_of else paths[-1]
    others = [
        f"{path[-1]} (line {line_of(path)})" if line_of else str(path[-1])
        for path in paths
        if path != last
    ]
    return last, f"cannot be given together with {' or '.join(others)}; give only one of them"


def _fields_under(parent: tuple[Any, ...]) -> list[str]:
    if parent == ():
        return list(DestinationsFile.model_fields)
    if parent == ("org",):
        return list(OrgSettings.model_fields)
    if len(parent) == 3 and parent[0] == "destinations" and parent[2] == "aws_event_bus":
        return list(AwsEventBus.model_fields)
    if len(parent) == 2 and parent[0] == "moved":
        return [f.alias or name for name, f in Moved.model_fields.items()]
    return list(Destination.model_fields)


def _unknown_field_message(loc: tuple[Any, ...]) -> tuple[str, str | None]:
    name = loc[-1]
    allowed = _fields_under(loc[:-1])
    matches = difflib.get_close_matches(str(name), allowed, n=1) if isinstance(name, str) else []
    if matches:
        return f"unknown field {name!r} (did you mean {matches[0]!r}?)", matches[0]
    return f"unknown field {name!r} (expected one of: {', '.join(allowed)})", None


def _field_message(loc: tuple[Any, ...], error: ErrorDetails) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return _MISSING
    if loc == ():
        return "the file must be a mapping with a top-level 'destinations:' key"
    if loc == ("destinations",):
        return "must be a mapping of destination keys to destinations ('destinations: {}' for none)"
    if loc == ("org",):
        fields = ", ".join(OrgSettings.model_fields)
        return f"must be a mapping of org settings ({fields}){_got(value)}"
    if len(loc) == 2 and loc[0] == "destinations":
        fields = ", ".join(Destination.model_fields)
        return f"must be a mapping of destination fields ({fields}){_got(value)}"
    if loc[0] == "moved" and len(loc) <= 2:
        return f"{_MOVED_RULE}{_got(value)}"
    if loc[0] == "moved" and loc[-1] in _MOVED_FIELDS:
        return f"must be a destination key: {_KEY_RULE}{_got(value)}"
    field = loc[-1]
    if kind == UNKNOWN_REGION_ERROR:
        return _unknown_region_message(error)
    if isinstance(field, int) and len(loc) >= 2 and loc[-2] == "topic_filters":
        return f"{_TOPIC_RULE}{_got(value)}"
    if isinstance(field, int) and len(loc) >= 2 and loc[-2] == "extra_aws_regions":
        return f"{_RULES['aws_region']}{_got(value)}"
    if field == "topic_filters":
        if kind == "too_short":
            return "must list at least one topic"
        return f"must be a list of topics, one '- ' item each{_got(value)}"
    if field == "aws_account_id" and _is_number(value):
        return f"{_RULES[field]}; quote it so YAML keeps leading zeros{_got(value)}"
    if field in _ENV_NAME_FIELDS:
        return _ENV_NAME_RULE
    if isinstance(field, str) and field in _RULES:
        return f"{_RULES[field]}{_got(value)}"
    # Not expected with the current models; pydantic's text is still better than nothing.
    return str(error["msg"])


def _unknown_region_message(error: ErrorDetails) -> str:
    ctx = error.get("ctx", {})
    region = ctx.get("region", error.get("input"))
    close = list(ctx.get("close", ()))
    guess = ""
    if close:
        names = ", ".join(close[:-1]) + (" or " if len(close) > 1 else "") + close[-1]
        guess = f" (did you mean {names}?)"
    return (
        f"{region!r} is not an AWS region iac knows{guess}; if AWS opened it after this"
        f" version of iac, add it to extra_aws_regions: [{region}]"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _got(value: Any) -> str:
    return f" (got {_show(value)})"


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return f"the number {value}"
    if isinstance(value, str):
        if len(value) > 60:
            return f"{len(value)} characters"
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"
