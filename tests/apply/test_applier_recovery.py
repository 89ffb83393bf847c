"""The applier where Genesys (or the machine) lets it down: an activation that does not
restart after a write, and a create cut off between its POST and the state write.

The fakes (``apply_fakes.py``) act out each behaviour the real API leaves unverified: a
config PUT on an enabled integration may or may not restart activation, so may PATCH ENABLED
on one in ERROR, and a create may or may not keep the name it asks for.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from apply_fakes import UNCONFIGURED, FakeGenesys, MemoryStore, Run, job, run, world
from iac_testing.plan_data import attrs

from iac.apply.applier import apply_plan
from iac.apply.job import JobStatus
from iac.atomic import remove_leftovers, write_atomic
from iac.genesys.errors import GenesysApiError
from iac.plan.model import Action
from iac.plan.planner import plan as make_plan
from iac.state.model import PendingCreate, ResourceState, State
from iac.state.store import LocalStateStore

CYCLE = ["set_enabled", "get", "set_enabled", "wait_until_active"]


def statuses(applied: Run, job_id: str) -> list[JobStatus]:
    return [s for j, s in applied.progress.seen if j == job_id]


# -- activation that must restart -------------------------------------------------------


def test_a_config_change_that_restarts_activation_is_only_watched() -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs()))
    wanted = attrs(topic_filters=["v2.operations.events.{id}"])

    applied = Run.of(genesys, state)
    result = run(applied.apply(make_plan({"orders": wanted}, state, genesys.live())))

    assert job(result, "orders").ok
    assert genesys.writes_for("i-1") == ["get", "configure", "get", "wait_until_active"]
    assert JobStatus.REENABLING not in statuses(applied, "orders")
    verification = job(result, "orders").verification or {}
    assert "re-enabled" not in verification["message"]


def test_a_config_change_that_does_not_restart_activation_cycles_the_integration() -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs()))
    genesys.config_change_reactivates = False
    wanted = attrs(topic_filters=["v2.operations.events.{id}"])

    applied = Run.of(genesys, state)
    result = run(applied.apply(make_plan({"orders": wanted}, state, genesys.live())))

    updated = job(result, "orders")
    assert updated.ok, updated.error
    assert genesys.writes_for("i-1") == ["get", "configure", "get", *CYCLE]
    assert statuses(applied, "orders") == [
        JobStatus.RUNNING,
        JobStatus.VERIFYING,
        JobStatus.REENABLING,
        JobStatus.VERIFYING,
        JobStatus.COMPLETED,
    ]
    assert updated.verification == {
        "status": "verified",
        "message": "read back i-1: matches the configuration, ACTIVE "
        "(re-enabled: activation did not restart)",
    }
    assert applied.state.resources["orders"] == ResourceState("i-1", wanted)


@pytest.mark.parametrize("restarts", [True, False], ids=["restarts", "does-not-restart"])
def test_an_integration_in_error_is_enabled_again_and_cycled_only_if_that_did_nothing(
    restarts: bool,
) -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs()))
    genesys.reported["i-1"] = ("ERROR", "AWS account not found")  # since fixed on the AWS side
    genesys.reenable_restarts_activation = restarts
    plan = make_plan({"orders": attrs()}, state, genesys.live())
    assert "activation ERROR (AWS account not found)" in (plan.changes[0].reason or "")

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan))

    assert job(result, "orders").ok, job(result, "orders").error
    expected = ["get", "set_enabled", "get"] + ([] if restarts else CYCLE)
    if restarts:
        expected.append("wait_until_active")
    assert genesys.writes_for("i-1") == expected
    assert (JobStatus.REENABLING in statuses(applied, "orders")) is not restarts
    assert genesys.reported["i-1"] == ("ACTIVE", None)


def test_an_activation_that_fails_again_after_the_cycle_fails_with_genesys_reason() -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs()))
    genesys.reported["i-1"] = ("ERROR", "AWS account not found")
    genesys.reenable_restarts_activation = False
    genesys.activation_errors["orders"] = "AWS account still not found"

    applied = Run.of(genesys, state)
    result = run(applied.apply(make_plan({"orders": attrs()}, state, genesys.live())))

    failed = job(result, "orders")
    assert failed.status is JobStatus.FAILED
    assert failed.error == (
        "verification failed: Genesys reports activation ERROR for i-1: AWS account still not found"
    )
    assert JobStatus.REENABLING in statuses(applied, "orders")
    assert applied.state.resources == state.resources  # nothing verified, nothing recorded


def test_a_restart_too_quick_to_see_is_recognised_by_its_last_updated_time() -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs()))
    genesys.shows_activating = False  # ACTIVE again before the first read after the PUT
    genesys.reports_since = True
    wanted = attrs(name="Orders v2")

    applied = Run.of(genesys, state)
    assert all(
        j.ok for j in run(applied.apply(make_plan({"orders": wanted}, state, genesys.live()))).jobs
    )

    assert genesys.writes_for("i-1") == ["get", "configure", "get", "wait_until_active"]


def test_without_a_last_updated_time_an_unseen_restart_is_cycled_to_be_sure() -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs()))
    genesys.shows_activating = False

    applied = Run.of(genesys, state)
    plan = make_plan({"orders": attrs(name="Orders v2")}, state, genesys.live())
    assert all(j.ok for j in run(applied.apply(plan)).jobs)

    assert genesys.writes_for("i-1") == ["get", "configure", "get", *CYCLE]


@pytest.mark.parametrize(
    ("before", "after", "calls"),
    [
        (True, False, ["configure", "set_enabled", "get"]),
        (False, True, ["configure", "set_enabled", "wait_until_active"]),
        (False, False, ["configure", "get"]),
    ],
    ids=["disabling", "enabling", "staying-disabled"],
)
def test_only_an_integration_that_stays_enabled_is_watched(
    before: bool, after: bool, calls: list[str]
) -> None:
    state, genesys = world(orders=ResourceState("i-1", attrs(enabled=before)))
    genesys.config_change_reactivates = False
    wanted = attrs(enabled=after, name="Orders v2")

    applied = Run.of(genesys, state)
    plan = make_plan({"orders": wanted}, state, genesys.live())
    assert all(j.ok for j in run(applied.apply(plan)).jobs)

    assert genesys.writes_for("i-1") == calls
    assert JobStatus.REENABLING not in statuses(applied, "orders")


# -- creates cut off between the POST and the state write ---------------------------------


class DyingStore(MemoryStore):
    """A store whose ``n``-th write never happens: the process died just before it."""

    def __init__(self, dies_on_write: int) -> None:
        super().__init__()
        self.dies_on_write = dies_on_write

    def write(self, state: State) -> State:
        if len(self.written) + 1 == self.dies_on_write:
            raise OSError("killed")
        return super().write(state)


def cut_off_after_the_post(genesys: FakeGenesys, state: State, desired: dict) -> State:
    """Apply ``desired``, dying at the write after the intent: what state is left on disk."""
    store = DyingStore(dies_on_write=2)
    applied = Run.of(genesys, state)
    applied.store, applied.recorder._store = store, store
    run(applied.apply(make_plan(desired, state, genesys.live())))
    left = store.read()
    assert left is not None
    return left


@pytest.mark.parametrize("honoured", [True, False], ids=["name-kept", "name-ignored"])
def test_the_next_apply_configures_the_integration_a_cut_off_create_made(honoured: bool) -> None:
    state, genesys = world()
    genesys.honour_create_name = honoured
    genesys.reports_since = True  # where the name is ignored, the time tells it apart
    wanted = attrs()

    left = cut_off_after_the_post(genesys, state, {"orders": wanted})
    assert left.resources == {}
    assert left.pending_creates["orders"].name == "iac-pending-run1-orders"
    assert list(genesys.integrations) == ["new-1"]

    again = make_plan({"orders": wanted}, left, genesys.live())
    assert [(c.action, c.id) for c in again.actionable] == [(Action.UPDATE, "new-1")]
    genesys.calls.clear()
    retry = Run.of(genesys, left)
    assert all(j.ok for j in run(retry.apply(again, job_id_prefix="run2")).jobs)

    assert genesys.calls[0] == ("configure", "new-1")
    assert not any(method == "create" for method, _ in genesys.calls)
    assert list(genesys.integrations) == ["new-1"]
    assert retry.state.resources == {"orders": ResourceState("new-1", wanted)}
    assert retry.state.pending_creates == {}


def test_a_create_whose_post_made_nothing_leaves_no_intent() -> None:
    state, genesys = world()
    genesys.failures[("create", "new-1")] = GenesysApiError(
        "POST /api/v2/integrations", "HTTP 403: missing permission", status=403
    )
    applied = Run.of(genesys, state)

    result = run(applied.apply(make_plan({"orders": attrs()}, state, genesys.live())))

    assert "HTTP 403" in (job(result, "orders").error or "")
    assert [bool(s.pending_creates) for s in applied.store.written] == [True, False]
    assert applied.state.pending_creates == {}


def test_a_create_whose_post_may_have_landed_keeps_its_intent() -> None:
    state, genesys = world()
    genesys.failures[("create", "new-1")] = GenesysApiError(
        "POST /api/v2/integrations", "the connection was lost", maybe_committed=True
    )
    applied = Run.of(genesys, state)

    run(applied.apply(make_plan({"orders": attrs()}, state, genesys.live())))

    assert applied.state.pending_creates["orders"].name == "iac-pending-run1-orders"


def test_an_integration_a_cut_off_create_made_for_a_dropped_key_is_deleted() -> None:
    state, genesys = world()
    left = cut_off_after_the_post(genesys, state, {"orders": attrs()})

    again = make_plan({}, left, genesys.live())
    assert [(c.action, c.id) for c in again.actionable] == [(Action.DELETE, "new-1")]
    retry = Run.of(genesys, left)
    assert all(j.ok for j in run(retry.apply(again)).jobs)

    assert genesys.integrations == {}
    assert retry.state.resources == {} and retry.state.pending_creates == {}


def test_a_replace_cut_off_after_its_post_finishes_on_the_next_apply() -> None:
    old = attrs()
    state, genesys = world(orders=ResourceState("old-1", old))
    wanted = attrs(event_source_suffix="orders-v2")
    left = cut_off_after_the_post(genesys, state, {"orders": wanted})
    assert left.resources == state.resources
    assert set(genesys.integrations) == {"old-1", "new-1"}

    again = make_plan({"orders": wanted}, left, genesys.live())
    assert [(c.job_id, c.action, c.id) for c in again.actionable] == [
        ("orders#deposed:old-1", Action.DELETE, "old-1"),
        ("orders", Action.UPDATE, "new-1"),
    ]
    retry = Run.of(genesys, left)
    assert all(j.ok for j in run(retry.apply(again)).jobs)

    assert set(genesys.integrations) == {"new-1"}
    assert retry.state.resources == {"orders": ResourceState("new-1", wanted)}


def test_the_placeholder_write_settles_the_intent_in_the_same_write() -> None:
    state, genesys = world()
    applied = Run.of(genesys, state)

    run(applied.apply(make_plan({"orders": attrs(enabled=False)}, state, genesys.live())))

    intent, placeholder, done = applied.store.written
    assert intent.resources == {} and intent.pending_creates["orders"].since <= datetime.now(
        timezone.utc
    )
    assert placeholder.resources["orders"] == ResourceState(
        "new-1", {**UNCONFIGURED}, verified=False
    )
    assert placeholder.pending_creates == {}
    assert done.resources["orders"] == ResourceState("new-1", attrs(enabled=False))


def test_the_intent_lists_the_integrations_already_unconfigured_when_the_run_planned() -> None:
    state, genesys = world()
    applied = Run.of(genesys, state)
    plan = make_plan({"orders": attrs()}, state, genesys.live())

    run(
        apply_plan(
            plan,
            client=genesys,
            recorder=applied.recorder,
            progress=applied.progress,
            on_finished=applied.finished.append,
            unconfigured_before={"i-b", "i-a"},
        )
    )

    intent = applied.store.written[0].pending_creates["orders"]
    assert intent.unconfigured_before == ("i-a", "i-b")
    assert intent.name == "iac-pending-job-orders"  # the run's tag: job_id_prefix


def test_an_intent_is_replaced_by_the_next_run_own() -> None:
    """An intent that found nothing is no obstacle: the next create records its own."""
    state = replace(
        State.new("sandbox"),
        pending_creates={
            "orders": PendingCreate("iac-pending-old-orders", datetime.now(timezone.utc))
        },
    )
    genesys = FakeGenesys()
    applied = Run.of(genesys, state)

    run(applied.apply(make_plan({"orders": attrs()}, state, genesys.live()), job_id_prefix="run9"))

    assert applied.store.written[0].pending_creates["orders"].name == "iac-pending-run9-orders"
    assert applied.state.pending_creates == {}
    assert genesys.create_names == ["iac-pending-run9-orders"]


# -- the state file ---------------------------------------------------------------------------


def test_an_intent_survives_the_state_file_and_a_document_without_one_has_no_key(
    tmp_path: Path,
) -> None:
    store = LocalStateStore(
        tmp_path / "default.json", tmp_path / "default.json.backup", tmp_path / "lock"
    )
    intent = PendingCreate(
        "iac-pending-run1-orders", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc), ("i-a",)
    )
    written = store.write(State.new("sandbox").with_pending_create("orders", intent))

    assert store.read() == written
    document = json.loads((tmp_path / "default.json").read_text())
    assert document["pending_creates"] == {
        "orders": {
            "name": "iac-pending-run1-orders",
            "since": "2030-01-02T03:04:05Z",
            "unconfigured_before": ["i-a"],
        }
    }
    store.write(written.without_pending_create("orders"))
    assert "pending_creates" not in json.loads((tmp_path / "default.json").read_text())


def test_leftovers_of_killed_state_writes_are_removed_and_nothing_else(tmp_path: Path) -> None:
    state_file = tmp_path / "default.json"
    write_atomic(state_file, "{}")
    leftovers = [
        tmp_path / ".default.json.4242.0badcafe.tmp",
        tmp_path / ".default.json.7.12345678.tmp",
    ]
    others = [
        tmp_path / ".default.json.backup.4242.0badcafe.tmp",  # another file's
        tmp_path / ".prod.json.4242.0badcafe.tmp",  # another workspace's
        tmp_path / "default.json.4242.0badcafe.tmp",  # not ours: not hidden
    ]
    for path in leftovers + others:
        path.write_text("half")

    assert sorted(remove_leftovers(state_file)) == sorted(leftovers)

    assert not any(p.exists() for p in leftovers)
    assert all(p.exists() for p in others) and state_file.read_text() == "{}"
    assert remove_leftovers(tmp_path / "missing" / "default.json") == []
