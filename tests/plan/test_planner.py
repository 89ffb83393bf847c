"""The planner: what `iac plan` proposes for each combination of configuration, state and live."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from iac_testing.plan_data import ACTIVITY, AUDITS, OPERATIONS, attrs, live, state

from iac.genesys.live import LiveDestination, attributes_from_genesys
from iac.plan.model import Action, AttributeChange, Change, Drift, Plan, Tally
from iac.plan.planner import plan
from iac.state.model import ResourceState


def only(p: Plan, key: str) -> Change:
    """The key's own change (not a deposed delete)."""
    [change] = [c for c in p.changes if c.key == key and not c.deposed]
    return change


def test_create_when_key_is_not_in_state() -> None:
    p = plan({"orders": attrs()}, state(), {})

    change = only(p, "orders")
    assert change.action is Action.CREATE
    assert (change.id, change.before, change.after) == (None, None, attrs())
    assert change.reason is None
    assert p.drift == ()


def test_create_again_when_deleted_outside_iac() -> None:
    p = plan({"orders": attrs()}, state(orders=ResourceState("i-1", attrs())), {})

    change = only(p, "orders")
    assert change.action is Action.CREATE
    assert change.id is None
    assert "deleted outside iac" in (change.reason or "")
    assert p.drift == (Drift(key="orders", id="i-1", deleted=True),)


def test_no_op_when_live_matches_desired_whatever_the_topic_order() -> None:
    recorded = attrs()
    current = attrs(topic_filters=[ACTIVITY, OPERATIONS])
    assert current["topic_filters"] != attrs()["topic_filters"]  # same topics, other order
    p = plan(
        {"orders": attrs()},
        state(orders=ResourceState("i-1", recorded)),
        {"i-1": live("i-1", current)},
    )

    assert only(p, "orders").action is Action.NOOP
    assert not p.has_changes
    assert p.tally == Tally(add=0, change=0, destroy=0)
    assert p.drift == ()


@pytest.mark.parametrize(
    ("name", "new_value"),
    [
        ("name", "Orders v2"),
        ("notes", "owned by the payments team"),
        ("topic_filters", sorted([ACTIVITY, OPERATIONS, AUDITS])),
        ("enabled", False),
    ],
)
def test_update_in_place_for_mutable_attributes(name: str, new_value: Any) -> None:
    current = attrs()
    p = plan(
        {"orders": attrs(**{name: new_value})},
        state(orders=ResourceState("i-1", current)),
        {"i-1": live("i-1", current, version=7)},
    )

    change = only(p, "orders")
    assert change.action is Action.UPDATE
    assert change.id == "i-1"
    assert change.live_version == 7
    assert change.before == current
    assert change.attribute_changes == (
        AttributeChange(name=name, before=current[name], after=new_value, forces_replacement=False),
    )


@pytest.mark.parametrize(
    ("name", "new_value"),
    [
        ("aws_account_id", "210987654321"),
        ("aws_region", "eu-west-1"),
        ("event_source_suffix", "orders-v2"),
    ],
)
def test_replace_when_an_identity_attribute_changes(name: str, new_value: Any) -> None:
    current = attrs()
    p = plan(
        {"orders": attrs(**{name: new_value}, notes="moved")},
        state(orders=ResourceState("i-1", current)),
        {"i-1": live("i-1", current)},
    )

    change = only(p, "orders")
    assert change.action is Action.REPLACE
    assert change.id == "i-1"
    by_name = {a.name: a for a in change.attribute_changes}
    assert by_name[name] == AttributeChange(name, current[name], new_value, forces_replacement=True)
    # Only identity attributes force the replacement.
    assert by_name["notes"] == AttributeChange("notes", None, "moved", forces_replacement=False)


def test_setting_identity_on_unconfigured_integration_is_an_update() -> None:
    # A create whose configuration never landed: Genesys holds the type's defaults.
    unconfigured = attributes_from_genesys(
        name="Amazon EventBridge Source", notes=None, intended_state="DISABLED", properties={}
    )
    p = plan(
        {"orders": attrs()},
        state(orders=ResourceState("i-1", unconfigured)),
        {"i-1": live("i-1", unconfigured)},
    )

    change = only(p, "orders")
    assert change.action is Action.UPDATE
    by_name = {a.name: a for a in change.attribute_changes}
    for name in ("aws_account_id", "aws_region", "event_source_suffix"):
        assert by_name[name] == AttributeChange(name, None, attrs()[name], forces_replacement=False)


def test_delete_when_no_longer_desired_shows_live_attributes() -> None:
    recorded = attrs()
    current = attrs(name="Renamed in Genesys")
    p = plan({}, state(orders=ResourceState("i-1", recorded)), {"i-1": live("i-1", current)})

    change = only(p, "orders")
    assert change.action is Action.DELETE
    assert (change.id, change.before, change.after) == ("i-1", current, None)
    assert change.reason is None
    assert p.tally == Tally(add=0, change=0, destroy=1)


def test_delete_of_integration_already_gone_forgets_it() -> None:
    recorded = attrs()
    p = plan({}, state(orders=ResourceState("i-1", recorded)), {})

    change = only(p, "orders")
    assert change.action is Action.DELETE
    assert change.before == recorded
    assert "already deleted" in (change.reason or "")


def test_drift_reported_when_renamed_in_genesys_even_if_config_matches() -> None:
    p = plan(
        {"orders": attrs(name="Renamed")},
        state(orders=ResourceState("i-1", attrs(name="Orders"))),
        {"i-1": live("i-1", attrs(name="Renamed"))},
    )

    assert only(p, "orders").action is Action.NOOP
    assert p.drift == (
        Drift(
            key="orders",
            id="i-1",
            deleted=False,
            attribute_changes=(AttributeChange("name", "Orders", "Renamed"),),
        ),
    )


def test_deposed_integrations_are_deleted_before_the_key_itself() -> None:
    leftover = attrs(event_source_suffix="orders-old")
    p = plan(
        {},
        state(orders=ResourceState("i-1", attrs(), deposed=("i-0",))),
        {"i-0": live("i-0", leftover), "i-1": live("i-1", attrs())},
    )

    [deposed] = [c for c in p.changes if c.deposed]
    assert deposed.action is Action.DELETE
    assert (deposed.key, deposed.id, deposed.before) == ("orders", "i-0", leftover)
    assert deposed.job_id == "orders#deposed:i-0"
    own = only(p, "orders")
    assert own.action is Action.DELETE
    assert own.depends_on == ("orders#deposed:i-0",)
    assert p.tally.destroy == 2


def test_deposed_integration_already_gone_is_forgotten() -> None:
    p = plan(
        {"orders": attrs()},
        state(orders=ResourceState("i-1", attrs(), deposed=("i-0",))),
        {"i-1": live("i-1", attrs())},
    )

    [deposed] = [c for c in p.changes if c.deposed]
    assert deposed.before is None
    assert "already deleted" in (deposed.reason or "")


def test_create_reusing_identity_of_a_deleted_key_waits_for_the_delete() -> None:
    old = attrs(name="Old")
    p = plan(
        {"new": attrs(name="New")},
        state(old=ResourceState("i-1", old)),
        {"i-1": live("i-1", old)},
    )

    assert only(p, "old").action is Action.DELETE
    new = only(p, "new")
    assert new.action is Action.CREATE
    assert new.waits_for_identity == "old"


def test_create_reusing_identity_replaced_away_waits_for_the_replace() -> None:
    a = attrs(name="A")
    p = plan(
        {"a": attrs(name="A", event_source_suffix="orders-v2"), "b": attrs(name="B")},
        state(a=ResourceState("i-1", a)),
        {"i-1": live("i-1", a)},
    )

    assert only(p, "a").action is Action.REPLACE
    assert only(p, "b").action is Action.CREATE
    assert only(p, "b").waits_for_identity == "a"


def test_create_with_an_unrelated_identity_waits_for_nothing() -> None:
    a = attrs(name="A")
    p = plan(
        {"b": attrs(name="B", event_source_suffix="billing")},
        state(a=ResourceState("i-1", a)),
        {"i-1": live("i-1", a)},
    )

    assert only(p, "b").waits_for_identity is None


def test_update_taking_identity_of_a_deleted_key_waits_for_the_delete() -> None:
    unconfigured = attributes_from_genesys(
        name="Amazon EventBridge Source", notes=None, intended_state="DISABLED", properties={}
    )
    old = attrs(name="Old")
    p = plan(
        {"new": attrs(name="New")},
        state(old=ResourceState("i-1", old), new=ResourceState("i-2", unconfigured)),
        {"i-1": live("i-1", old), "i-2": live("i-2", unconfigured)},
    )

    assert only(p, "old").action is Action.DELETE
    new = only(p, "new")
    assert new.action is Action.UPDATE
    assert new.waits_for_identity == "old"


def test_swapping_identities_between_keys_destroys_first_so_neither_waits_forever() -> None:
    """Each replace takes the identity the other frees; deleting first breaks the cycle."""
    a, b = attrs(name="A", event_source_suffix="x"), attrs(name="B", event_source_suffix="y")
    p = plan(
        {
            "a": attrs(name="A", event_source_suffix="y"),
            "b": attrs(name="B", event_source_suffix="x"),
        },
        state(a=ResourceState("i-1", a), b=ResourceState("i-2", b)),
        {"i-1": live("i-1", a), "i-2": live("i-2", b)},
    )

    for key, other in (("a", "b"), ("b", "a")):
        change = only(p, key)
        assert change.action is Action.REPLACE
        assert change.waits_for_identity == other
        assert change.destroy_before_create
        assert change.depends_on == ()


def test_replace_to_a_free_identity_creates_before_destroying() -> None:
    a = attrs(event_source_suffix="x")
    p = plan(
        {"a": attrs(event_source_suffix="fresh")},
        state(a=ResourceState("i-1", a)),
        {"i-1": live("i-1", a)},
    )

    change = only(p, "a")
    assert change.action is Action.REPLACE
    assert change.waits_for_identity is None
    assert not change.destroy_before_create


def test_counts_treat_a_replace_as_one_add_and_one_destroy() -> None:
    a, b, c = (
        attrs(name="A", event_source_suffix="a"),
        attrs(name="B", event_source_suffix="b"),
        attrs(name="C", event_source_suffix="c"),
    )
    p = plan(
        {
            "a": attrs(name="A2", event_source_suffix="a"),  # update
            "b": attrs(name="B", event_source_suffix="b2"),  # replace
            "d": attrs(name="D", event_source_suffix="d"),  # create
        },
        state(a=ResourceState("i-a", a), b=ResourceState("i-b", b), c=ResourceState("i-c", c)),
        {"i-a": live("i-a", a), "i-b": live("i-b", b), "i-c": live("i-c", c)},  # c: delete
    )

    assert [(ch.key, ch.action) for ch in p.changes] == [
        ("a", Action.UPDATE),
        ("b", Action.REPLACE),
        ("c", Action.DELETE),
        ("d", Action.CREATE),
    ]
    assert p.tally == Tally(add=2, change=1, destroy=2)
    assert p.has_changes


def test_planner_is_pure() -> None:
    desired = {"a": attrs(name="A2"), "new": attrs(name="New", event_source_suffix="new")}
    st = state(
        a=ResourceState("i-a", attrs(name="A")),
        gone=ResourceState("i-g", attrs(event_source_suffix="g"), deposed=("i-0",)),
    )
    current = {"i-a": live("i-a", attrs(name="A drifted")), "i-0": live("i-0", attrs())}
    snapshot = copy.deepcopy((desired, st, current))

    first = plan(desired, st, current)
    second = plan(desired, st, current)

    assert first == second
    assert (desired, st, current) == snapshot


def test_an_unverified_create_is_verified_not_accepted() -> None:
    """A run cut off after configuring: live matches, but nobody saw it become ACTIVE."""
    unconfigured = attributes_from_genesys(
        name=None, notes=None, intended_state=None, properties={}
    )
    a = attrs()
    p = plan(
        {"orders": a},
        state(orders=ResourceState("i-1", unconfigured, verified=False)),
        {"i-1": live("i-1", a)},
    )
    change = only(p, "orders")
    assert change.action is Action.UPDATE
    assert change.attribute_changes == ()
    assert change.reason == "made by a run cut off before verifying it; verifies it"
    assert p.drift == ()  # iac's own half-made create is not a change made outside


def test_an_enabled_destination_in_error_is_enabled_again() -> None:
    a = attrs()
    failing = LiveDestination(
        id="i-1",
        attributes=dict(a),
        version=2,
        reported_state="ERROR",
        reported_detail="AWS account not found",
    )
    p = plan({"orders": a}, state(orders=ResourceState("i-1", a)), {"i-1": failing})
    change = only(p, "orders")
    assert change.action is Action.UPDATE
    assert "activation ERROR (AWS account not found)" in (change.reason or "")
    disabled = plan(
        {"orders": attrs(enabled=False)},
        state(orders=ResourceState("i-1", attrs(enabled=False))),
        {"i-1": LiveDestination("i-1", attrs(enabled=False), 2, reported_state="ERROR")},
    )
    assert only(disabled, "orders").action is Action.NOOP
