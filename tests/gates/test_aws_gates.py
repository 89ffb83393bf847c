"""The gates of the partner event buses: the AWS preflight's results and the policy's rule."""

from __future__ import annotations

from iac.config.policy import Policy
from iac.gates.aws_preflight import AwsProbe, aws_preflight_results
from iac.gates.policy import policy_results
from iac.gates.runner import block
from iac.plan.model import Action, Change, GateOutcome, Plan

BUS = {"name": "aws.partner/x", "aws_account_id": "210987654321", "aws_region": "eu-west-1"}


def _plan() -> Plan:
    dest = Change(key="orders", action=Action.CREATE, id=None, before=None, after={})
    bus = Change(
        key="orders",
        action=Action.CREATE,
        id=BUS["name"],
        before=None,
        after={**BUS, "owned": True},
        depends_on=("orders",),
        bus=True,
    )
    return Plan(changes=(dest,), bus_changes=(bus,))


def test_credentials_of_another_account_fail_and_block_both_ends() -> None:
    probe = AwsProbe("210987654321", "eu-west-1", caller_account="123456789012")
    (result,) = aws_preflight_results(_plan(), {("210987654321", "eu-west-1"): probe})
    assert result.outcome is GateOutcome.FAILED and result.check == "aws_identity"
    assert "credentials are for account 123456789012" in result.message
    blocked = block(
        Plan(_plan().changes, gates=(result,), bus_changes=_plan().bus_changes), strict=False
    )
    assert all(c.blocked_by for c in blocked.every_change)


def test_a_refused_permission_warns_a_plan_and_fails_an_apply() -> None:
    probe = AwsProbe(
        "210987654321", "eu-west-1", caller_account="210987654321", permission_error="denied"
    )
    probes = {("210987654321", "eu-west-1"): probe}
    for blocking, outcome in ((False, GateOutcome.WARNING), (True, GateOutcome.FAILED)):
        identity, permission = aws_preflight_results(_plan(), probes, blocking=blocking)
        assert identity.outcome is GateOutcome.PASSED
        assert (permission.check, permission.outcome) == ("aws_permissions", outcome)


def test_the_policy_may_forbid_managing_buses() -> None:
    results = policy_results(_plan(), Policy(allow_aws_event_bus=False))
    failed = [r for r in results if r.outcome is GateOutcome.FAILED]
    assert [r.check for r in failed] == ["allow_aws_event_bus"]
    assert "destination.orders.aws_event_bus" in failed[0].message
    assert not [r for r in policy_results(_plan(), Policy()) if r.failed]


def test_a_named_bus_that_is_not_the_sources_name_fails_before_apply() -> None:
    plan = _plan()
    (bus,) = plan.bus_changes
    wrong = Change(
        key="orders",
        action=Action.UPDATE,
        id="my-bus",
        before=None,
        after={**BUS, "name": "my-bus", "owned": False, "source": "aws.partner/x"},
        bus=True,
    )
    (result,) = aws_preflight_results(Plan(changes=plan.changes, bus_changes=(wrong,)), {})
    assert (result.check, result.outcome) == ("aws_event_bus", GateOutcome.FAILED)
    assert "carries its source's name" in result.message
    assert bus.after is not None and "source" not in bus.after  # checked only when known
