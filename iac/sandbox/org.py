"""The sandbox org: its integrations and their configurations, persisted to a JSON file.

Records are plain JSON-ready dicts so the file is the model. Every mutation happens under
one lock and is written atomically before the lock is released, so a crash or a second
process never sees half an update. An index (``index.py``) keeps every API call's cost to
what it reads or changes, not the org's size: a plan lists orgs of 10,000 integrations.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iac.sandbox import eventbridge, rules
from iac.sandbox.activation import ActivationPolicy, resolve_state
from iac.sandbox.aws_partner import AwsPartner
from iac.sandbox.behaviour import Behaviour, BehaviourSetting
from iac.sandbox.errors import bad_request, invalid_value, not_found
from iac.sandbox.index import RecordIndex, copy_json
from iac.sandbox.orgfile import OrgFile

Record = dict[str, Any]
INTENDED_STATES = ("ENABLED", "DISABLED")
_FORMAT = 1


class OrgStore:
    def __init__(
        self,
        data_file: Path | None,
        activation: ActivationPolicy,
        behaviour: BehaviourSetting | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()
        self._file = OrgFile(data_file)
        self._activation = activation
        self._behaviour = behaviour or BehaviourSetting()
        self._clock = clock
        # Genesys' part on the AWS side (an AWS endpoint given): None leaves AWS alone.
        self.partner: AwsPartner | None = None
        # Deleted integrations still readable (delete_visible_seconds): id -> (record, until).
        # Kept in memory only: a restart of the sandbox ends their visibility.
        self._gone: dict[str, tuple[Record, float]] = {}
        data = self._file.load()
        fresh = data is None
        if data is None:
            data = {"format": _FORMAT, "orgId": str(uuid.uuid4()), "orgName": "Sandbox Org"}
            data["nextSeq"] = 1
        # The org's own keys; its integrations live in the index (and the file's last key).
        self._index = RecordIndex(data.pop("integrations", []))
        self._data = data
        if fresh:
            self._save()  # the org id must be stable from the first run on

    # -- persistence -------------------------------------------------------------------

    def _save(self, *changed: Record) -> None:
        """Write the org file; ``changed``: the records this mutation altered or deleted."""
        self._file.save(self._data, self._index.records(), changed)

    # -- reads -------------------------------------------------------------------------

    @property
    def org_id(self) -> str:
        return str(self._data["orgId"])

    @property
    def org_name(self) -> str:
        return str(self._data.get("orgName", "Sandbox Org"))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy({**self._data, "integrations": self._index.records()})

    def integration_page(
        self, type_id: str | None, page_number: int, page_size: int
    ) -> tuple[list[Record], int]:
        """Copies of one list page, in creation order, and the listing's total; deleted ones
        count too while they are still visible. Only the page is copied."""
        start = (page_number - 1) * page_size
        with self._lock:
            gone = [r for r in self._visible_gone() if type_id in (None, r["typeId"])]
            page, total = self._index.page(type_id, start, page_size, gone)
            return copy_json(page), total

    def integration(self, integration_id: str) -> Record:
        """A copy, for reads: a deleted one still answers while it is visible."""
        with self._lock:
            gone = self._gone.get(integration_id)
            if gone is not None and gone[1] > self._clock():
                return copy_json(gone[0])
            return copy_json(self._find(integration_id))

    def _visible_gone(self) -> list[Record]:
        now = self._clock()
        for gone_id, (_, until) in list(self._gone.items()):
            if until <= now:
                del self._gone[gone_id]
        return [rec for rec, _ in self._gone.values()]

    def _find(self, integration_id: str) -> Record:
        rec = self._index.get(integration_id)
        if rec is None:
            raise not_found(f"Integration {integration_id}")
        return rec

    # -- mutations ---------------------------------------------------------------------

    def create(self, type_id: str, *, seeded: bool = False, name: str | None = None) -> Record:
        """POST /api/v2/integrations. ``seeded`` (admin only) lets an org hold integrations of
        other types, as real orgs do, so clients can be shown to leave them alone; it also
        passes the instance cap, so a test can make an org that is already over it."""
        if type_id != eventbridge.TYPE_ID and not seeded:
            raise invalid_value("Unknown integration type {type}.", {"type": type_id})
        behaviour = self._behaviour.current
        # ASSUMPTION (honour_create_name, default false): POST ignores the request's name and
        # names the integration after its type. Settled by: a POST /api/v2/integrations with
        # a name against a real org, then GET .../config/current.
        if not (behaviour.honour_create_name and name and name.strip()):
            name = eventbridge.TYPE_NAME
        now = self._clock()
        with self._lock:
            if not seeded:
                rules.check_cap(self._index.count(type_id), type_id, behaviour.max_instances)
            rec: Record = {
                "id": str(uuid.uuid4()),
                "seq": self._data["nextSeq"],
                "typeId": type_id,
                "createdAt": now,
                "intendedState": "DISABLED",
                "config": {
                    "version": 1,
                    "name": name,
                    "notes": "",
                    "properties": {},
                    "advanced": {},
                    "credentials": {},
                },
                "state": {"code": "INACTIVE", "since": now},
            }
            self._data["nextSeq"] += 1
            self._index.add(rec)
            self._save(rec)
            return copy.deepcopy(rec)

    def set_intended_state(self, integration_id: str, intended: Any) -> Record:
        if intended not in INTENDED_STATES:
            raise invalid_value(
                "intendedState must be ENABLED or DISABLED, not {value}.", {"value": str(intended)}
            )
        behaviour = self._behaviour.current
        with self._lock:
            rec = self._find(integration_id)
            self._apply_intended_state(rec, intended, behaviour)
            self._save(rec)
            return copy.deepcopy(rec)

    def _apply_intended_state(self, rec: Record, intended: str, behaviour: Behaviour) -> None:
        now = self._clock()
        if intended == "DISABLED":
            if rec["intendedState"] != "DISABLED":
                rec["state"] = {"code": "INACTIVE", "since": now}
        else:
            code, _, _ = resolve_state(rec["state"], now)
            # Enabling again restarts activation only when the last attempt failed.
            # ASSUMPTION (reenable_restarts_activation, default true): PATCH ENABLED on an
            # integration already ENABLED but in ERROR tries again; when false it stays in
            # ERROR until it is disabled and enabled. Settled by: a real integration in ERROR
            # (e.g. an AWS account that refuses the partner event source), PATCH ENABLED,
            # then GET its reportedState.
            retry = code == "INACTIVE" or (
                code == "ERROR" and behaviour.reenable_restarts_activation
            )
            if rec["intendedState"] != "ENABLED" or retry:
                self._start_activation(rec, now, behaviour)
        rec["intendedState"] = intended

    def _start_activation(self, rec: Record, now: float, behaviour: Behaviour) -> None:
        props = rec["config"]["properties"]
        sharing = self._index.sharing(eventbridge.identity(props))
        deferred = rules.deferred_problem(sharing, rec, behaviour, now)
        outcome = deferred or self._activation.outcome(props)
        rec["state"] = {
            "code": "ACTIVATING",
            "since": now,
            "settlesAt": now + self._activation.delay,
            "outcome": outcome.code,
            "message": outcome.message,
        }
        if self.partner is not None and outcome.code == "ACTIVE":
            # Genesys makes the partner event source as the integration becomes ACTIVE.
            settles = rec["state"]["settlesAt"]
            timer = threading.Timer(
                max(0.0, settles - now), self._source_due, (rec["id"], settles)
            )
            timer.daemon = True
            timer.start()

    def _source_due(self, integration_id: str, settles_at: float) -> None:
        """The activation that started at ``settles_at`` settled: the partner's source, if
        the integration is still there, still activated by that same attempt."""
        with self._lock:
            rec = self._index.get(integration_id)
            state = rec["state"] if rec is not None else {}
            if state.get("settlesAt") != settles_at or state.get("outcome") != "ACTIVE":
                return
            properties = copy.deepcopy(rec["config"]["properties"]) if rec else {}
        if self.partner is not None:
            self.partner.activated(properties)

    def delete(self, integration_id: str) -> Record:
        """DELETE: gone at once for every write; reads may still see it for a while.

        ASSUMPTION (delete_visible_seconds, default 0): a deleted integration answers 404 at
        once. With N > 0, GET by id, GET .../config/current and the list still show it, with
        intendedState DELETED, for N seconds (CX as Code polls GET for up to 30 s after a
        DELETE, which suggests a delay). Settled by: DELETE against a real org, then GET by
        id and the list at once and every second until both stop showing it.
        """
        seconds = self._behaviour.current.delete_visible_seconds
        with self._lock:
            rec = self._find(integration_id)
            self._index.remove(rec)
            self._save(rec)
            rec["intendedState"] = "DELETED"
            if seconds > 0:
                self._gone[integration_id] = (copy.deepcopy(rec), self._clock() + seconds)
        if self.partner is not None:
            self.partner.deleted(rec["config"]["properties"])
        return rec

    def put_config(self, integration_id: str, doc: dict[str, Any]) -> Record:
        """PUT .../config/current: optimistic concurrency on ``version``, then full replace."""
        version, asked = _parse_config(doc)
        behaviour = self._behaviour.current
        at_put = behaviour.validate_properties_at == "put"
        if at_put:
            eventbridge.validate_properties(asked["properties"])
        with self._lock:
            rec = self._find(integration_id)
            current = rec["config"]["version"]
            if version != current:
                raise rules.version_conflict(rec, version, behaviour.version_conflict_status)
            if at_put:
                self._check_unique(rec, asked["properties"])
            self._index.set_config(rec, {"version": current + 1, **asked})
            self._reactivate_if_enabled(rec, behaviour)
            self._save(rec)
            return copy.deepcopy(rec)

    def admin_edit(self, integration_id: str, doc: dict[str, Any]) -> Record:
        """An out-of-band edit as if made in the Genesys UI (drift); bumps the version."""
        unknown = set(doc) - {"name", "notes", "intendedState", "properties"}
        if unknown:
            raise bad_request(f"Unknown keys: {', '.join(sorted(unknown))}.")
        if "intendedState" in doc and doc["intendedState"] not in INTENDED_STATES:
            raise invalid_value("intendedState must be ENABLED or DISABLED.")
        behaviour = self._behaviour.current  # an edit in the UI meets the same backend
        with self._lock:
            rec = self._find(integration_id)
            config = _edited_config(rec["config"], doc)
            if "properties" in doc and behaviour.validate_properties_at == "put":
                eventbridge.validate_properties(config["properties"])
                self._check_unique(rec, config["properties"])
            if config != rec["config"]:
                config["version"] += 1
                self._index.set_config(rec, config)
                self._reactivate_if_enabled(rec, behaviour)
            if "intendedState" in doc:
                self._apply_intended_state(rec, doc["intendedState"], behaviour)
            self._save(rec)
            return copy.deepcopy(rec)

    def _check_unique(self, rec: Record, props: dict[str, Any]) -> None:
        # Only the records naming the same partner event source can clash.
        sharing = self._index.sharing(eventbridge.identity(props))
        rules.check_unique(sharing, rec, props, self._clock())

    def _reactivate_if_enabled(self, rec: Record, behaviour: Behaviour) -> None:
        """A changed configuration of an enabled integration is pushed again.

        ASSUMPTION (config_change_reactivates, default true): it re-activates (ACTIVATING,
        then ACTIVE or ERROR). When false the reported state does not move: an ACTIVE one
        stays ACTIVE, one in ERROR stays in ERROR until disabled and enabled. Settled by: a
        config PUT on an ENABLED integration in a real org, then GET its reportedState.
        """
        if rec["intendedState"] == "ENABLED" and behaviour.config_change_reactivates:
            self._start_activation(rec, self._clock(), behaviour)


def _parse_config(doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A PUT .../config/current body, checked: the version it was based on, and the config
    it asks for (all but the version)."""
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
    return version, {
        "name": name,
        "notes": notes or "",
        "properties": props,
        "advanced": advanced,
        "credentials": credentials,
    }


def _edited_config(current: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``current`` with an admin edit's name, notes and properties applied."""
    config = copy.deepcopy(current)
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
    return config


def _object(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_value("{property} must be a JSON object.", {"property": key})
    return copy.deepcopy(value)
