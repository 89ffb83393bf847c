"""The plan as a versioned JSON document, for machines and for saved plan files.

The models mirror ``iac.plan.model`` field for field, so ``from_document(to_document(p)) == p``.
Every field is required (no defaults): consumers can rely on each key being present, and a
saved plan that lost a field fails validation instead of silently reading as a default.
``summary`` is derived from the rest and ignored when reading a document back.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from iac.plan.model import (
    Plan,
)

FORMAT_VERSION: Literal[1] = 1

# Spelled out (not derived from the enums) so the schema is readable; a test keeps them equal.
ActionName = Literal["create", "update", "replace", "delete", "no-op"]
GateKindName = Literal["rules", "policy", "connectivity", "preflight"]
GateOutcomeName = Literal["passed", "failed", "warning", "skipped"]
PlanModeName = Literal["normal", "destroy", "refresh-only"]


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
    previous_key: str | None = Field(
        description="The key state knows the destination by until the plan is applied: a "
        "moved entry renames it (in state only, Genesys is not called); null when it keeps "
        "its key."
    )
    bus: bool = Field(
        description="A change to the destination's partner event bus in its AWS account "
        "(destination.<key>.aws_event_bus), not to the integration; id is the bus's name "
        "and the attributes are name, aws_account_id, aws_region and owned."
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
    bus: bool = Field(
        description="Drift of the destination's partner event bus in its AWS account (id is "
        "the bus's name): deleted, or its partner event source no longer ACTIVE."
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

    add: int = Field(
        description="Integrations and event buses to create (a replace counts here and in "
        "destroy)."
    )
    change: int = Field(description="Integrations to update (event buses to verify) in place.")
    destroy: int = Field(
        description="Integrations and event buses to delete (a replace counts here and in add)."
    )
    moved: int = Field(description="Destinations whose key is renamed in state (moved entries).")
    blocked: int = Field(description="Changes that failed gates block; not in the counts above.")
    drifted: int = Field(description="Managed destinations changed outside iac.")
    unmanaged: int = Field(description="Integrations in the org that no configuration manages.")
    has_changes: bool = Field(
        description="True when applying would change Genesys, or rename keys in state."
    )


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
    mode: PlanModeName = Field(
        description="normal: make Genesys match the configuration; destroy: delete every "
        "destination of the workspace (iac plan --destroy); refresh-only: only take what "
        "Genesys holds into state (iac plan --refresh-only), changes is empty and drift is "
        "what the state would take."
    )
    targets: list[str] = Field(
        description="Keys the plan was limited to with --target, with what they depend on; "
        "empty: every destination. A targeted plan may leave out changes the configuration "
        "asks for."
    )
    replace_requested: list[str] = Field(
        description="Keys --replace asked to replace even where nothing forces it."
    )
    bus_changes: list[ChangeDoc] = Field(
        description="Changes to the destinations' partner event buses (aws_event_bus), each "
        "keyed to its destination and ordered with the changes through depends_on."
    )


# The documents mirror the dataclasses field for field (a test keeps them in step), so
# pydantic converts both ways: enums to their values, tuples to lists, and back.
_PLAN = TypeAdapter(Plan)


def to_document(plan: Plan) -> PlanDocument:
    tally = plan.tally
    return PlanDocument(
        format_version=FORMAT_VERSION,
        summary=SummaryDoc(
            add=tally.add,
            change=tally.change,
            destroy=tally.destroy,
            moved=len(plan.moved),
            blocked=len(plan.blocked),
            drifted=len(plan.drift),
            unmanaged=len(plan.unmanaged),
            has_changes=plan.has_changes,
        ),
        # mode="json" builds fresh values: plan and document share no mutable dict.
        **_PLAN.dump_python(plan, mode="json"),
    )


def from_document(doc: PlanDocument) -> Plan:
    return _PLAN.validate_python(doc.model_dump(exclude={"format_version", "summary"}))
