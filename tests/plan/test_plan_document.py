"""The JSON plan document mirrors the Plan exactly: what goes in comes back out."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest
from iac_testing.plan_samples import (
    full_plan,
    many_destinations,
    moved_targeted_plan,
    odd_values_plan,
)
from pydantic import BaseModel, ValidationError

from iac.cli.render.json import render_json
from iac.plan.document import (
    AttributeChangeDoc,
    ChangeDoc,
    DriftDoc,
    GateDoc,
    PlanDocument,
    UnmanagedDoc,
    from_document,
    to_document,
)
from iac.plan.model import (
    Action,
    AttributeChange,
    Change,
    Drift,
    GateKind,
    GateOutcome,
    GateResult,
    Plan,
    PlanMode,
    Unmanaged,
)

PLANS = {
    "full": full_plan,
    "odd_values": odd_values_plan,
    "many": lambda: many_destinations(20),
    "empty": lambda: Plan(changes=()),
    "moved_targeted": moved_targeted_plan,
}


def test_the_full_sample_exercises_every_field() -> None:
    """Guards the round-trip tests below: a field the sample never sets is not tested."""
    p = full_plan()
    assert {c.action for c in p.changes} == set(Action)
    for name in (
        "depends_on",
        "waits_for_identity",
        "destroy_before_create",
        "reason",
        "deposed",
        "blocked_by",
        "warnings",
        "live_version",
        "attribute_changes",
    ):
        assert any(getattr(c, name) for c in p.changes), name
    assert any(a.forces_replacement for c in p.changes for a in c.attribute_changes)
    assert {d.deleted for d in p.drift} == {True, False}
    assert {g.outcome for g in p.gates} == set(GateOutcome)
    assert {g.kind for g in p.gates} == set(GateKind)
    assert any(g.details for g in p.gates) and any(g.key is None for g in p.gates)
    assert p.unmanaged


@pytest.mark.parametrize("name", PLANS)
def test_round_trip_in_memory(name: str) -> None:
    p = PLANS[name]()
    assert from_document(to_document(p)) == p


@pytest.mark.parametrize("name", PLANS)
def test_round_trip_through_json_text(name: str) -> None:
    p = PLANS[name]()
    doc = PlanDocument.model_validate_json(render_json(p))
    assert from_document(doc) == p
    assert doc == to_document(p)


def test_round_trip_keeps_value_types() -> None:
    back = from_document(PlanDocument.model_validate_json(render_json(odd_values_plan())))
    before = back.changes[0].before
    assert before is not None
    assert before["nested"]["a"] == [1, 2.5, None, True]
    assert [type(v) for v in before["nested"]["a"]] == [int, float, type(None), bool]
    assert back.changes[0].after == {"nested": {"a": []}, "empty": {}, "u": ""}
    assert back.changes[1].before == {} and back.changes[1].after == {}


def test_document_shares_no_mutable_values_with_the_plan() -> None:
    p = full_plan()
    doc = to_document(p)
    assert doc.changes[0].after is not None
    doc.changes[0].after["name"] = "edited"
    assert p.changes[0].after is not None and p.changes[0].after["name"] != "edited"
    back = from_document(doc)
    assert back.changes[0].after is not doc.changes[0].after


@pytest.mark.parametrize(
    ("dataclass", "model"),
    [
        (AttributeChange, AttributeChangeDoc),
        (Change, ChangeDoc),
        (Drift, DriftDoc),
        (GateResult, GateDoc),
        (Unmanaged, UnmanagedDoc),
    ],
)
def test_models_mirror_the_dataclasses_field_for_field(
    dataclass: type[Any], model: type[BaseModel]
) -> None:
    """A field added to the model must be added to the document too, or plans lose it."""
    assert [f.name for f in dataclasses.fields(dataclass)] == list(model.model_fields)


def test_plan_document_has_the_plan_fields_plus_version_and_summary() -> None:
    plan_fields = [f.name for f in dataclasses.fields(Plan)]
    assert list(PlanDocument.model_fields) == ["format_version", "summary", *plan_fields]


@pytest.mark.parametrize(
    ("model", "field", "enum"),
    [
        (ChangeDoc, "action", Action),
        (GateDoc, "kind", GateKind),
        (GateDoc, "outcome", GateOutcome),
        (PlanDocument, "mode", PlanMode),
    ],
)
def test_literal_names_match_the_enums(model: type[BaseModel], field: str, enum: type[Any]) -> None:
    annotation = model.model_fields[field].annotation
    assert list(typing.get_args(annotation)) == [e.value for e in enum]


def test_summary() -> None:
    doc = to_document(full_plan())
    assert doc.format_version == 1
    assert doc.summary.model_dump() == {
        "add": 4,
        "change": 2,
        "destroy": 4,
        "moved": 0,
        "blocked": 1,
        "drifted": 2,
        "unmanaged": 1,
        "has_changes": True,
    }
    empty = to_document(Plan(changes=())).summary
    assert not empty.has_changes and empty.add == empty.change == empty.destroy == 0
    moved = to_document(moved_targeted_plan())
    assert (moved.summary.moved, moved.summary.change, moved.summary.add) == (2, 1, 1)
    assert (moved.mode, moved.targets, moved.replace_requested) == (
        "normal",
        ["forced", "renamed", "updated"],
        ["forced"],
    )
    assert {c.key: c.previous_key for c in moved.changes} == {
        "forced": None,
        "renamed": "old",
        "updated": "kept",
    }


def test_unknown_fields_and_versions_are_rejected() -> None:
    data = to_document(full_plan()).model_dump(mode="json")
    with pytest.raises(ValidationError):
        PlanDocument.model_validate({**data, "extra": 1})
    with pytest.raises(ValidationError):
        PlanDocument.model_validate({**data, "format_version": 2})
    change = {**data["changes"][0], "action": "destroy"}
    with pytest.raises(ValidationError):
        PlanDocument.model_validate({**data, "changes": [change]})
    missing = {k: v for k, v in data["changes"][0].items() if k != "warnings"}
    with pytest.raises(ValidationError):
        PlanDocument.model_validate({**data, "changes": [missing]})
