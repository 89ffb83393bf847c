"""AWS preflight: are the AWS credentials those of the account each partner event bus lives
in, and may they read its partner event sources? Checked before any bus is planned for real.

The calls are made by the run (``iac.run.aws_side``); this turns what they found into gate
results, one per destination with an ``aws_event_bus`` block.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iac.plan.model import Action, GateKind, GateOutcome, GateResult, Plan


@dataclass(frozen=True)
class AwsProbe:
    """What the preflight found for one (account, region): the account the credentials
    belong to (None: not known), why that could not be read, and why a dry
    ``events:DescribeEventSource`` was refused (None: allowed)."""

    account: str
    region: str
    caller_account: str | None = None
    identity_error: str | None = None
    permission_error: str | None = None


def aws_preflight_results(
    plan: Plan, probes: Mapping[tuple[str, str], AwsProbe], *, blocking: bool = True
) -> list[GateResult]:
    """Per destination whose bus the plan touches. A wrong account always fails (every read
    of it would be of another account); a refused permission only warns a plan."""
    results: list[GateResult] = []
    seen: set[str] = set()
    for change in plan.bus_changes:
        if change.key in seen or change.action is Action.NOOP:
            continue
        seen.add(change.key)
        attrs = change.after or change.before or {}
        source = (change.after or {}).get("source")
        if source is not None and attrs.get("name") != source:
            results.append(
                GateResult(
                    GateKind.PREFLIGHT,
                    change.key,
                    "aws_event_bus",
                    GateOutcome.FAILED,
                    f"the event bus {attrs.get('name')} cannot be bound to the partner event "
                    f"source {source}: a partner event bus carries its source's name (use "
                    f"aws_event_bus: {{name: {source}}}, or {{create: true}})",
                )
            )
        probe = probes.get((str(attrs.get("aws_account_id")), str(attrs.get("aws_region"))))
        if probe is None:
            continue
        results.append(_identity(change.key, probe))
        if probe.caller_account == probe.account:
            results.append(_permission(change.key, probe, blocking))
    return results


def _identity(key: str, probe: AwsProbe) -> GateResult:
    if probe.identity_error is not None:
        outcome, message = GateOutcome.FAILED, probe.identity_error
    elif probe.caller_account != probe.account:
        outcome = GateOutcome.FAILED
        message = (
            f"the AWS credentials are for account {probe.caller_account}, but the destination's "
            f"aws_account_id is {probe.account}: use credentials of account {probe.account} "
            "(AWS_PROFILE, AWS_ACCESS_KEY_ID...)"
        )
    else:
        outcome, message = GateOutcome.PASSED, f"AWS credentials are for account {probe.account}"
    return GateResult(GateKind.PREFLIGHT, key, "aws_identity", outcome, message)


def _permission(key: str, probe: AwsProbe, blocking: bool) -> GateResult:
    if probe.permission_error is None:
        return GateResult(
            GateKind.PREFLIGHT,
            key,
            "aws_permissions",
            GateOutcome.PASSED,
            f"events:DescribeEventSource allowed in {probe.region}",
        )
    return GateResult(
        GateKind.PREFLIGHT,
        key,
        "aws_permissions",
        GateOutcome.FAILED if blocking else GateOutcome.WARNING,
        probe.permission_error,
    )
