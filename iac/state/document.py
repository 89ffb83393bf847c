"""The state as a JSON document: the one encoding every backend stores and reads back.

``decode`` reports what is wrong as one message (the caller names where the document came
from); ``encode`` leaves out fields at their defaults so documents stay small and diffable.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from pydantic import TypeAdapter, ValidationError

from iac.state.model import FORMAT_VERSION, PendingCreate, State

_STATE_ADAPTER = TypeAdapter(State)


class DocumentError(ValueError):
    """The text is not a state document this iac can read; ``str()`` says why."""


class UnsupportedVersion(DocumentError):
    """A state written by another version of iac: not damage, so a backup would not help."""


def encode(state: State) -> str:
    return json.dumps(_to_json(state), indent=2, sort_keys=False) + "\n"


def decode(text: str) -> State:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise DocumentError(f"not valid JSON ({err})") from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        found = data.get("version") if isinstance(data, dict) else None
        raise UnsupportedVersion(
            f"state format version {found!r} is not supported "
            f"(this iac writes version {FORMAT_VERSION})"
        )
    try:
        return _STATE_ADAPTER.validate_python(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DocumentError(f"{where}: {first['msg']}") from None


def _to_json(state: State) -> dict[str, Any]:
    data = asdict(state)
    resources = {}
    for key in sorted(state.resources):
        entry = data["resources"][key]
        entry["deposed"] = list(entry["deposed"])
        if not entry["deposed"]:
            del entry["deposed"]
        if not entry["prevent_destroy"]:
            del entry["prevent_destroy"]
        if entry["verified"]:
            del entry["verified"]
        if entry["bus"] is None:
            del entry["bus"]
        resources[key] = entry
    document: dict[str, Any] = {
        "version": state.version,
        "lineage": state.lineage,
        "serial": state.serial,
        "target": state.target,
    }
    if state.org_id is not None:
        document["org_id"] = state.org_id
    if state.org_name is not None:
        document["org_name"] = state.org_name
    document["resources"] = resources
    if state.pending_creates:
        # Only while a create is in flight (or was cut off): older documents have no such key.
        document["pending_creates"] = {
            key: _pending_json(p) for key, p in sorted(state.pending_creates.items())
        }
    return document


def _pending_json(pending: PendingCreate) -> dict[str, Any]:
    data: dict[str, Any] = {"name": pending.name, "since": _iso_utc(pending.since)}
    if pending.unconfigured_before is not None:
        data["unconfigured_before"] = list(pending.unconfigured_before)
    return data


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
