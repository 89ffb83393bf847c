"""The planner's requests, on plain data: keys moved in state (``moved:``), plans limited to
some destinations (``--target``), replacements on request (``--replace``), and the destroy
and refresh-only modes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from iac_testing.plan_data import attrs, live, state

from iac.errors import IacError
from iac.plan import Action, Plan, PlanMode, PlanRequest, plan_for
from iac.plan.model import Change
from iac.state.model import PendingCreate, ResourceState


def dest(key: str, **overrides: Any) -> dict[str, Any]:
    return attrs(**{"name": key, "event_source_suffix": key, **overrides})


def by_key(p: Plan) -> dict[str, Change]:
    return {c.job_id: c for c in p.changes}


def test_a_moved_key_plans_a_move_and_no_change_in_genesys() -> None:
    orders = dest("orders")
    computed = plan_for(
        PlanRequest(),
        {"orders-eu": orders},
        state(orders=ResourceState("i-1", orders)),
        {"i-1": live("i-1", orders)},
        moved=[("orders", "orders-eu")],
    )
    [change] = computed.changes
    assert (change.key, change.action, change.id, change.previous_key) == (
        "orders-eu",
        Action.NOOP,
        "i-1",
        "orders",
    )
    assert computed.moved == (change,) and computed.reviewable == (change,)
    assert computed.has_changes and not computed.actionable  # state only: no job runs
    assert computed.tally.add == computed.tally.destroy == 0


def test_without_the_move_a_renamed_key_is_a_delete_and_a_create() -> None:
    orders = dest("orders")
    computed = plan_for(
        PlanRequest(),
        {"orders-eu": orders},
        state(orders=ResourceState("i-1", orders)),
        {"i-1": live("i-1", orders)},
    )
    assert {c.key: c.action for c in computed.changes} == {
        "orders": Action.DELETE,
        "orders-eu": Action.CREATE,
    }


def test_a_move_with_an_edit_is_an_update_of_the_new_key() -> None:
    orders = dest("orders")
    computed = plan_for(
        PlanRequest(),
        {"orders-eu": {**orders, "name": "Orders EU"}},
        state(orders=ResourceState("i-1", orders)),
        {"i-1": live("i-1", orders)},
        moved=[("orders", "orders-eu")],
    )
    [change] = computed.changes
    assert (change.action, change.previous_key) == (Action.UPDATE, "orders")
    assert [a.name for a in change.attribute_changes] == ["name"]


def test_a_move_already_applied_is_nothing_to_do() -> None:
    """Terraform's rule: a moved entry whose from is not in state is ignored."""
    orders = dest("orders")
    computed = plan_for(
        PlanRequest(),
        {"orders-eu": orders},
        state(**{"orders-eu": ResourceState("i-1", orders)}),
        {"i-1": live("i-1", orders)},
        moved=[("orders", "orders-eu")],
    )
    [change] = computed.changes
    assert (change.action, change.previous_key) == (Action.NOOP, None)
    assert not computed.has_changes


def test_a_move_onto_a_key_state_holds_is_not_made_and_says_why() -> None:
    orders, other = dest("orders"), dest("other")
    computed = plan_for(
        PlanRequest(),
        {"orders-eu": other},
        state(orders=ResourceState("i-1", orders), **{"orders-eu": ResourceState("i-2", other)}),
        {"i-1": live("i-1", orders), "i-2": live("i-2", other)},
        moved=[("orders", "orders-eu")],
    )
    changes = by_key(computed)
    assert changes["orders-eu"].previous_key is None
    assert changes["orders"].action is Action.DELETE
    [warning] = changes["orders"].warnings
    assert "destination.orders was not moved to destination.orders-eu" in warning
    assert "integration i-2" in warning


def test_a_create_cut_off_under_the_old_key_moves_with_it() -> None:
    pending = PendingCreate("iac-pending-orders", since=datetime.now(timezone.utc))
    made = live("i-new", {**dest("orders"), "name": "iac-pending-orders"})
    before = state()
    before = before.with_pending_create("orders", pending)
    computed = plan_for(
        PlanRequest(),
        {"orders-eu": dest("orders")},
        before,
        {"i-new": made},
        moved=[("orders", "orders-eu")],
    )
    [change] = computed.changes
    assert (change.key, change.id, change.previous_key) == ("orders-eu", "i-new", "orders")
    assert change.action is Action.UPDATE  # configures and verifies what the cut-off run made


def test_targets_keep_only_their_changes_and_their_drift() -> None:
    a, b = dest("a"), dest("b")
    computed = plan_for(
        PlanRequest(targets=("a",)),
        {"a": {**a, "name": "a v2"}, "b": {**b, "name": "b v2"}, "c": dest("c")},
        state(a=ResourceState("i-a", a), b=ResourceState("i-b", b)),
        {"i-a": live("i-a", {**a, "enabled": False}), "i-b": live("i-b", {**b, "enabled": False})},
    )
    assert [c.key for c in computed.changes] == ["a"]
    assert [d.key for d in computed.drift] == ["a"]
    assert computed.targets == ("a",) and computed.partial


def test_a_target_brings_the_delete_that_frees_its_identity_along() -> None:
    """b takes the AWS identity a's delete frees: without that delete its create would fail."""
    a = dest("a")
    computed = plan_for(
        PlanRequest(targets=("b",)),
        {"b": dest("b", event_source_suffix="a"), "c": dest("c")},
        state(a=ResourceState("i-a", a)),
        {"i-a": live("i-a", a)},
    )
    changes = by_key(computed)
    assert set(changes) == {"a", "b"}
    assert changes["b"].waits_for_identity == "a"
    [note] = changes["a"].warnings
    assert "included although not targeted: destination.b waits for it" in note


def test_two_keys_swapping_identities_are_targeted_together() -> None:
    a, b = dest("a"), dest("b")
    computed = plan_for(
        PlanRequest(targets=("a",)),
        {"a": {**a, "event_source_suffix": "b"}, "b": {**b, "event_source_suffix": "a"}},
        state(a=ResourceState("i-a", a), b=ResourceState("i-b", b)),
        {"i-a": live("i-a", a), "i-b": live("i-b", b)},
    )
    assert {c.key for c in computed.changes} == {"a", "b"}


def test_a_target_keeps_its_deposed_leftovers() -> None:
    a = dest("a")
    computed = plan_for(
        PlanRequest(targets=("a",)),
        {"a": a, "b": dest("b")},
        state(a=ResourceState("i-a", a, deposed=("i-old",))),
        {"i-a": live("i-a", a), "i-old": live("i-old", dest("old"))},
    )
    assert sorted(c.job_id for c in computed.changes) == ["a", "a#deposed:i-old"]


def test_a_target_may_name_the_key_a_destination_moves_from() -> None:
    orders = dest("orders")
    computed = plan_for(
        PlanRequest(targets=("orders",)),
        {"orders-eu": orders, "other": dest("other")},
        state(orders=ResourceState("i-1", orders)),
        {"i-1": live("i-1", orders)},
        moved=[("orders", "orders-eu")],
    )
    assert [(c.key, c.previous_key) for c in computed.changes] == [("orders-eu", "orders")]


def test_unknown_keys_are_refused_with_the_nearest_one() -> None:
    with pytest.raises(IacError) as err:
        plan_for(
            PlanRequest(targets=("ordrs",), replace=("zzz",)),
            {"orders": dest("orders")},
            state(billing=ResourceState("i-b", dest("billing"))),
            {},
        )
    assert str(err.value).splitlines() == [
        "--target destination.ordrs: no such destination in the configuration or the state "
        "(did you mean destination.orders?).",
        "--replace destination.zzz: no such destination in the configuration or the state.",
        "Known keys: billing, orders.",
    ]


def test_replace_on_request_replaces_and_deletes_first_when_the_identity_stays() -> None:
    a, b = dest("a"), dest("b")
    computed = plan_for(
        PlanRequest(replace=("a", "b", "c")),
        {"a": a, "b": {**b, "name": "b v2"}, "c": dest("c")},
        state(a=ResourceState("i-a", a), b=ResourceState("i-b", b)),
        {"i-a": live("i-a", a), "i-b": live("i-b", b)},
    )
    changes = by_key(computed)
    for key in ("a", "b"):
        assert changes[key].action is Action.REPLACE
        assert changes[key].destroy_before_create  # Genesys holds one integration per identity
        assert (changes[key].reason or "").startswith("replaced as requested with --replace")
    assert [a.name for a in changes["b"].attribute_changes] == ["name"]
    assert changes["c"].action is Action.CREATE and "nothing to replace" in changes["c"].warnings[0]
    assert computed.tally.add == 3 and computed.tally.destroy == 2
    assert computed.replace_requested == ("a", "b", "c")


def test_the_destroy_mode_deletes_every_managed_destination_moves_first() -> None:
    orders, other = dest("orders"), dest("other")
    computed = plan_for(
        PlanRequest(PlanMode.DESTROY),
        {"orders-eu": orders, "other": other, "new": dest("new")},
        state(orders=ResourceState("i-1", orders), other=ResourceState("i-2", other)),
        {"i-1": live("i-1", orders), "i-2": live("i-2", other)},
        moved=[("orders", "orders-eu")],
    )
    assert [(c.key, c.action, c.previous_key) for c in computed.changes] == [
        ("orders-eu", Action.DELETE, "orders"),
        ("other", Action.DELETE, None),
    ]
    assert computed.mode is PlanMode.DESTROY


def test_the_refresh_only_mode_plans_no_change_only_what_state_would_take() -> None:
    a = dest("a")
    computed = plan_for(
        PlanRequest(PlanMode.REFRESH_ONLY),
        {"a": {**a, "name": "wanted"}, "new": dest("new")},
        state(a=ResourceState("i-a", a)),
        {"i-a": live("i-a", {**a, "enabled": False})},
        moved=[("x", "a")],
    )
    assert computed.changes == () and not computed.has_changes
    assert [(d.key, [c.name for c in d.attribute_changes]) for d in computed.drift] == [
        ("a", ["enabled"])
    ]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            PlanRequest(PlanMode.REFRESH_ONLY, targets=("a",)),
            "--refresh-only cannot be combined with --target or --replace.",
        ),
        (
            PlanRequest(PlanMode.DESTROY, replace=("a",)),
            "--replace cannot be combined with --destroy: everything is destroyed.",
        ),
    ],
)
def test_requests_that_do_not_go_together_are_refused(request_: PlanRequest, message: str) -> None:
    with pytest.raises(IacError, match=message):
        plan_for(request_, {"a": dest("a")}, state(), {})


def test_the_same_request_plans_the_same_plan() -> None:
    """What a saved plan's check relies on: the request is recorded, and repeatable."""
    a = dest("a")
    args = (
        {"a": {**a, "name": "a v2"}, "b": dest("b")},
        state(a=ResourceState("i-a", a)),
        {"i-a": live("i-a", a)},
    )
    first = plan_for(PlanRequest(PlanMode.NORMAL, ("a",), ("a",)), *args)
    assert plan_for(PlanRequest.of(first), *args) == first
