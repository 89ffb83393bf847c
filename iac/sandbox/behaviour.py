"""Modes for what the real API leaves unverified: ``GET|PUT /__sandbox/behaviour``.

Where nobody has seen what a real org does, the sandbox offers each plausible behaviour as a
mode, so a client can be tested against all of them. Every key defaults to what the sandbox
did before modes existed. A PUT replaces the whole object: a key left out goes back to its
default (``PUT {}`` resets everything), and what GET returns can be PUT back unchanged.

| key | values | default | what changes |
| --- | --- | --- | --- |
| ``omit_list_fields`` | envelope keys of a listing | ``[]`` | left out of every list page |
| ``validate_properties_at`` | ``"put"``, ``"activation"`` | ``"put"`` | where bad properties fail |
| ``version_conflict_status`` | ``409``, ``400`` | ``409`` | the status of a stale version |
| ``delete_visible_seconds`` | number >= 0 | ``0`` | how long a deleted one still reads |
| ``config_change_reactivates`` | bool | ``true`` | config PUT on ENABLED restarts it |
| ``reenable_restarts_activation`` | bool | ``true`` | PATCH ENABLED on ERROR restarts it |
| ``honour_create_name`` | bool | ``false`` | POST's ``name`` names the integration |
| ``max_instances`` | int >= 0 or null | ``null`` | the type's cap, refused past it |
| ``expand_honoured`` | bool | ``true`` | ``expand=config.current`` inlines |

Each mode's ASSUMPTION note (what is unverified, and what would settle it) sits where the
mode takes effect: ``org.py``, ``api.py``, ``views.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from iac.sandbox.errors import ApiError, SandboxStartError, bad_request

# The envelope of an IntegrationEntityListing; ``entities`` is the listing itself.
LIST_FIELDS = (
    "pageSize",
    "pageNumber",
    "total",
    "firstUri",
    "lastUri",
    "selfUri",
    "nextUri",
    "previousUri",
    "pageCount",
)
PROPERTY_CHECKS = ("put", "activation")
CONFLICT_STATUSES = (409, 400)
MAX_DELETE_VISIBLE_SECONDS = 3600.0


@dataclass(frozen=True)
class Behaviour:
    omit_list_fields: tuple[str, ...] = ()
    validate_properties_at: str = "put"
    version_conflict_status: int = 409
    delete_visible_seconds: float = 0.0
    config_change_reactivates: bool = True
    reenable_restarts_activation: bool = True
    honour_create_name: bool = False
    max_instances: int | None = None
    expand_honoured: bool = True

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["omit_list_fields"] = list(self.omit_list_fields)
        return doc


KEYS = tuple(f.name for f in fields(Behaviour))


def _bool(doc: Mapping[str, Any], key: str) -> bool:
    value = doc[key]
    if not isinstance(value, bool):
        raise bad_request(f"Behaviour {key} must be true or false, not {json.dumps(value)}.")
    return value


def _omit(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("Behaviour omit_list_fields must be a list of strings.")
    unknown = sorted(set(value) - set(LIST_FIELDS))
    if unknown:
        raise bad_request(
            f"Behaviour omit_list_fields: {', '.join(unknown)} is not a listing envelope key "
            f"(one of {', '.join(LIST_FIELDS)})."
        )
    return tuple(dict.fromkeys(value))


def _number(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_DELETE_VISIBLE_SECONDS
    ):
        raise bad_request(
            "Behaviour delete_visible_seconds must be a number of seconds from 0 to "
            f"{MAX_DELETE_VISIBLE_SECONDS:g}, not {json.dumps(value)}."
        )
    return float(value)


def _max_instances(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad_request(
            f"Behaviour max_instances must be null or an integer >= 0, not {json.dumps(value)}."
        )
    return value


def parse_behaviour(doc: Any) -> Behaviour:
    """The whole behaviour from its JSON form; absent keys take their defaults.

    Raises a 400 ApiError naming the first thing wrong: not an object, an unknown key, or a
    value of the wrong type or out of range.
    """
    if not isinstance(doc, Mapping):
        raise bad_request("The behaviour must be a JSON object.")
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise bad_request(
            f"Unknown behaviour keys: {', '.join(unknown)} (known: {', '.join(KEYS)})."
        )
    values: dict[str, Any] = {}
    if "omit_list_fields" in doc:
        values["omit_list_fields"] = _omit(doc["omit_list_fields"])
    if "validate_properties_at" in doc:
        where = doc["validate_properties_at"]
        if where not in PROPERTY_CHECKS:
            raise bad_request(
                'Behaviour validate_properties_at must be "put" or "activation", '
                f"not {json.dumps(where)}."
            )
        values["validate_properties_at"] = where
    if "version_conflict_status" in doc:
        status = doc["version_conflict_status"]
        if isinstance(status, bool) or status not in CONFLICT_STATUSES:
            raise bad_request(
                f"Behaviour version_conflict_status must be 409 or 400, not {json.dumps(status)}."
            )
        values["version_conflict_status"] = status
    if "delete_visible_seconds" in doc:
        values["delete_visible_seconds"] = _number(doc["delete_visible_seconds"])
    for key in (
        "config_change_reactivates",
        "reenable_restarts_activation",
        "honour_create_name",
        "expand_honoured",
    ):
        if key in doc:
            values[key] = _bool(doc, key)
    if "max_instances" in doc:
        values["max_instances"] = _max_instances(doc["max_instances"])
    return replace(Behaviour(), **values)


def initial_behaviour(
    behaviour: Mapping[str, Any] | None, behaviour_file: Path | None, expand_honoured: bool
) -> Behaviour:
    """The behaviour a sandbox starts with, from its options.

    The file's keys come first, then ``behaviour``'s (which win); the older
    ``expand_honoured`` option only fills in that key when neither gives it. Anything wrong is
    a ``SandboxStartError`` naming the file or the option.
    """
    doc: dict[str, Any] = {}
    if behaviour_file is not None:
        try:
            loaded = json.loads(behaviour_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SandboxStartError(f"cannot read behaviour file {behaviour_file}: {exc}") from exc
        try:
            parse_behaviour(loaded)
        except ApiError as exc:
            raise SandboxStartError(f"bad behaviour file {behaviour_file}: {exc.message}") from exc
        doc.update(loaded)
    if behaviour is not None:
        try:
            parse_behaviour(behaviour)
        except ApiError as exc:
            raise SandboxStartError(f"bad sandbox behaviour option: {exc.message}") from exc
        doc.update(behaviour)
    doc.setdefault("expand_honoured", expand_honoured)
    return parse_behaviour(doc)


class BehaviourSetting:
    """The live behaviour, read once per request and replaced as a whole by PUT."""

    def __init__(self, initial: Behaviour | None = None) -> None:
        self._lock = threading.Lock()
        self._current = initial or Behaviour()

    @property
    def current(self) -> Behaviour:
        with self._lock:
            return self._current

    def replace(self, doc: Any) -> Behaviour:
        """PUT /__sandbox/behaviour: validated first, so a bad PUT changes nothing."""
        parsed = parse_behaviour(doc)
        with self._lock:
            self._current = parsed
        return parsed
