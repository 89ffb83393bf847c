"""The applier through in-memory fakes: the order of Genesys calls, what state keeps, and
what each job reports, for the paths a user notices (replace, undo, skip, cancel).

The fakes are in ``apply_fakes.py``. Nothing waits on timings: a test that needs a job parked
inside a call holds it on an ``asyncio.Event`` and waits for the fake to say it arrived, and
every apply runs under a generous deadline so a deadlock fails instead of hanging.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from apply_fakes import (
    Hold,
    Run,
    change_for,
    job,
    run,
    world,
)
from iac_testing.plan_data import attrs

from iac.apply.job import JobStatus
from iac.errors import IacError
from iac.plan.model import Action
from iac.plan.planner import plan as make_plan
from iac.state.model import ResourceState

# -- replace -----------------------------------------------------------------------------


def test_replace_creates_and_verifies_the_new_integration_before_deleting_the_old() -> None:
    old = attrs()
    state, genesys = world(orders=ResourceState("old-1", old))
    wanted = attrs(event_source_suffix="orders-v2")
    plan = make_plan({"orders": wanted}, state, genesys.live())
    assert [c.action for c in plan.changes] == [Action.REPLACE]

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan))

    assert genesys.calls == [
        ("create", "new-1"),
        ("configure", "new-1"),
        ("set_enabled", "new-1"),
        ("wait_until_active", "new-1"),
        ("delete", "old-1"),
    ]
    replaced = job(result, "orders")
    assert replaced.ok and replaced.error is None
    assert replaced.genesys_ids == ["new-1"]
    assert replaced.verification is not None
    assert replaced.verification["status"] == "verified"
    # Before the POST, state records the intent (so a kill right after it leaves a way to
    # find what it made), the old entry untouched.
    intent = applied.store.written[0]
    assert intent.resources == state.resources
    assert intent.pending_creates["orders"].name == "iac-pending-run1-orders"
    assert genesys.create_names == ["iac-pending-run1-orders"]
    # Until the old one is gone, state already names it as deposed: a crash there leaves
    # the next apply a delete to do, never an integration nobody remembers.
    placeholder = applied.store.written[1].resources["orders"]
    assert applied.store.written[1].pending_creates == {}
    assert (placeholder.id, placeholder.verified, placeholder.deposed) == (
        "new-1",
        False,
        ("old-1",),
    )
    assert applied.state.resources == {"orders": ResourceState("new-1", wanted)}
    assert set(genesys.integrations) == {"new-1"}
    assert applied.finished == [replaced]


def test_replace_that_takes_a_freed_identity_deletes_its_old_integration_first() -> None:
    state, genesys = world(
        a=ResourceState("a-1", attrs(name="A", event_source_suffix="a-events")),
        b=ResourceState("b-1", attrs(name="B", event_source_suffix="b-events")),
    )
    # a takes b's AWS identity and b goes away: a must wait for b's delete, and so deletes
    # its own old integration before creating the new one.
    wanted = attrs(name="A", event_source_suffix="b-events")
    plan = make_plan({"a": wanted}, state, genesys.live())
    replacing = change_for(plan, "a")
    assert replacing.action is Action.REPLACE
    assert replacing.destroy_before_create and replacing.waits_for_identity == "b"

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan))

    assert all(j.ok for j in result.jobs), [j.error for j in result.jobs]
    calls = genesys.calls
    assert calls.index(("delete", "a-1")) < calls.index(("create", "new-1"))
    assert calls.index(("delete", "b-1")) < calls.index(("configure", "new-1"))
    assert genesys.calls_for("new-1") == ["create", "configure", "set_enabled", "wait_until_active"]
    assert applied.state.resources == {"a": ResourceState("new-1", wanted)}
    assert set(genesys.integrations) == {"new-1"}


def test_a_failed_delete_of_the_replaced_integration_leaves_it_deposed_for_the_next_apply() -> None:
    state, genesys = world(orders=ResourceState("old-1", attrs()))
    wanted = attrs(event_source_suffix="orders-v2")
    genesys.failures[("delete", "old-1")] = IacError("Genesys answered 503: try again later")

    applied = Run.of(genesys, state)
    result = run(applied.apply(make_plan({"orders": wanted}, state, genesys.live())))

    replaced = job(result, "orders")
    assert replaced.status is JobStatus.FAILED and not replaced.ok
    assert replaced.error is not None
    assert "created new-1, but deleting the old integration old-1 failed" in replaced.error
    assert "Genesys answered 503" in replaced.error
    assert "It stays in state as deposed; the next apply deletes it." in replaced.error
    assert applied.state.resources == {"orders": ResourceState("new-1", wanted, deposed=("old-1",))}
    assert set(genesys.integrations) == {"new-1", "old-1"}

    # ... and it does: the next plan deletes the deposed one, and nothing else.
    del genesys.failures[("delete", "old-1")]
    genesys.calls.clear()
    again = make_plan({"orders": wanted}, applied.state, genesys.live())
    assert [(c.action, c.id, c.deposed) for c in again.actionable] == [
        (Action.DELETE, "old-1", True)
    ]
    retry = Run.of(genesys, applied.state)
    assert all(j.ok for j in run(retry.apply(again)).jobs)
    assert genesys.calls == [("delete", "old-1")]
    assert retry.state.resources == {"orders": ResourceState("new-1", wanted)}


# -- undoing a create that failed verification --------------------------------------------


@pytest.mark.parametrize(
    ("enabled", "failure", "reported"),
    [
        pytest.param(
            False, "read_back", "name is 'Renamed by Genesys', expected 'Orders'", id="read-back"
        ),
        pytest.param(
            True,
            "activation",
            "Genesys reports activation ERROR for new-1: AWS account not found",
            id="activation",
        ),
    ],
)
def test_a_create_that_fails_verification_is_deleted_again_and_forgotten(
    enabled: bool, failure: str, reported: str
) -> None:
    state, genesys = world()
    if failure == "read_back":
        genesys.read_back_overrides["new-1"] = {"name": "Renamed by Genesys"}
    else:
        genesys.failures[("wait_until_active", "new-1")] = IacError(
            "Genesys reports activation ERROR for new-1: AWS account not found"
        )
    wanted = attrs(enabled=enabled)

    applied = Run.of(genesys, state)
    result = run(applied.apply(make_plan({"orders": wanted}, state, genesys.live())))

    created = job(result, "orders")
    assert created.status is JobStatus.FAILED
    assert created.error is not None
    assert created.error.startswith("verification failed: ")
    assert reported in created.error
    assert created.error.endswith("; the new integration new-1 was deleted again")
    assert created.verification is not None
    assert created.verification["status"] == "failed"
    assert created.genesys_ids == ["new-1"]
    assert genesys.calls[-1] == ("delete", "new-1")
    assert genesys.integrations == {}
    assert applied.state.resources == {}
    assert applied.finished == [created]


def test_a_replace_whose_new_integration_fails_verification_restores_the_previous_entry() -> None:
    original = ResourceState("old-1", attrs())
    state, genesys = world(orders=original)
    genesys.failures[("wait_until_active", "new-1")] = IacError(
        "integration new-1 is still ACTIVATING after 5s (--activation-timeout)"
    )

    applied = Run.of(genesys, state)
    plan = make_plan({"orders": attrs(event_source_suffix="orders-v2")}, state, genesys.live())
    result = run(applied.apply(plan))

    replaced = job(result, "orders")
    assert replaced.error is not None
    assert "still ACTIVATING" in replaced.error
    assert "the new integration new-1 was deleted again" in replaced.error
    assert genesys.calls_for("new-1")[-1] == "delete"
    assert genesys.calls_for("old-1") == []  # the old one is never touched
    assert applied.state.resources == {"orders": original}
    assert set(genesys.integrations) == {"old-1"}


def test_when_deleting_the_failed_create_fails_too_it_stays_in_state_unverified() -> None:
    state, genesys = world()
    genesys.failures[("wait_until_active", "new-1")] = IacError(
        "Genesys reports activation ERROR for new-1: AWS account not found"
    )
    genesys.failures[("delete", "new-1")] = IacError("Genesys answered 503: try again later")
    wanted = attrs()

    applied = Run.of(genesys, state)
    result = run(applied.apply(make_plan({"orders": wanted}, state, genesys.live())))

    created = job(result, "orders")
    assert created.error is not None
    assert "AWS account not found" in created.error
    assert "deleting the new integration new-1 again also failed" in created.error
    assert "Genesys answered 503" in created.error
    assert "it stays in state, and the next plan configures it" in created.error
    assert "was deleted again" not in created.error
    kept = applied.state.resources["orders"]
    assert (kept.id, kept.verified) == ("new-1", False)
    assert "new-1" in genesys.integrations
    # The next plan verifies the integration it has rather than creating a second one.
    again = make_plan({"orders": wanted}, applied.state, genesys.live())
    assert [(c.action, c.id) for c in again.actionable] == [(Action.UPDATE, "new-1")]


# -- jobs that wait on other jobs ---------------------------------------------------------


def test_a_change_waiting_for_a_failed_job_is_skipped_without_a_call() -> None:
    # A deposed leftover whose delete fails: the replace that must follow it never starts.
    state, genesys = world(
        orders=ResourceState("cur-1", attrs(), deposed=("dep-1",)),
    )
    genesys.integrations["dep-1"] = attrs(event_source_suffix="orders-old")
    genesys.failures[("delete", "dep-1")] = IacError("Genesys answered 403: missing permission")
    plan = make_plan({"orders": attrs(event_source_suffix="orders-v2")}, state, genesys.live())
    assert change_for(plan, "orders").depends_on == ("orders#deposed:dep-1",)

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan))

    assert job(result, "orders#deposed:dep-1").error == "Genesys answered 403: missing permission"
    skipped = job(result, "orders")
    assert skipped.status is JobStatus.FAILED
    assert skipped.error == "skipped: it must wait for orders#deposed:dep-1, which failed"
    assert skipped.genesys_ids == []
    assert genesys.calls == [("delete", "dep-1")]
    assert applied.state.resources == state.resources
    assert sorted(j.change.job_id for j in applied.finished) == ["orders", "orders#deposed:dep-1"]


def test_a_change_waiting_for_an_identity_whose_delete_failed_is_skipped_without_a_call() -> None:
    state, genesys = world(
        keep=ResourceState("keep-1", attrs(name="Keep", event_source_suffix="keep")),
        old=ResourceState("old-1", attrs(name="Old", event_source_suffix="shared")),
    )
    genesys.failures[("delete", "old-1")] = IacError("Genesys answered 503: try again later")
    desired = {
        "keep": attrs(name="Keep", event_source_suffix="keep"),  # unchanged: a no-op
        "new": attrs(name="New", event_source_suffix="shared"),  # takes old's identity
    }
    plan = make_plan(desired, state, genesys.live())
    assert change_for(plan, "new").waits_for_identity == "old"

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan))

    skipped = job(result, "new")
    assert skipped.error == "skipped: its AWS identity is freed by old, which failed"
    assert skipped.genesys_ids == []
    assert genesys.calls == [("delete", "old-1")]
    assert applied.state.resources == state.resources


def test_a_waiting_job_never_blocks_the_job_it_waits_for_even_with_parallelism_one() -> None:
    state, genesys = world(
        zulu=ResourceState("zulu-1", attrs(name="Zulu", event_source_suffix="shared")),
    )
    wanted = attrs(name="Alpha", event_source_suffix="shared")
    plan = make_plan({"alpha": wanted}, state, genesys.live())
    # The waiting create comes first, so it is the first job to want the only slot.
    assert [(c.job_id, c.action, c.waits_for_identity) for c in plan.actionable] == [
        ("alpha", Action.CREATE, "zulu"),
        ("zulu", Action.DELETE, None),
    ]

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan, parallelism=1))

    assert all(j.ok for j in result.jobs), [j.error for j in result.jobs]
    assert genesys.calls[0] == ("delete", "zulu-1")
    assert applied.state.resources == {"alpha": ResourceState("new-1", wanted)}


def test_two_destinations_swapping_identities_apply_with_parallelism_one() -> None:
    a_attrs = attrs(name="A", event_source_suffix="left")
    b_attrs = attrs(name="B", event_source_suffix="right")
    state, genesys = world(a=ResourceState("a-1", a_attrs), b=ResourceState("b-1", b_attrs))
    desired = {
        "a": attrs(name="A", event_source_suffix="right"),
        "b": attrs(name="B", event_source_suffix="left"),
    }
    plan = make_plan(desired, state, genesys.live())
    assert [(c.job_id, c.waits_for_identity, c.destroy_before_create) for c in plan.changes] == [
        ("a", "b", True),
        ("b", "a", True),
    ]

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan, parallelism=1))

    assert all(j.ok for j in result.jobs), [j.error for j in result.jobs]
    first_create = genesys.calls.index(next(c for c in genesys.calls if c[0] == "create"))
    assert {c for c in genesys.calls[:first_create]} == {("delete", "a-1"), ("delete", "b-1")}
    assert {k: r.attributes for k, r in applied.state.resources.items()} == desired
    assert all(r.verified and not r.deposed for r in applied.state.resources.values())
    assert {r.id for r in applied.state.resources.values()} == set(genesys.integrations)


def test_a_swap_whose_other_side_fails_says_the_old_integration_was_already_deleted() -> None:
    state, genesys = world(
        a=ResourceState("a-1", attrs(name="A", event_source_suffix="left")),
        b=ResourceState("b-1", attrs(name="B", event_source_suffix="right")),
    )
    genesys.failures[("delete", "a-1")] = IacError("Genesys answered 503: try again later")
    desired = {
        "a": attrs(name="A", event_source_suffix="right"),
        "b": attrs(name="B", event_source_suffix="left"),
    }
    plan = make_plan(desired, state, genesys.live())

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan, parallelism=1))

    assert job(result, "a").error == "Genesys answered 503: try again later"
    # b deleted its old integration before it learnt that a could not free "left": its job
    # must not read as a skip that left it alone.
    b = job(result, "b")
    assert b.status is JobStatus.FAILED
    assert b.error == (
        "deleted the old integration b-1, then skipped creating the new one: its AWS identity "
        "is freed by a, which failed. The next apply creates it."
    )
    assert not any(method == "create" for method, _ in genesys.calls)
    assert set(genesys.integrations) == {"a-1"}
    assert set(applied.state.resources) == {"a"}
    # ... and it does: the next plan creates b once a's replace has freed its identity.
    del genesys.failures[("delete", "a-1")]
    again = make_plan(desired, applied.state, genesys.live())
    assert {c.key: c.action for c in again.actionable} == {
        "a": Action.REPLACE,
        "b": Action.CREATE,
    }
    retry = Run.of(genesys, applied.state)
    assert all(j.ok for j in run(retry.apply(again)).jobs)
    assert {k: r.attributes for k, r in retry.state.resources.items()} == desired


# -- cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize("cut_in", ["configure", "wait_until_active"])
def test_cancelling_mid_call_reports_the_job_interrupted_and_keeps_what_landed(
    cut_in: str,
) -> None:
    state, genesys = world()
    plan = make_plan({"orders": attrs()}, state, genesys.live())
    applied = Run.of(genesys, state)

    async def cancel_mid_call() -> None:
        hold = genesys.holds[cut_in] = Hold()
        task = asyncio.create_task(applied.apply(plan))
        await hold.entered.wait()  # the job is inside the call now
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_mid_call())

    assert genesys.calls[-1] == (cut_in, "new-1")
    (interrupted,) = applied.finished
    assert interrupted.status is JobStatus.FAILED
    assert interrupted.error is not None
    assert "interrupted" in interrupted.error
    assert interrupted.genesys_ids == ["new-1"]
    # The POST landed and is remembered, unverified; it is not deleted behind the user's back.
    kept = applied.state.resources["orders"]
    assert (kept.id, kept.verified) == ("new-1", False)
    assert "new-1" in genesys.integrations
    assert ("delete", "new-1") not in genesys.calls


# -- what is never attempted ---------------------------------------------------------------


def test_blocked_changes_and_noops_are_never_attempted() -> None:
    state, genesys = world(
        same=ResourceState("same-1", attrs(name="Same", event_source_suffix="same")),
        renamed=ResourceState("renamed-1", attrs(name="Before", event_source_suffix="renamed")),
    )
    desired = {
        "same": attrs(name="Same", event_source_suffix="same"),
        "renamed": attrs(name="After", event_source_suffix="renamed"),
        "refused": attrs(name="Refused", event_source_suffix="refused", aws_region="eu-west-1"),
    }
    planned = make_plan(desired, state, genesys.live())
    plan = replace(
        planned,
        changes=tuple(
            replace(c, blocked_by=("policy allowed_regions: eu-west-1 is not allowed",))
            if c.key == "refused"
            else c
            for c in planned.changes
        ),
    )
    assert {c.key: c.action for c in plan.changes} == {
        "refused": Action.CREATE,
        "renamed": Action.UPDATE,
        "same": Action.NOOP,
    }

    applied = Run.of(genesys, state)
    result = run(applied.apply(plan))

    assert [j.change.key for j in result.jobs] == ["renamed"]
    assert job(result, "renamed").ok
    assert {i for _, i in genesys.calls} == {"renamed-1"}
    assert {job_id for job_id, _ in applied.progress.seen} == {"renamed"}
    assert [j.change.key for j in applied.finished] == ["renamed"]
    assert set(applied.state.resources) == {"same", "renamed"}
    assert applied.state.resources["renamed"].attributes == desired["renamed"]
    assert applied.state.resources["same"] == state.resources["same"]
