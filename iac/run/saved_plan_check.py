"""Whether a saved plan may still be applied: the same workspace, state and Genesys it was
reviewed against, and exactly what its own configuration plans there.

A saved plan file is data anyone could edit, so it is recomputed and compared rather than
trusted; its gates run again, and a change blocked at review time stays blocked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from iac.errors import IacError
from iac.plan import Plan, plan
from iac.plan.basis import stale_reasons
from iac.run.context import RunContext
from iac.run.planning import refuse_protected_destroys

if TYPE_CHECKING:
    from iac.genesys.client import GenesysClient
    from iac.run.planfile import SavedPlan


async def still_valid(ctx: RunContext, saved: SavedPlan, client: GenesysClient) -> Plan:
    """The saved plan, gated again; raises IacError when it no longer holds."""
    if saved.basis.workspace != ctx.options.workspace:
        raise IacError(
            f"The saved plan is for workspace {saved.basis.workspace!r}; this run uses "
            f"{ctx.options.workspace!r} (pass --workspace {saved.basis.workspace})."
        )
    live = await client.list_destinations()
    affected = {c.id for c in saved.plan.changes if c.id}
    reasons = stale_reasons(saved.basis, ctx.state, ctx.state_on_disk, live, affected)
    if reasons:
        raise IacError(
            "The saved plan is stale and was not applied:\n"
            + "\n".join(f"  - {r}" for r in reasons)
            + "\nRun iac plan again and review the new plan."
        )
    again = plan(saved.inputs.desired, ctx.state, live)
    if _decisions(again) != _decisions(saved.plan):
        raise IacError(
            "The saved plan does not match what its configuration plans against this state "
            "and Genesys: the file was edited or damaged. It was not applied; run iac plan "
            "again."
        )
    refuse_protected_destroys(ctx, saved.plan)
    # Gates run again: the token or the network may have changed since the review.
    fresh = replace(
        saved.plan,
        gates=(),
        changes=tuple(replace(c, blocked_by=()) for c in saved.plan.changes),
    )
    regated = await ctx.gated(fresh, live, client)
    then = {c.job_id: c.blocked_by for c in saved.plan.changes}
    return replace(
        regated,
        changes=tuple(
            replace(c, blocked_by=tuple(dict.fromkeys((*then.get(c.job_id, ()), *c.blocked_by))))
            for c in regated.changes
        ),
    )


def _decisions(computed: Plan) -> list[tuple[Any, ...]]:
    """What a plan decides, leaving out the gate results added to it afterwards."""
    return [
        (
            c.job_id,
            c.action,
            c.id,
            c.before,
            c.after,
            c.depends_on,
            c.waits_for_identity,
            c.destroy_before_create,
        )
        for c in computed.changes
    ]
