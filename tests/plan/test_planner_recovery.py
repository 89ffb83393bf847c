"""The planner after an apply that was cut off: deposed leftovers, and creates whose POST
landed but whose integration never reached state (only the intent recorded before it)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from iac_testing.plan_data import attrs, live, state

from iac.genesys.live import LiveDestination, attributes_from_genesys
from iac.plan.model import Action, Change, Plan
from iac.plan.planner import CLOCK_SKEW, plan, resume_interrupted_creates
from iac.state.model import PendingCreate, ResourceState

INTENDED = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
PENDING = "iac-pending-1a2b3c4d-orders"


def unconfigured(
    id_: str, name: str = "Amazon EventBridge Source", made: datetime | None = None
) -> LiveDestination:
    """An integration as a POST leaves it: Genesys' defaults, DISABLED, no properties."""
    attributes = attributes_from_genesys(
        name=name, notes=None, intended_state="DISABLED", properties={}
    )
    return LiveDestination(id_, attributes, 1, "INACTIVE", reported_since=made)


def pending(name: str = PENDING, since: datetime = INTENDED) -> PendingCreate:
    return PendingCreate(name=name, since=since)


def own(p: Plan, key: str) -> Change:
    [change] = [c for c in p.changes if c.key == key and not c.deposed]
    return change


# -- deposed integrations ----------------------------------------------------------------


def test_a_deposed_integration_of_an_unverified_entry_is_deleted_at_once() -> None:
    """Ctrl-C during a replace: the new integration is unverified, the old one deposed. The
    old one must be in the very next plan, not only after the new one is verified."""
    wanted = attrs(event_source_suffix="orders-v2")
    st = state(orders=ResourceState("i-new", wanted, deposed=("i-old",), verified=False))
    current = {"i-new": live("i-new", wanted), "i-old": live("i-old", attrs())}

    p = plan({"orders": wanted}, st, current)

    [deposed] = [c for c in p.changes if c.deposed]
    assert (deposed.action, deposed.id, deposed.before) == (Action.DELETE, "i-old", attrs())
    assert deposed.reason == "left behind by an earlier replace"
    assert own(p, "orders").action is Action.UPDATE  # the new one is still verified
    assert p.tally.destroy == 1
    assert p.unmanaged == ()


def test_a_deposed_integration_of_an_unverified_entry_being_deleted_goes_first() -> None:
    st = state(orders=ResourceState("i-new", attrs(), deposed=("i-old",), verified=False))
    current = {"i-new": live("i-new", attrs()), "i-old": live("i-old", attrs(name="Old"))}

    p = plan({}, st, current)

    assert [(c.job_id, c.action) for c in p.changes] == [
        ("orders#deposed:i-old", Action.DELETE),
        ("orders", Action.DELETE),
    ]
    assert own(p, "orders").depends_on == ("orders#deposed:i-old",)


# -- creates cut off between the POST and the state write ---------------------------------


def test_the_integration_holding_the_pending_name_is_configured_not_created_again() -> None:
    st = replace(state(), pending_creates={"orders": pending()})
    made = unconfigured("i-made", name=PENDING)
    other = live("i-other", attrs(name="Other", event_source_suffix="other"))

    p = plan({"orders": attrs()}, st, {"i-made": made, "i-other": other})

    change = own(p, "orders")
    assert change.action is Action.UPDATE
    assert change.id == "i-made"
    assert change.live_version == 1
    assert change.reason == (
        "resumes a create cut off before it was recorded: configures and verifies "
        "integration i-made instead of creating another"
    )
    assert {a.name for a in change.attribute_changes} >= {"name", "event_source_suffix"}
    assert not any(a.forces_replacement for a in change.attribute_changes)
    assert [u.id for u in p.unmanaged] == ["i-other"]  # the adopted one is no stranger
    assert p.tally.add == 0 and p.tally.change == 1


def test_a_pending_integration_whose_key_is_gone_is_deleted() -> None:
    st = replace(state(), pending_creates={"orders": pending()})

    p = plan({}, st, {"i-made": unconfigured("i-made", name=PENDING)})

    [change] = p.changes
    assert (change.key, change.action, change.id) == ("orders", Action.DELETE, "i-made")
    assert change.reason == (
        "integration i-made was made by an apply cut off before recording it; deletes it"
    )
    assert p.unmanaged == ()


def test_a_replace_cut_off_after_its_post_continues_and_deposes_the_old_integration() -> None:
    old = attrs()
    wanted = attrs(event_source_suffix="orders-v2")
    st = replace(state(orders=ResourceState("i-old", old)), pending_creates={"orders": pending()})
    current = {"i-old": live("i-old", old), "i-made": unconfigured("i-made", name=PENDING)}

    p = plan({"orders": wanted}, st, current)

    assert [(c.job_id, c.action, c.id) for c in p.changes] == [
        ("orders#deposed:i-old", Action.DELETE, "i-old"),
        ("orders", Action.UPDATE, "i-made"),
    ]
    resumed, adopted = resume_interrupted_creates(st, current)
    assert adopted == {"orders": "i-made"}
    entry = resumed.resources["orders"]
    assert (entry.id, entry.deposed, entry.verified) == ("i-made", ("i-old",), False)
    assert resumed.pending_creates == {}


def test_a_create_again_cut_off_forgets_the_integration_deleted_outside() -> None:
    st = replace(
        state(orders=ResourceState("i-gone", attrs(), prevent_destroy=True)),
        pending_creates={"orders": pending()},
    )
    current = {"i-made": unconfigured("i-made", name=PENDING)}

    resumed, _ = resume_interrupted_creates(st, current)

    entry = resumed.resources["orders"]
    assert (entry.id, entry.deposed, entry.prevent_destroy) == ("i-made", (), True)


def test_where_genesys_ignores_the_name_the_only_unconfigured_one_made_since_is_adopted() -> None:
    st = replace(state(), pending_creates={"orders": pending()})
    current = {
        "i-made": unconfigured("i-made", made=INTENDED + timedelta(seconds=1)),
        "i-old": unconfigured("i-old", made=INTENDED - CLOCK_SKEW - timedelta(seconds=1)),
    }

    p = plan({"orders": attrs()}, st, current)

    change = own(p, "orders")
    assert (change.action, change.id) == (Action.UPDATE, "i-made")
    assert [u.id for u in p.unmanaged] == ["i-old"]


def test_a_clock_running_a_little_behind_still_finds_it() -> None:
    st = replace(state(), pending_creates={"orders": pending()})
    made = unconfigured("i-made", made=INTENDED - CLOCK_SKEW + timedelta(seconds=1))

    assert own(plan({"orders": attrs()}, st, {"i-made": made}), "orders").id == "i-made"


def test_no_adoption_where_it_cannot_be_told_which_integration_is_ours() -> None:
    after = INTENDED + timedelta(seconds=5)
    two_candidates = {
        "i-1": unconfigured("i-1", made=after),
        "i-2": unconfigured("i-2", made=after),
    }
    one_intent = replace(state(), pending_creates={"orders": pending()})
    no_time = {"i-1": unconfigured("i-1")}  # a client that does not read lastUpdated
    configured = {
        "i-1": LiveDestination("i-1", attrs(name="Set up by hand"), 2, reported_since=after)
    }

    for st, current in [
        (one_intent, two_candidates),
        (one_intent, no_time),
        (one_intent, configured),
    ]:
        p = plan({"orders": attrs(), "audit": attrs(event_source_suffix="a")}, st, current)
        change = own(p, "orders")
        assert (change.action, change.id) == (Action.CREATE, None), current
        assert {u.id for u in p.unmanaged} == set(current)


def test_without_times_the_integrations_unconfigured_at_plan_time_tell_the_new_one_apart() -> None:
    """A client that does not read lastUpdated: the intent's list of integrations that were
    already unconfigured when the run planned is what "made since" goes by."""
    intent = PendingCreate(PENDING, INTENDED, unconfigured_before=("i-old",))
    st = replace(state(), pending_creates={"orders": intent})
    current = {"i-old": unconfigured("i-old"), "i-made": unconfigured("i-made")}

    p = plan({"orders": attrs()}, st, current)

    assert (own(p, "orders").action, own(p, "orders").id) == (Action.UPDATE, "i-made")
    assert [u.id for u in p.unmanaged] == ["i-old"]
    only_old = plan({"orders": attrs()}, st, {"i-old": unconfigured("i-old")})
    assert own(only_old, "orders").action is Action.CREATE


def test_of_several_intents_the_earliest_unresolved_one_had_the_post_in_flight() -> None:
    """Creates are sent one at a time: the intents after the earliest unresolved one were
    still queued when the run died, so the one unconfigured integration is the earliest's."""
    st = replace(
        state(),
        pending_creates={
            "audit": pending("iac-pending-1a2b3c4d-audit", INTENDED + timedelta(seconds=1)),
            "orders": pending(),
        },
    )
    current = {"i-1": unconfigured("i-1", made=INTENDED + timedelta(seconds=2))}

    p = plan({"orders": attrs(), "audit": attrs(event_source_suffix="a")}, st, current)

    assert (own(p, "orders").action, own(p, "orders").id) == (Action.UPDATE, "i-1")
    assert (own(p, "audit").action, own(p, "audit").id) == (Action.CREATE, None)


def test_where_genesys_keeps_the_names_an_unresolved_intent_made_nothing() -> None:
    """One intent found by its name shows Genesys keeps names: an unconfigured integration
    of another name is someone else's, even when made since another intent."""
    st = replace(
        state(),
        pending_creates={"orders": pending(), "audit": pending("iac-pending-1a2b3c4d-audit")},
    )
    after = INTENDED + timedelta(seconds=5)
    current = {
        "i-named": unconfigured("i-named", name=PENDING, made=after),
        "i-stranger": unconfigured("i-stranger", made=after),
    }

    p = plan({"orders": attrs(), "audit": attrs(event_source_suffix="a")}, st, current)

    assert own(p, "orders").id == "i-named"
    assert own(p, "audit").action is Action.CREATE
    assert [u.id for u in p.unmanaged] == ["i-stranger"]


def test_an_unresolved_intent_points_at_unconfigured_integrations_nobody_manages() -> None:
    st = replace(state(), pending_creates={"orders": pending()})

    p = plan({"orders": attrs()}, st, {"i-1": unconfigured("i-1")})

    [warning] = own(p, "orders").warnings
    assert "an apply cut off while creating destination.orders may have left" in warning
    assert "integration i-1 unconfigured" in warning
    assert "iac import orders <id>" in warning


def test_an_intent_that_found_nothing_plans_a_plain_create() -> None:
    st = replace(state(), pending_creates={"orders": pending()})

    p = plan({"orders": attrs()}, st, {})

    change = own(p, "orders")
    assert (change.action, change.id, change.reason, change.warnings) == (
        Action.CREATE,
        None,
        None,
        (),
    )


def test_an_integration_another_key_manages_is_never_adopted_by_name() -> None:
    taken = live("i-1", attrs(name=PENDING, event_source_suffix="other"))
    st = replace(
        state(other=ResourceState("i-1", dict(taken.attributes))),
        pending_creates={"orders": pending()},
    )

    p = plan({"orders": attrs(), "other": dict(taken.attributes)}, st, {"i-1": taken})

    assert own(p, "orders").action is Action.CREATE
    assert own(p, "other").action is Action.NOOP


def test_resuming_is_pure() -> None:
    st = replace(
        state(orders=ResourceState("i-old", attrs())), pending_creates={"orders": pending()}
    )
    current = {"i-old": live("i-old", attrs()), "i-made": unconfigured("i-made", name=PENDING)}
    snapshot = copy.deepcopy((st, current))

    assert plan({"orders": attrs()}, st, current) == plan({"orders": attrs()}, st, current)
    assert (st, current) == snapshot
