"""Plans for renderer tests: one that exercises every field of the model, and big ones."""

from __future__ import annotations

from dataclasses import replace

from iac.gates.runner import block
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
from iac.plan.planner import plan
from iac.plan.request import PlanRequest, plan_for
from iac.state.model import ResourceState
from iac_testing.plan_data import ACTIVITY, AUDITS, OPERATIONS, attrs, live, state

HOSTILE = "a|b <script>alert(1)</script> *x* `y` [l](u) @team #1 $m$"


def _dest(key: str, **overrides: object) -> dict[str, object]:
    return attrs(**{"name": key, "event_source_suffix": key, **overrides})


def full_plan() -> Plan:
    """Every action, drift both ways, deposed, identity reuse, gates, warnings, unmanaged."""
    upd, rep, gone, same = (_dest(k) for k in ("upd", "rep", "gone", "same"))
    drifted_applied = _dest("drifted")
    drifted_live = {**drifted_applied, "enabled": False, "topic_filters": [ACTIVITY]}
    # "taker" is replaced onto the identity "gone" frees: it must wait for that delete.
    taker = _dest("taker", aws_region="eu-west-1")
    planned = plan(
        {
            "upd": {**upd, "name": "upd v2", "topic_filters": sorted([ACTIVITY, AUDITS])},
            "rep": {**rep, "event_source_suffix": "rep-v2"},
            "new": _dest("new", aws_account_id="210987654321"),
            "same": same,
            "hostile": _dest("hostile", name=HOSTILE, notes="pipe | and\nnewline"),
            "taker": {**taker, "aws_region": "us-east-1", "event_source_suffix": "gone"},
            "drifted": drifted_applied,
            "vanished": _dest("vanished"),
        },
        state(
            upd=ResourceState("i-upd", upd),
            rep=ResourceState("i-rep", rep, deposed=("i-rep-old",)),
            gone=ResourceState("i-gone", gone),
            same=ResourceState("i-same", same),
            taker=ResourceState("i-taker", taker),
            drifted=ResourceState("i-drifted", drifted_applied),
            vanished=ResourceState("i-vanished", _dest("vanished")),
        ),
        {
            "i-upd": live("i-upd", upd),
            "i-rep": live("i-rep", rep),
            "i-rep-old": live("i-rep-old", _dest("rep-old")),
            "i-gone": live("i-gone", gone),
            "i-same": live("i-same", same),
            "i-taker": live("i-taker", taker),
            "i-drifted": live("i-drifted", drifted_live),
            # Same name as "new": the planner suggests importing it.
            "i-stray": live("i-stray", _dest("new", event_source_suffix="stray")),
        },
    )
    gates = (
        GateResult(GateKind.PREFLIGHT, None, "permission", GateOutcome.PASSED, "token may write"),
        GateResult(
            GateKind.CONNECTIVITY,
            "upd",
            "tls",
            GateOutcome.PASSED,
            "reachable, HTTP 200 in 42 ms",
            {"latency_ms": 41.7, "status": 200},
        ),
        GateResult(GateKind.RULES, "upd", "unique_name", GateOutcome.PASSED, "ok"),
        GateResult(
            GateKind.POLICY,
            "hostile",
            "allowed_accounts",
            GateOutcome.FAILED,
            "account <b>not</b> | allowed *here*",
            {"rules": ["allowed_accounts"]},
        ),
        GateResult(GateKind.RULES, "rep", "replace", GateOutcome.WARNING, "replaces `rep`"),
        GateResult(GateKind.CONNECTIVITY, "same", "tls", GateOutcome.SKIPPED, "--skip-probes"),
    )
    return block(replace(planned, gates=gates), strict=False)


def odd_values_plan() -> Plan:
    """Hand-built values the planner never makes but JSON can carry."""
    return Plan(
        changes=(
            Change(
                key="odd",
                action=Action.UPDATE,
                id="i-odd",
                before={"nested": {"a": [1, 2.5, None, True]}, "empty": [], "u": "é✓"},
                after={"nested": {"a": []}, "empty": {}, "u": ""},
                attribute_changes=(
                    AttributeChange("nested", {"a": [1, 2.5, None, True]}, {"a": []}),
                    AttributeChange("empty", [], {}, forces_replacement=True),
                ),
                live_version=0,
            ),
            Change("noop", Action.NOOP, "i-noop", {}, {}),
        ),
        drift=(Drift("odd", "i-odd", deleted=False),),
        unmanaged=(Unmanaged("i-x", {}),),
    )


def many_destinations(n: int) -> Plan:
    """``n`` creates, each with a run of gates, as a big org's first plan would be."""
    changes = []
    gates = []
    for i in range(n):
        key = f"destination-{i:04d}"
        changes.append(
            Change(
                key=key,
                action=Action.CREATE,
                id=None,
                before=None,
                after=_dest(key, topic_filters=sorted([ACTIVITY, OPERATIONS, AUDITS])),
            )
        )
        gates += [
            GateResult(GateKind.RULES, key, "unique_name", GateOutcome.PASSED, "ok"),
            GateResult(GateKind.POLICY, key, "allowed_regions", GateOutcome.PASSED, "ok"),
        ]
    return Plan(changes=tuple(changes), gates=tuple(gates))


def moved_targeted_plan() -> Plan:
    """Keys moved (one alone, one with an update), a forced replace, a targeted plan."""
    kept, renamed, forced = _dest("kept"), _dest("renamed"), _dest("forced")
    return plan_for(
        PlanRequest(targets=("renamed", "updated", "forced"), replace=("forced",)),
        {
            "renamed": renamed,
            "updated": {**kept, "name": "updated v2"},
            "forced": forced,
            "other": _dest("other"),
        },
        state(
            old=ResourceState("i-old", renamed),
            kept=ResourceState("i-kept", kept),
            forced=ResourceState("i-forced", forced),
        ),
        {
            "i-old": live("i-old", renamed),
            "i-kept": live("i-kept", kept),
            "i-forced": live("i-forced", forced),
        },
        moved=[("old", "renamed"), ("kept", "updated")],
    )
