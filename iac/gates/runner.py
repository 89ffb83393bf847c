"""Runs the gates for a plan and marks the changes they block.

``block`` is pure: it takes gate results and returns the plan with ``blocked_by`` set, so the
renderer shows why and the applier skips exactly those changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from iac.config.policy import Policy
from iac.gates.connectivity import connectivity_results
from iac.gates.policy import policy_results
from iac.gates.preflight import preflight_results
from iac.gates.rules import rule_results
from iac.gates.topics import Catalog
from iac.genesys.access import Access
from iac.genesys.live import LiveDestination
from iac.plan.model import Action, Change, GateResult, Plan


@dataclass(frozen=True)
class GateOptions:
    policy: Policy | None = None
    strict: bool = False
    # Why probes do not run (e.g. "--skip-probes"); None runs them.
    skip_probes_reason: str | None = None
    probe_override: str | None = None
    ca_bundle: str | None = None
    probe_timeout: float = 5.0
    # Whether a missing scope or permission blocks (apply) or only warns (plan).
    preflight_blocks: bool = True


async def evaluate_gates(
    plan: Plan,
    *,
    live: Mapping[str, LiveDestination],
    managed_ids: set[str],
    probe_endpoints: Mapping[str, str],
    read_access: Callable[[], Awaitable[Access]],
    options: GateOptions,
    max_instances: int | None = None,
    catalog: Catalog | None = None,
    aws: Sequence[GateResult] = (),
) -> Plan:
    """``max_instances``: how many EventBridge integrations the org may hold (the type's
    ``maxInstances``); None when Genesys does not say. ``catalog``: the org's topic catalog
    (or why it could not be read); None when it was not read. ``aws``: the AWS preflight's
    results (``iac.gates.aws_preflight``), for the partner event buses."""
    results: list[GateResult] = list(aws)
    if any(c.action is not Action.NOOP for c in plan.changes):
        results += preflight_results(plan, await read_access(), blocking=options.preflight_blocks)
    results += rule_results(plan, live, managed_ids, max_instances, catalog)
    if options.policy is not None:
        results += policy_results(plan, options.policy)
    results += await connectivity_results(
        plan,
        probe_endpoints,
        skip_reason=options.skip_probes_reason,
        override=options.probe_override,
        ca_bundle=options.ca_bundle,
        timeout=options.probe_timeout,
    )
    return block(replace(plan, gates=tuple(results)), strict=options.strict)


def block(plan: Plan, *, strict: bool) -> Plan:
    failed = [g for g in plan.gates if g.failed]
    reasons: dict[str, list[str]] = {}
    for change in plan.every_change:
        if change.action is Action.NOOP:
            continue
        own = [f"{g.kind.value} {g.check}: {g.message}" for g in failed if g.key == change.key]
        # A failed run-wide gate (e.g. the token's scope) blocks every write.
        own += [f"{g.kind.value} {g.check}: {g.message}" for g in failed if g.key is None]
        if strict and failed and not own:
            own = [f"--strict: {len(failed)} gate(s) failed elsewhere in this plan"]
        if own:
            reasons[change.job_id] = own
    _block_dependents(plan, reasons)
    return replace(
        plan,
        changes=_blocked(plan.changes, reasons),
        bus_changes=_blocked(plan.bus_changes, reasons),
    )


def _blocked(changes: tuple[Change, ...], reasons: dict[str, list[str]]) -> tuple[Change, ...]:
    return tuple(
        replace(c, blocked_by=tuple(reasons[c.job_id])) if c.job_id in reasons else c
        for c in changes
    )


def _block_dependents(plan: Plan, reasons: dict[str, list[Any]]) -> None:
    """A change waiting on a blocked one would wait forever (or collide): block it too."""
    grew = True
    while grew:
        grew = False
        for change in plan.every_change:
            if change.job_id in reasons:
                continue
            waits = [*change.depends_on, *filter(None, [change.waits_for_identity])]
            blocked = [w for w in waits if w in reasons]
            if blocked:
                reasons[change.job_id] = [f"waits for {', '.join(blocked)}, which is blocked"]
                grew = True
