"""Connectivity and TLS: can Genesys' partner reach the EventBridge endpoint of each region?

Probed from where iac runs, which is a proxy for the network path, not the path itself; it
catches the common faults (region typo, blocked egress, broken TLS interception) before a
change is made.
"""

from __future__ import annotations

from collections.abc import Mapping

from iac.gates.probes import probe_endpoints
from iac.plan.model import Action, GateKind, GateOutcome, GateResult, Plan

_PROBED = (Action.CREATE, Action.UPDATE, Action.REPLACE)


async def connectivity_results(
    plan: Plan,
    endpoints: Mapping[str, str],
    *,
    skip_reason: str | None,
    override: str | None,
    ca_bundle: str | None,
    timeout: float,
) -> list[GateResult]:
    changes = [c for c in plan.changes if c.action in _PROBED and c.key in endpoints]
    if skip_reason:
        return [
            GateResult(
                kind=GateKind.CONNECTIVITY,
                key=c.key,
                check="endpoint",
                outcome=GateOutcome.SKIPPED,
                message=f"probe skipped: {skip_reason}",
            )
            for c in changes
        ]
    urls = {c.key: override or endpoints[c.key] for c in changes}
    probed = await probe_endpoints(urls.values(), ca_bundle=ca_bundle, timeout=timeout)
    results = []
    for key, url in urls.items():
        probe = probed[url]
        results.append(
            GateResult(
                kind=GateKind.CONNECTIVITY,
                key=key,
                check="endpoint",
                outcome=GateOutcome.PASSED if probe.ok else GateOutcome.FAILED,
                message=probe.message,
                details={
                    "url": url,
                    "latency_ms": probe.latency_ms,
                    "failure": probe.failure,
                    "status_code": probe.status_code,
                },
            )
        )
    return results
