"""The sandbox org: its integrations and their configurations, persisted to a JSON file.

Records are plain JSON-ready dicts so the file is the model. Every mutation happens under
one lock and is written atomically before the lock is released, so a crash or a second
process never sees half an update.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iac.atomic import write_atomic
from iac.sandbox import eventbridge
from iac.sandbox.activation import ActivationPolicy
from iac.sandbox.errors import ApiError, bad_request, invalid_value, not_found

Record = dict[str, Any]
INTENDED_STATES = ("ENABLED", "DISABLED")
_FORMAT = 1


def resolve_state(state: dict[str, Any], now: float) -> tuple[str, str | None, float]:
    """(code, detail message, last updated) of a stored reported state at ``now``.

    Activation is settled lazily from stored wall-clock times, so it also completes
    across a restart of the sandbox.
    """
    if state["code"] == "ACTIVATING":
        if now >= state["settlesAt"]:
            return state["outcome"], state.get("message"), state["settlesAt"]
        return "ACTIVATING", None, state["since"]  # the outcome is not told before it happens
    return state["code"], state.get("message"), state["since"]


class OrgStore:
    def __init__(
        self,
        data_file: Path | None,
        activation: ActivationPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()
        self._file = data_file
        self._activation = activation
        self._clock = clock
        self._data = self._load()

    # -- persistence -------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        if self._file is not None and self._file.exists():
            try:
                data = json.loads(self._file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ValueError(f"cannot read sandbox org file {self._file}: {exc}") from exc
            if not isinstance(data, dict) or not isinstance(data.get("integrations"), list):
                raise ValueError(f"{self._file} is not a sandbox org file")
            return data
        data = {
            "format": _FORMAT,
            "orgId": str(uuid.uuid4()),
            "orgName": "Sandbox Org",
            "nextSeq": 1,
            "integrations": [],
        }
        self._data = data
        self._save()  # the org id must be stable from the first run on
        return data

    def _save(self) -> None:
        if self._file is None:
            return
        write_atomic(self._file, json.dumps(self._data, indent=2))

    # -- reads -------------------------------------------------------------------------

    @property
    def org_id(self) -> str:
        return str(self._data["orgId"])

    @property
    def org_name(self) -> str:
        return str(self._data.get("orgName", "Sandbox Org"))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._data)

    def integrations(self, type_id: str | None = None) -> list[Record]:
        """Copies, in creation order."""
        with self._lock:
            recs = [r for r in self._data["integrations"] if type_id in (None, r["typeId"])]
            return copy.deepcopy(sorted(recs, key=lambda r: r["seq"]))

    def integration(self, integration_id: str) -> Record:
        with self._lock:
            return copy.deepcopy(self._find(integration_id))

    def _find(self, integration_id: str) -> Record:
        for rec in self._data["integrations"]:
            if rec["id"] == integration_id:
                return rec
        raise not_found(f"Integration {integration_id}")

    # -- mutations ---------------------------------------------------------------------

    def create(self, type_id: str, *, seeded: bool = False) -> Record:
        """POST /api/v2/integrations. ``seeded`` (admin only) lets an org hold integrations of
        other types, as real orgs do, so clients can be shown to leave them alone."""
        if type_id != eventbridge.TYPE_ID and not seeded:
            raise invalid_value("Unknown integration type {type}.", {"type": type_id})
        now = self._clock()
        with self._lock:
            rec: Record = {
                "id": str(uuid.uuid4()),
                "seq": self._data["nextSeq"],
                "typeId": type_id,
                "createdAt": now,
                "intendedState": "DISABLED",
                "config": {
                    "version": 1,
                    # Genesys names a new integration after its type, whatever the request says.
                    "name": eventbridge.TYPE_NAME,
                    "notes": "",
                    "properties": {},
                    "advanced": {},
                    "credentials": {},
                },
                "state": {"code": "INACTIVE", "since": now},
            }
            self._data["nextSeq"] += 1
            self._data["integrations"].append(rec)
            self._save()
            return copy.deepcopy(rec)

    def set_intended_state(self, integration_id: str, intended: Any) -> Record:
        if intended not in INTENDED_STATES:
            raise invalid_value(
                "intendedState must be ENABLED or DISABLED, not {value}.", {"value": str(intended)}
            )
        with self._lock:
            rec = self._find(integration_id)
            self._apply_intended_state(rec, intended)
            self._save()
            return copy.deepcopy(rec)

    def _apply_intended_state(self, rec: Record, intended: str) -> None:
        now = self._clock()
        if intended == "DISABLED":
            if rec["intendedState"] != "DISABLED":
                rec["state"] = {"code": "INACTIVE", "since": now}
        else:
            code, _, _ = resolve_state(rec["state"], now)
            # Enabling again only restarts activation when the last attempt failed.
            if rec["intendedState"] != "ENABLED" or code in ("ERROR", "INACTIVE"):
                self._start_activation(rec, now)
        rec["intendedState"] = intended

    def _start_activation(self, rec: Record, now: float) -> None:
        outcome = self._activation.outcome(rec["config"]["properties"])
        rec["state"] = {
            "code": "ACTIVATING",
            "since": now,
            "settlesAt": now + self._activation.delay,
            "outcome": outcome.code,
            "message": outcome.message,
        }

    def delete(self, integration_id: str) -> Record:
        with self._lock:
            rec = self._find(integration_id)
            self._data["integrations"].remove(rec)
            self._save()
        rec["intendedState"] = "DELETED"
        return rec

    def put_config(self, integration_id: str, doc: dict[str, Any]) -> Record:
        """PUT .../config/current: optimistic concurrency on ``version``, then full replace."""
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise bad_request("The configuration version is required and must be an integer.")
        name = doc.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid_value("The configuration name is required.", {"property": "name"})
        notes = doc.get("notes")
        if notes is not None and not isinstance(notes, str):
            raise invalid_value("notes must be a string.", {"property": "notes"})
        props = _object(doc, "properties")
        advanced = _object(doc, "advanced")
        credentials = _object(doc, "credentials")
        if advanced:
            raise invalid_value(
                "Integration type {type} has no advanced settings.", {"type": eventbridge.TYPE_ID}
            )
        if credentials:
            raise invalid_value(
                "Integration type {type} takes no credentials.", {"type": eventbridge.TYPE_ID}
            )
        eventbridge.validate_properties(props)
        with self._lock:
            rec = self._find(integration_id)
            current = rec["config"]["version"]
            if version != current:
                raise ApiError(
                    409,
                    "Version {sent} does not match the current version {current} of the "
                    "configuration of integration {id}.",
                    "conflict",
                    {"sent": str(version), "current": str(current), "id": integration_id},
                )
            self._check_unique(rec, props)
            rec["config"] = {
                "version": current + 1,
                "name": name,
                "notes": notes or "",
                "properties": props,
                "advanced": advanced,
                "credentials": credentials,
            }
            self._reactivate_if_enabled(rec)
            self._save()
            return copy.deepcopy(rec)

    def admin_edit(self, integration_id: str, doc: dict[str, Any]) -> Record:
        """An out-of-band edit as if made in the Genesys UI (drift); bumps the version."""
        unknown = set(doc) - {"name", "notes", "intendedState", "properties"}
        if unknown:
            raise bad_request(f"Unknown keys: {', '.join(sorted(unknown))}.")
        if "intendedState" in doc and doc["intendedState"] not in INTENDED_STATES:
            raise invalid_value("intendedState must be ENABLED or DISABLED.")
        with self._lock:
            rec = self._find(integration_id)
            config = copy.deepcopy(rec["config"])
            if "name" in doc:
                if not isinstance(doc["name"], str) or not doc["name"].strip():
                    raise invalid_value("The configuration name is required.")
                config["name"] = doc["name"]
            if "notes" in doc:
                if doc["notes"] is not None and not isinstance(doc["notes"], str):
                    raise invalid_value("notes must be a string.")
                config["notes"] = doc["notes"] or ""
            if "properties" in doc:
                if not isinstance(doc["properties"], dict):
                    raise invalid_value("properties must be an object.")
                for key, value in doc["properties"].items():
                    # null removes a property, so tests can make a config incomplete
                    if value is None:
                        config["properties"].pop(key, None)
                    else:
                        config["properties"][key] = value
                eventbridge.validate_properties(config["properties"])
                self._check_unique(rec, config["properties"])
            if config != rec["config"]:
                config["version"] += 1
                rec["config"] = config
                self._reactivate_if_enabled(rec)
            if "intendedState" in doc:
                self._apply_intended_state(rec, doc["intendedState"])
            self._save()
            return copy.deepcopy(rec)

    def _reactivate_if_enabled(self, rec: Record) -> None:
        # A changed configuration of an enabled integration is pushed again, so it re-activates.
        if rec["intendedState"] == "ENABLED":
            self._start_activation(rec, self._clock())

    def _check_unique(self, rec: Record, props: dict[str, Any]) -> None:
        mine = eventbridge.identity(props)
        if mine is None:
            return
        for other in self._data["integrations"]:
            if other is not rec and eventbridge.identity(other["config"]["properties"]) == mine:
                raise invalid_value(
                    "eventSourceSuffix {suffix} is already used for AWS account {account} in "
                    "{region} by integration {other}.",
                    {
                        "suffix": mine[2],
                        "account": mine[0],
                        "region": mine[1],
                        "other": other["id"],
                        "property": "eventSourceSuffix",
                    },
                )


def _object(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_value("{property} must be a JSON object.", {"property": key})
    return copy.deepcopy(value)
