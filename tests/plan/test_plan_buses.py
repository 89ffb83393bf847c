"""The planner's partner event buses (aws_event_bus): pure, from plain data."""

from __future__ import annotations

from dataclasses import replace

from iac_testing.plan_data import attrs, live, state

from iac.aws.live import BusAddress, LiveBus, WantedBus, source_name
from iac.plan.model import Action, Change, Plan
from iac.plan.planner import plan
from iac.plan.request import PlanRequest, plan_for
from iac.state.model import BusState, ResourceState
from iac.vocabulary import PlanMode

ORG = "org-1"
SOURCE = source_name(ORG, "orders")
ADDRESS = BusAddress("123456789012", "us-east-1", SOURCE)
WANTED = {"orders": WantedBus(ADDRESS, SOURCE, owned=True)}
RECORDED = BusState(SOURCE, "123456789012", "us-east-1", owned=True)


def bus_of(p: Plan) -> Change:
    (change,) = p.bus_changes
    return change


def managed(bus: BusState | None = RECORDED) -> ResourceState:
    return ResourceState("i-1", attrs(), bus=bus)


def test_a_new_destination_creates_its_bus_after_the_integration() -> None:
    p = plan({"orders": attrs()}, state(), {}, buses=WANTED)
    bus = bus_of(p)
    assert (bus.action, bus.bus, bus.depends_on) == (Action.CREATE, True, ("orders",))
    assert bus.address == "destination.orders.aws_event_bus"
    assert bus.job_id == "orders.aws_event_bus"
    assert p.tally.add == 2


def test_nothing_to_do_when_the_recorded_bus_exists() -> None:
    live_buses = {ADDRESS: LiveBus(ADDRESS, exists=True, source_state="ACTIVE")}
    p = plan(
        {"orders": attrs()},
        state(orders=managed()),
        {"i-1": live("i-1", attrs())},
        buses=WANTED,
        live_buses=live_buses,
    )
    assert bus_of(p).action is Action.NOOP and not p.has_changes and not p.drift


def test_a_bus_deleted_outside_is_drift_and_created_again_without_waiting() -> None:
    live_buses = {ADDRESS: LiveBus(ADDRESS, exists=False, source_state="PENDING")}
    p = plan(
        {"orders": attrs()},
        state(orders=managed()),
        {"i-1": live("i-1", attrs())},
        buses=WANTED,
        live_buses=live_buses,
    )
    (drift,) = p.drift
    assert drift.bus and drift.deleted and drift.address == "destination.orders.aws_event_bus"
    bus = bus_of(p)
    assert bus.action is Action.CREATE and bus.depends_on == ()
    assert bus.reason == "deleted outside iac; creates it again"


def test_deleting_a_destination_deletes_its_bus_first() -> None:
    live_buses = {ADDRESS: LiveBus(ADDRESS, exists=True, source_state="ACTIVE")}
    p = plan({}, state(orders=managed()), {"i-1": live("i-1", attrs())}, live_buses=live_buses)
    bus = bus_of(p)
    assert bus.action is Action.DELETE and not bus.deposed
    (dest,) = p.changes
    assert dest.action is Action.DELETE and dest.depends_on == ("orders.aws_event_bus",)


def test_a_destroy_plan_deletes_the_bus_first() -> None:
    live_buses = {ADDRESS: LiveBus(ADDRESS, exists=True, source_state="ACTIVE")}
    p = plan_for(
        PlanRequest(PlanMode.DESTROY),
        {"orders": attrs()},
        state(orders=managed()),
        {"i-1": live("i-1", attrs())},
        buses=WANTED,
        live_buses=live_buses,
    )
    assert bus_of(p).action is Action.DELETE
    assert p.changes[0].depends_on == ("orders.aws_event_bus",)


def test_a_replace_moves_the_bus() -> None:
    moved_source = source_name(ORG, "orders-v2")
    moved = BusAddress("123456789012", "us-east-1", moved_source)
    live_buses = {ADDRESS: LiveBus(ADDRESS, exists=True, source_state="ACTIVE")}
    p = plan(
        {"orders": attrs(event_source_suffix="orders-v2")},
        state(orders=managed()),
        {"i-1": live("i-1", attrs())},
        buses={"orders": WantedBus(moved, moved_source, owned=True)},
        live_buses=live_buses,
    )
    old, new = p.bus_changes
    assert (old.action, old.deposed, old.id) == (Action.DELETE, True, SOURCE)
    assert (new.action, new.id, new.depends_on) == (Action.CREATE, moved_source, ("orders",))
    (dest,) = p.changes
    assert dest.action is Action.REPLACE and dest.depends_on == (old.job_id,)


def test_a_bus_iac_does_not_own_is_verified_never_deleted() -> None:
    wanted = {"orders": replace(WANTED["orders"], owned=False)}
    live_buses = {ADDRESS: LiveBus(ADDRESS, exists=True, source_state="ACTIVE")}
    first = plan(
        {"orders": attrs()},
        state(orders=managed(None)),
        {"i-1": live("i-1", attrs())},
        buses=wanted,
        live_buses=live_buses,
    )
    assert bus_of(first).action is Action.UPDATE
    recorded = replace(RECORDED, owned=False)
    gone = plan({}, state(orders=managed(recorded)), {"i-1": live("i-1", attrs())})
    assert gone.bus_changes == ()


def test_states_without_a_bus_plan_no_bus_changes() -> None:
    p = plan({"orders": attrs()}, state(orders=managed(None)), {"i-1": live("i-1", attrs())})
    assert p.bus_changes == () and not p.has_changes
