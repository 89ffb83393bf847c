"""The state document as plain data: what iac last applied, per logical key.

Kept free of I/O so the planner can take it as an argument and tests can build it by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

FORMAT_VERSION = 1


@dataclass(frozen=True)
class BusState:
    """The partner event bus of a destination's ``aws_event_bus`` block, as last verified:
    ``owned`` when iac created it (and so deletes it); otherwise iac only verified it."""

    name: str
    aws_account_id: str
    aws_region: str
    owned: bool

    def attributes(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aws_account_id": self.aws_account_id,
            "aws_region": self.aws_region,
            "owned": self.owned,
        }

    @classmethod
    def of(cls, attributes: dict[str, Any]) -> BusState:
        return cls(
            str(attributes["name"]),
            str(attributes["aws_account_id"]),
            str(attributes["aws_region"]),
            bool(attributes["owned"]),
        )


@dataclass(frozen=True)
class ResourceState:
    """One managed destination: its Genesys id and the attributes last applied to it."""

    id: str
    attributes: dict[str, Any]
    # Ids of integrations a replace left behind because deleting them failed; the next
    # plan deletes them (Terraform calls these "deposed" objects).
    deposed: tuple[str, ...] = ()
    # Remembered from the configuration, so that removing a protected destination from the
    # YAML is refused too, not only changing it.
    prevent_destroy: bool = False
    # False for the placeholder a create records before configuring: a run cut off there
    # leaves an integration nobody verified, and the next plan must verify it.
    verified: bool = True
    # The destination's partner event bus (aws_event_bus), once verified; None: none (and in
    # every state written before iac managed buses).
    bus: BusState | None = None


@dataclass(frozen=True)
class PendingCreate:
    """A create about to be sent: written before the POST, so that a run killed between the
    POST's answer and the next state write leaves the next plan a way to find what it made.

    ``name`` is unique per run and key and is sent with the POST (Genesys may keep it as the
    new integration's name); ``since`` is when the intent was recorded (UTC, local clock);
    ``unconfigured_before`` the integrations already unconfigured when the run planned (None:
    not known), so that one made since can be told apart where Genesys ignores the name.
    """

    name: str
    since: datetime
    unconfigured_before: tuple[str, ...] | None = None


@dataclass(frozen=True)
class State:
    lineage: str
    serial: int
    # The org this state describes (API base URL, or "sandbox"): applying a state to
    # another org would mistake its ids for deleted integrations.
    target: str
    resources: dict[str, ResourceState] = field(default_factory=dict)
    version: int = FORMAT_VERSION
    # The Genesys org (id, and name when known) this state describes: two orgs in one
    # region share an API URL, so the URL alone cannot tell them apart. None in a state
    # written before iac recorded it; the next write records it.
    org_id: str | None = None
    org_name: str | None = None
    # Creates recorded as intended but not yet known to have an integration, per key: the
    # applier removes each once the new integration's id is in ``resources`` (or the create
    # is undone), and the next plan resolves any a killed run left behind.
    pending_creates: dict[str, PendingCreate] = field(default_factory=dict)

    @classmethod
    def new(cls, target: str) -> State:
        return cls(lineage=str(uuid.uuid4()), serial=0, target=target)

    def with_org(self, org_id: str, org_name: str | None) -> State:
        return replace(self, org_id=org_id, org_name=org_name)

    def with_resource(self, key: str, resource: ResourceState) -> State:
        return replace(self, resources={**self.resources, key: resource})

    def protected_keys(self) -> frozenset[str]:
        return frozenset(k for k, r in self.resources.items() if r.prevent_destroy)

    def with_protection(self, protected: frozenset[str], desired: set[str]) -> State:
        """Record the configuration's prevent_destroy flags for the keys it declares."""
        resources = {
            k: replace(r, prevent_destroy=k in protected) if k in desired else r
            for k, r in self.resources.items()
        }
        return replace(self, resources=resources)

    def without_resource(self, key: str) -> State:
        return replace(self, resources={k: v for k, v in self.resources.items() if k != key})

    def with_pending_create(self, key: str, pending: PendingCreate) -> State:
        return replace(self, pending_creates={**self.pending_creates, key: pending})

    def without_pending_create(self, key: str) -> State:
        kept = {k: v for k, v in self.pending_creates.items() if k != key}
        return replace(self, pending_creates=kept)


@dataclass(frozen=True)
class StoredWorkspace:
    """One workspace a backend holds, as ``iac workspace list`` shows it."""

    name: str
    lineage: str | None  # None: no state (only audit records), or one that cannot be read
    serial: int | None
    written_at: datetime | None  # when the state was last written
    audit_records: int
    problem: str | None = None  # why the state cannot be read (a damaged local file)
