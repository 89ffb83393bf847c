"""The plan as plain data: what will change, why, and what drifted.

Renderers, the applier and (later) saved plan files all read this; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iac.vocabulary import Action, GateKind, GateOutcome, PlanMode

__all__ = [
    "Action",
    "AttributeChange",
    "Change",
    "Drift",
    "GateKind",
    "GateOutcome",
    "GateResult",
    "Plan",
    "PlanMode",
    "Tally",
    "Unmanaged",
]


# How a destination's partner event bus is addressed: destination.KEY.aws_event_bus.
BUS_SUFFIX = ".aws_event_bus"


@dataclass(frozen=True)
class AttributeChange:
    name: str
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class Change:
    key: str
    action: Action
    # The integration acted on; None for a create.
    id: str | None
    # Live attributes (state's when Genesys no longer has it); None for a create.
    before: dict[str, Any] | None
    # Desired attributes; None for a delete.
    after: dict[str, Any] | None
    attribute_changes: tuple[AttributeChange, ...] = ()
    # Config version read during refresh, for the PUT of an update.
    live_version: int | None = None
    # Jobs that must finish before this one starts (the key's deposed leftovers).
    depends_on: tuple[str, ...] = ()
    # The job whose delete frees the AWS identity (account, region, suffix) this change takes:
    # Genesys refuses two integrations with one identity.
    waits_for_identity: str | None = None
    # A replace that must wait for its new identity deletes its old integration first, so
    # two keys swapping identities cannot wait on each other.
    destroy_before_create: bool = False
    # Why, when it is not obvious from the attributes.
    reason: str | None = None
    # A delete of an integration a failed replace left behind, rather than of the key itself.
    deposed: bool = False
    # Failed gates that stop this change from being applied (empty: it may go ahead).
    blocked_by: tuple[str, ...] = ()
    # Things the reviewer should know that do not stop the change (e.g. "import it instead").
    warnings: tuple[str, ...] = ()
    # The key state knows this destination by until this plan is applied (a ``moved:``
    # entry renames it, in state only); None when it keeps its key.
    previous_key: str | None = None
    # A change to the destination's partner event bus in the AWS account (its
    # ``aws_event_bus`` block), not to the integration: ``id`` is then the bus's name.
    bus: bool = False

    @property
    def resource(self) -> str:
        """The resource's key: the destination's, or ``KEY.aws_event_bus`` for its bus."""
        return f"{self.key}{BUS_SUFFIX}" if self.bus else self.key

    @property
    def address(self) -> str:
        return f"destination.{self.resource}"

    @property
    def job_id(self) -> str:
        return f"{self.resource}#deposed:{self.id}" if self.deposed else self.resource

    @property
    def moves(self) -> bool:
        """Whether applying it renames the destination's key in state (no Genesys call)."""
        return self.previous_key is not None and not self.deposed


@dataclass(frozen=True)
class GateResult:
    """One check a change must pass before it is applied."""

    kind: GateKind
    # The destination it concerns; None for a check of the whole run (e.g. the token).
    key: str | None
    check: str  # e.g. "allowed_regions", "tls", "permission"
    outcome: GateOutcome
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome is GateOutcome.FAILED


@dataclass(frozen=True)
class Drift:
    """A managed destination that changed in Genesys since iac last applied it."""

    key: str
    id: str
    deleted: bool
    attribute_changes: tuple[AttributeChange, ...] = ()
    # Drift of the destination's partner event bus (``id`` is the bus's name).
    bus: bool = False

    @property
    def address(self) -> str:
        return f"destination.{self.key}{BUS_SUFFIX if self.bus else ''}"


@dataclass(frozen=True)
class Unmanaged:
    """An EventBridge integration in the org that no state entry (so no configuration) manages."""

    id: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class Tally:
    """Terraform's tally of integrations: a replace adds one and destroys one."""

    add: int = 0
    change: int = 0
    destroy: int = 0

    @classmethod
    def of(cls, actions: Iterable[Action]) -> Tally:
        done = list(actions)
        return cls(
            add=sum(a in (Action.CREATE, Action.REPLACE) for a in done),
            change=sum(a is Action.UPDATE for a in done),
            destroy=sum(a in (Action.DELETE, Action.REPLACE) for a in done),
        )


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    drift: tuple[Drift, ...] = field(default=())
    gates: tuple[GateResult, ...] = field(default=())
    unmanaged: tuple[Unmanaged, ...] = field(default=())
    # How it was asked for: its mode, the keys it was limited to (--target; empty: every
    # destination) and the keys it replaces on request (--replace). A saved plan is checked
    # again with the same.
    mode: PlanMode = PlanMode.NORMAL
    targets: tuple[str, ...] = ()
    replace_requested: tuple[str, ...] = ()
    # Changes to the destinations' partner event buses in their AWS accounts (the
    # ``aws_event_bus`` blocks), each keyed to its destination; ordered with ``changes``
    # through ``depends_on``.
    bus_changes: tuple[Change, ...] = ()

    @property
    def every_change(self) -> tuple[Change, ...]:
        """The destinations' changes, then their buses'."""
        return self.changes + self.bus_changes

    @property
    def actionable(self) -> tuple[Change, ...]:
        """Changes that would alter Genesys (or an AWS account) and no failed gate blocks."""
        return tuple(
            c for c in self.every_change if c.action is not Action.NOOP and not c.blocked_by
        )

    @property
    def moved(self) -> tuple[Change, ...]:
        """Changes that rename a key in state (whatever else they do) and no gate blocks."""
        return tuple(c for c in self.changes if c.moves and not c.blocked_by)

    @property
    def reviewable(self) -> tuple[Change, ...]:
        """What applying would do, in order: the actionable changes and the moves."""
        return tuple(
            c
            for c in self.every_change
            if not c.blocked_by and (c.action is not Action.NOOP or c.moves)
        )

    @property
    def blocked(self) -> tuple[Change, ...]:
        return tuple(c for c in self.every_change if c.blocked_by)

    @property
    def has_changes(self) -> bool:
        """Whether applying it would change anything: Genesys, or keys in state."""
        return bool(self.actionable or self.moved)

    @property
    def partial(self) -> bool:
        """Limited by --target: it may leave out changes the configuration asks for."""
        return bool(self.targets)

    @property
    def tally(self) -> Tally:
        return Tally.of(c.action for c in self.actionable)
