"""The rules gate: the instance cap of the EventBridge integration type, with the numbers."""

from __future__ import annotations

import asyncio

import pytest
from iac_testing.plan_data import attrs, live, state

from iac.gates import GateOptions, evaluate_gates
from iac.gates.rules import instance_cap_problem, rule_results
from iac.genesys.access import Access
from iac.genesys.live import LiveDestination
from iac.plan.model import Action, GateOutcome, Plan
from iac.plan.planner import plan
from iac.state.model import ResourceState

CAP_TEXT = "the org may have at most {n} amazon-eventbridge-source integrations"


def org(
    count: int, managed: int = 0
) -> tuple[dict[str, LiveDestination], dict[str, ResourceState]]:
    """``count`` integrations in the org, the first ``managed`` of them managed as m0, m1..."""
    current = {
        f"i-{n}": live(f"i-{n}", attrs(name=f"N{n}", event_source_suffix=f"s{n}"))
        for n in range(count)
    }
    resources = {
        f"m{n}": ResourceState(f"i-{n}", dict(current[f"i-{n}"].attributes)) for n in range(managed)
    }
    return current, resources


def new(n: int) -> dict[str, dict]:
    return {f"new{k}": attrs(name=f"New{k}", event_source_suffix=f"new{k}") for k in range(n)}


def kept(resources: dict[str, ResourceState]) -> dict[str, dict]:
    return {k: dict(r.attributes) for k, r in resources.items()}


def outcomes(p: Plan, current: dict[str, LiveDestination], cap: int | None) -> dict[str, str]:
    return {r.key or "": r.outcome.value for r in rule_results(p, current, set(current), cap)}


def test_creates_past_the_cap_fail_each_create_with_the_numbers() -> None:
    current, resources = org(4, managed=2)  # 2 more that nobody manages still count
    desired = {**kept(resources), **new(2)}
    p = plan(desired, state(**resources), current)

    results = {r.key: r for r in rule_results(p, current, set(), max_instances=5)}

    assert set(results) == {"new0", "new1"}  # no-ops are not checked
    for key in ("new0", "new1"):
        assert results[key].outcome is GateOutcome.FAILED
        assert results[key].message == (
            f"{CAP_TEXT.format(n=5)}; it has 4, and this plan creates 2"
        )


def test_creates_that_fit_pass_and_no_cap_means_no_check() -> None:
    current, resources = org(3, managed=3)
    p = plan({**kept(resources), **new(2)}, state(**resources), current)

    assert outcomes(p, current, 5) == {"new0": "passed", "new1": "passed"}
    assert outcomes(p, current, None) == {"new0": "passed", "new1": "passed"}
    assert instance_cap_problem(p, current, None) is None


def test_deletes_make_room_for_creates() -> None:
    current, resources = org(5, managed=5)
    desired = {**kept(resources), **new(2)}
    for gone in ("m0", "m1"):
        del desired[gone]
    p = plan(desired, state(**resources), current)

    assert instance_cap_problem(p, current, 5) is None
    del desired["new1"]
    desired["m0"] = dict(resources["m0"].attributes)
    desired.update(new(3))
    over = plan(desired, state(**resources), current)
    assert instance_cap_problem(over, current, 5) == (
        f"{CAP_TEXT.format(n=5)}; it has 5, and this plan creates 3 and deletes 1"
    )


def test_a_replace_at_the_cap_needs_room_for_both_integrations_while_it_runs() -> None:
    current, resources = org(3, managed=3)
    desired = kept(resources)
    desired["m0"] = attrs(name="N0", event_source_suffix="s0-v2")
    p = plan(desired, state(**resources), current)
    assert [c.action for c in p.changes if c.key == "m0"] == [Action.REPLACE]

    assert instance_cap_problem(p, current, 4) is None
    assert instance_cap_problem(p, current, 3) == (
        f"{CAP_TEXT.format(n=3)}; it has 3, and this plan creates 1 and deletes 1: 4 at once, "
        "since a replace creates its new integration before deleting the old one"
    )
    failed = {r.key: r.outcome for r in rule_results(p, current, set(), 3)}
    assert failed == {"m0": GateOutcome.FAILED}


def test_a_replace_that_deletes_first_needs_no_room() -> None:
    current, resources = org(3, managed=3)
    desired = kept(resources)
    # m0 takes m1's identity while m1 goes away: m0 must delete its old integration first.
    del desired["m1"]
    desired["m0"] = attrs(name="N0", event_source_suffix="s1")
    p = plan(desired, state(**resources), current)
    [replacing] = [c for c in p.changes if c.key == "m0"]
    assert replacing.action is Action.REPLACE and replacing.destroy_before_create

    assert instance_cap_problem(p, current, 3) is None


def test_a_delete_of_an_integration_already_gone_frees_nothing() -> None:
    current, resources = org(2, managed=2)
    gone = {"m9": ResourceState("i-9", attrs(name="Gone", event_source_suffix="gone"))}
    p = plan({**kept(resources), **new(1)}, state(**resources, **gone), current)

    assert instance_cap_problem(p, current, 2) == (
        f"{CAP_TEXT.format(n=2)}; it has 2, and this plan creates 1"
    )


@pytest.mark.parametrize("cap", [None, 1])
def test_the_gate_runner_takes_the_cap_and_blocks_only_the_creates(cap: int | None) -> None:
    current, resources = org(1, managed=1)
    desired = {"m0": attrs(name="Renamed", event_source_suffix="s0"), **new(1)}
    p = plan(desired, state(**resources), current)

    async def access() -> Access:
        return Access(scopes=(), permissions=None, unknown_because="not asked")

    gated = asyncio.run(
        evaluate_gates(
            p,
            live=current,
            managed_ids={"i-0"},
            probe_endpoints={},
            read_access=access,
            options=GateOptions(skip_probes_reason="offline"),
            max_instances=cap,
        )
    )

    blocked = {c.key: c.blocked_by for c in gated.changes}
    assert blocked["m0"] == ()
    if cap is None:
        assert blocked["new0"] == ()
    else:
        assert blocked["new0"] == (
            f"rules business_rules: {CAP_TEXT.format(n=1)}; it has 1, and this plan creates 1",
        )
