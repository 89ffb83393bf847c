"""The policy gate: every planned change against the organisation's policy file.

A violation names the destination, the rule and the value, and blocks that destination only
(unless --strict).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from iac.config.policy import Policy
from iac.plan.model import Action, Change, GateKind, GateOutcome, GateResult, Plan


def policy_results(plan: Plan, policy: Policy) -> list[GateResult]:
    """One passed result per change that complies, else one failed result per rule it
    breaks, each labelled with that rule."""
    results = []
    for change in plan.changes:
        if change.action is Action.NOOP:
            continue
        violations = _violations(change, policy)
        if not violations:
            results.append(
                GateResult(
                    kind=GateKind.POLICY,
                    key=change.key,
                    check="policy",
                    outcome=GateOutcome.PASSED,
                    message="complies with the policy",
                )
            )
        for rule, message in violations:
            results.append(
                GateResult(
                    kind=GateKind.POLICY,
                    key=change.key,
                    check=rule,
                    outcome=GateOutcome.FAILED,
                    message=message,
                    details={"rules": [rule]},
                )
            )
    results += [r for c in plan.bus_changes for r in _bus_results(c, policy)]
    return results


def _bus_results(change: Change, policy: Policy) -> list[GateResult]:
    """A partner event bus: may the destination have one, and may it be deleted? Its account
    and region are the destination's, which the destination's own results cover."""
    found = []
    if change.action is not Action.NOOP and not policy.allow_aws_event_bus:
        found.append(
            (
                "allow_aws_event_bus",
                f"rule allow_aws_event_bus: the policy forbids managing {change.address}",
            )
        )
    if change.action is Action.DELETE and not change.deposed and not policy.allow_delete:
        found.append(
            ("allow_delete", f"rule allow_delete: the policy forbids deleting {change.address}")
        )
    return [
        GateResult(
            GateKind.POLICY, change.key, rule, GateOutcome.FAILED, message, {"rules": [rule]}
        )
        for rule, message in found
    ]


def _violations(change: Change, policy: Policy) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if change.action is Action.DELETE and not change.deposed and not policy.allow_delete:
        found.append(("allow_delete", "rule allow_delete: the policy forbids deleting it"))
    if change.action is Action.REPLACE and not policy.allow_replace:
        changed = ", ".join(a.name for a in change.attribute_changes if a.forces_replacement)
        found.append(
            ("allow_replace", f"rule allow_replace: the policy forbids replacing it ({changed})")
        )
    after: dict[str, Any] = change.after or {}
    if not after:
        return found
    account, region = after.get("aws_account_id"), after.get("aws_region")
    if policy.allowed_aws_account_ids is not None and account not in policy.allowed_aws_account_ids:
        found.append(
            (
                "allowed_aws_account_ids",
                f"rule allowed_aws_account_ids: account {account!r} is not allowed "
                f"(allowed: {', '.join(policy.allowed_aws_account_ids) or 'none'})",
            )
        )
    if policy.allowed_regions is not None and region not in policy.allowed_regions:
        found.append(
            (
                "allowed_regions",
                f"rule allowed_regions: region {region!r} is not allowed "
                f"(allowed: {', '.join(policy.allowed_regions) or 'none'})",
            )
        )
    topics = list(after.get("topic_filters") or [])
    for pattern in policy.required_topic_patterns:
        if not any(fnmatch.fnmatchcase(t, pattern) for t in topics):
            found.append(
                (
                    "required_topic_patterns",
                    f"rule required_topic_patterns: no topic matches {pattern!r}",
                )
            )
    for pattern in policy.forbidden_topic_patterns:
        for topic in topics:
            if fnmatch.fnmatchcase(topic, pattern):
                found.append(
                    (
                        "forbidden_topic_patterns",
                        f"rule forbidden_topic_patterns: topic {topic!r} matches {pattern!r}",
                    )
                )
    return found
