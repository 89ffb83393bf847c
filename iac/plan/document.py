"""The plan as a versioned JSON document, for machines and for saved plan files.

The models mirror ``iac.plan.model`` field for field, so ``from_document(to_document(p)) == p``.
Every field is required (no defaults): consumers can rely on each key being present, and a
saved plan that lost a field fails validation instead of silently reading as a default.
``summary`` is derived from the rest and ignored when reading a document back.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from iac.plan.model import (
    Action,
    AttributeChange,
    Change,
    Drift,
    GateKind,
    GateOutcome,
    GateResult,
    Plan,
    Unmanaged,
)

FORMAT_VERSION: Literal[1] = 1

# Spelled out (not derived from the enums) so the schema is readable; a test keeps them equal.
ActionName = Literal["create", "update", "replace", "delete", "no-op"]
GateKindName = Literal["rules", "policy", "connectivity", "preflight"]
GateOutcomeName = Literal["passed", "failed", "warning", "skipped"]


def _field_title(name: str, _info: Any) -> str:
    # The JSON key reads better as a schema title than pydantic's "Attribute Changes".
    return name


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, field_title_generator=_field_title)


class AttributeChangeDoc(_Doc):
    """One attribute whose value differs between before and after."""

    model_config = ConfigDict(title="AttributeChange")

    name: str = Field(description="Attribute name, e.g. aws_region or topic_filters.")
    before: Any = Field(description="Value before the change (null: the attribute was unset).")
    after: Any = Field(description="Value after the change (null: the attribute is removed).")
    forces_replacement: bool = Field(
        description="True when changing this attribute replaces the integration (AWS identity)."
    )


class ChangeDoc(_Doc):
    """What iac will do to one destination (or to an integration a failed replace left)."""

    model_config = ConfigDict(title="Change")

    key: str = Field(description="Logical key of the destination in the configuration.")
    action: ActionName = Field(description="What will happen to the integration.")
    id: str | None = Field(description="Genesys integration id acted on; null for a create.")
    before: dict[str, Any] | None = Field(
        description="Attributes in Genesys now (from state when Genesys no longer has it); "
        "null for a create."
    )
    after: dict[str, Any] | None = Field(
        description="Attributes from the configuration; null for a delete."
    )
    attribute_changes: list[AttributeChangeDoc] = Field(
        description="Per-attribute differences (updates and replaces)."
    )
    live_version: int | None = Field(
        description="Integration config version read during refresh, used for the update."
    )
    depends_on: list[str] = Field(
        description="Job ids that must finish first. A job id is the key, or "
        "'<key>#deposed:<id>' for the delete of a deposed integration."
    )
    waits_for_identity: str | None = Field(
        description="Job id whose delete frees the AWS identity this change takes."
    )
    destroy_before_create: bool = Field(
        description="A replace that deletes its old integration before creating the new one."
    )
    reason: str | None = Field(description="Why, when it is not obvious from the attributes.")
    deposed: bool = Field(
        description="A delete of an integration a failed replace left behind, not of the key."
    )
    blocked_by: list[str] = Field(
        description="Failed gates that stop this change (empty: it may be applied)."
    )
    warnings: list[str] = Field(
        description="Things the reviewer should know that do not stop the change."
    )


class DriftDoc(_Doc):
    """A managed destination that changed in Genesys since iac last applied it."""

    model_config = ConfigDict(title="Drift")

    key: str = Field(description="Logical key of the destination.")
    id: str = Field(description="Genesys integration id recorded in state.")
    deleted: bool = Field(description="True when the integration no longer exists in Genesys.")
    attribute_changes: list[AttributeChangeDoc] = Field(
        description="Differences from what iac last applied (before) to Genesys now (after)."
    )


class GateDoc(_Doc):
    """One check a change must pass before it is applied."""

    model_config = ConfigDict(title="Gate")

    kind: GateKindName = Field(description="Which family of checks produced this result.")
    key: str | None = Field(
        description="Destination key it concerns; null for a check of the whole run."
    )
    check: str = Field(description="Name of the check, e.g. allowed_regions, tls, permission.")
    outcome: GateOutcomeName = Field(description="Result; failed blocks the change.")
    message: str = Field(description="Human-readable result.")
    details: dict[str, Any] = Field(
        description="Check-specific data, e.g. latency_ms for connectivity probes."
    )


class UnmanagedDoc(_Doc):
    """An EventBridge integration in the org that no configuration manages."""

    model_config = ConfigDict(title="Unmanaged")

    id: str = Field(description="Genesys integration id.")
    attributes: dict[str, Any] = Field(description="Its attributes as read from Genesys.")


class SummaryDoc(_Doc):
    """Tallies derived from the plan; informational only."""

    model_config = ConfigDict(title="Summary")

    add: int = Field(description="Integrations to create (a replace counts here and in destroy).")
    change: int = Field(description="Integrations to update in place.")
    destroy: int = Field(description="Integrations to delete (a replace counts here and in add).")
    blocked: int = Field(description="Changes that failed gates block; not in the counts above.")
    drifted: int = Field(description="Managed destinations changed outside iac.")
    unmanaged: int = Field(description="Integrations in the org that no configuration manages.")
    has_changes: bool = Field(description="True when applying would change Genesys.")


class PlanDocument(_Doc):
    """An iac plan: what applying would change in Genesys Cloud, and why."""

    model_config = ConfigDict(title="iac plan")

    format_version: Literal[1] = Field(
        description="Version of this document format; bumped on incompatible changes."
    )
    summary: SummaryDoc = Field(description="Tallies, derived from the rest of the document.")
    changes: list[ChangeDoc] = Field(
        description="Every destination's change, no-ops included, in apply order."
    )
    drift: list[DriftDoc] = Field(description="Managed destinations changed outside iac.")
    gates: list[GateDoc] = Field(description="Results of the checks run for this plan.")
    unmanaged: list[UnmanagedDoc] = Field(
        description="EventBridge integrations in the org that no configuration manages."
    )


def to_document(plan: Plan) -> PlanDocument:
    counts = plan.counts()
    return PlanDocument(
        format_version=FORMAT_VERSION,
        summary=SummaryDoc(
            add=counts["add"],
            change=counts["change"],
            destroy=counts["destroy"],
            blocked=len(plan.blocked),
            drifted=len(plan.drift),
            unmanaged=len(plan.unmanaged),
            has_changes=plan.has_changes,
        ),
        changes=[_change_doc(c) for c in plan.changes],
        drift=[
            DriftDoc(
                key=d.key,
                id=d.id,
                deleted=d.deleted,
                attribute_changes=[_attribute_doc(a) for a in d.attribute_changes],
            )
            for d in plan.drift
        ],
        gates=[
            GateDoc(
                kind=g.kind.value,
                key=g.key,
                check=g.check,
                outcome=g.outcome.value,
                message=g.message,
                details=_copy(g.details),
            )
            for g in plan.gates
        ],
        unmanaged=[UnmanagedDoc(id=u.id, attributes=_copy(u.attributes)) for u in plan.unmanaged],
    )


def from_document(doc: PlanDocument) -> Plan:
    return Plan(
        changes=tuple(_change(c) for c in doc.changes),
        drift=tuple(
            Drift(
                key=d.key,
                id=d.id,
                deleted=d.deleted,
                attribute_changes=tuple(_attribute(a) for a in d.attribute_changes),
            )
            for d in doc.drift
        ),
        gates=tuple(
            GateResult(
                kind=GateKind(g.kind),
                key=g.key,
                check=g.check,
                outcome=GateOutcome(g.outcome),
                message=g.message,
                details=_copy(g.details),
            )
            for g in doc.gates
        ),
        unmanaged=tuple(Unmanaged(id=u.id, attributes=_copy(u.attributes)) for u in doc.unmanaged),
    )


def _change_doc(c: Change) -> ChangeDoc:
    return ChangeDoc(
        key=c.key,
        action=c.action.value,
        id=c.id,
        before=_copy(c.before),
        after=_copy(c.after),
        attribute_changes=[_attribute_doc(a) for a in c.attribute_changes],
        live_version=c.live_version,
        depends_on=list(c.depends_on),
        waits_for_identity=c.waits_for_identity,
        destroy_before_create=c.destroy_before_create,
        reason=c.reason,
        deposed=c.deposed,
        blocked_by=list(c.blocked_by),
        warnings=list(c.warnings),
    )


def _change(c: ChangeDoc) -> Change:
    return Change(
        key=c.key,
        action=Action(c.action),
        id=c.id,
        before=_copy(c.before),
        after=_copy(c.after),
        attribute_changes=tuple(_attribute(a) for a in c.attribute_changes),
        live_version=c.live_version,
        depends_on=tuple(c.depends_on),
        waits_for_identity=c.waits_for_identity,
        destroy_before_create=c.destroy_before_create,
        reason=c.reason,
        deposed=c.deposed,
        blocked_by=tuple(c.blocked_by),
        warnings=tuple(c.warnings),
    )


def _attribute_doc(a: AttributeChange) -> AttributeChangeDoc:
    return AttributeChangeDoc(
        name=a.name,
        before=copy.deepcopy(a.before),
        after=copy.deepcopy(a.after),
        forces_replacement=a.forces_replacement,
    )


def _attribute(a: AttributeChangeDoc) -> AttributeChange:
    return AttributeChange(
        name=a.name,
        before=copy.deepcopy(a.before),
        after=copy.deepcopy(a.after),
        forces_replacement=a.forces_replacement,
    )


def _copy(value: Any) -> Any:
    # Attribute dicts are mutable inside frozen dataclasses; the plan and its document must
    # not share them, or editing one would silently change the other.
    return copy.deepcopy(value)
