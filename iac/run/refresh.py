"""``apply --refresh-only``: accept what Genesys holds now into state, changing nothing there."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from iac.plan import Plan
from iac.plan.model import BUS_SUFFIX
from iac.run import records
from iac.run.context import RunContext
from iac.run.outcomes import RefreshOutcome
from iac.run.planning import drifted


class RefreshView(Protocol):
    def drifted(self, report: Plan) -> None:
        """Show the drift about to be accepted (before any question)."""

    def confirm(self, question: str) -> None:
        """Ask "Do you want to <question>?"; raise IacError unless the answer is yes."""


async def refresh_only(ctx: RunContext, view: RefreshView, *, auto_approve: bool) -> RefreshOutcome:
    async with ctx.client() as client:
        report, live = await drifted(ctx, client)
    if not report.drift:
        return RefreshOutcome(accepted=0)
    view.drifted(report)
    audit = ctx.prepare_writes()
    if not auto_approve:
        view.confirm("accept these values into the state (Genesys is not changed)")
    state = ctx.state
    kept = []
    for d in report.drift:
        entry = state.resources[d.key]
        if d.bus:
            if d.deleted and entry.bus is not None:
                # The bus is gone from its account: state forgets it (the plan creates it).
                before = entry.bus.attributes()
                state = state.with_resource(d.key, replace(entry, bus=None))
                audit.append(records.refresh_record(d.key + BUS_SUFFIX, d.id, before, None))
            continue
        if d.deleted and entry.deposed:
            # Forgetting it would orphan the leftovers a failed replace still has to delete.
            kept.append(
                f"destination.{d.key}: kept in state: it still lists integrations "
                f"{', '.join(entry.deposed)} to delete; the next apply handles them."
            )
            continue
        if d.deleted:
            state = state.without_resource(d.key)
        else:
            state = state.with_resource(
                d.key, replace(entry, attributes=dict(live[d.id].attributes))
            )
        after = None if d.deleted else live[d.id].attributes
        audit.append(records.refresh_record(d.key, d.id, entry.attributes, after))
    ctx.write_state(state)
    return RefreshOutcome(accepted=len(report.drift), kept=tuple(kept))
