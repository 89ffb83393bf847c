"""Whether a saved plan may still be applied: the configuration folder it was reviewed from,
the same workspace, state and Genesys, and exactly what that configuration plans there.

A saved plan file is data anyone could edit, so it is recomputed and compared rather than
trusted: the folder's configuration must hash to the plan's, so must the copy the file
carries, and the plan must be what the folder's configuration plans now. Its gates run again,
and a change blocked at review time stays blocked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from iac.errors import IacError, StalePlanError
from iac.genesys.live import LiveDestination
from iac.plan import Change, Plan, PlanRequest
from iac.plan.basis import stale_reasons
from iac.run.context import RunContext
from iac.run.inputs import Inputs
from iac.run.planning import planned_from, refuse_protected_destroys

if TYPE_CHECKING:
    from iac.genesys.client import GenesysClient
    from iac.run.planfile import SavedPlan


def reviewed_inputs(saved: SavedPlan, folder: Inputs) -> Inputs:
    """The folder's configuration, if it is the one the plan was reviewed from."""
    reviewed = saved.basis.config_hash
    if saved.inputs.config_hash != reviewed:
        raise IacError(
            "The saved plan's copy of its configuration does not hash to the configuration it "
            "records as reviewed: the file was edited or damaged. It was not applied; run iac "
            "plan again."
        )
    if folder.config_hash != reviewed:
        raise StalePlanError(
            "The saved plan is stale and was not applied: the configuration in "
            f"{folder.source} is not the one it was reviewed from (configuration "
            f"{folder.config_hash[:12]}, plan {reviewed[:12]}). It changed since the plan was "
            "made, or is rendered with other variables (pass the same --var, --var-file, "
            "IAC_VAR_* and --policy as to iac plan). Run iac plan again."
        )
    return folder


async def still_valid(
    ctx: RunContext, saved: SavedPlan, client: GenesysClient
) -> tuple[Plan, dict[str, LiveDestination]]:
    """The saved plan, gated again, and what Genesys holds; raises IacError when the plan
    no longer holds.

    ``ctx.inputs`` are the ``reviewed_inputs`` of the plan's configuration folder.
    """
    if saved.basis.workspace != ctx.options.workspace:
        raise IacError(
            f"The saved plan is for workspace {saved.basis.workspace!r}; this run uses "
            f"{ctx.options.workspace!r} (pass --workspace {saved.basis.workspace})."
        )
    live = await client.list_destinations()
    await ctx.refresh_buses()
    affected = {c.id for c in saved.plan.changes if c.id}
    reasons = stale_reasons(saved.basis, ctx.state, ctx.state_on_disk, live, affected)
    if reasons:
        raise StalePlanError(
            "The saved plan is stale and was not applied:\n"
            + "\n".join(f"  - {r}" for r in reasons)
            + "\nRun iac plan again and review the new plan."
        )
    # Made for the same request (mode, targets, replace), which the file records.
    again = planned_from(ctx, live, PlanRequest.of(saved.plan))
    if _decisions(again.bus_changes) != _decisions(saved.plan.bus_changes):
        # The basis fingerprints Genesys, not AWS: a bus made or deleted since the review
        # shows only here, and is the world moving on, not a damaged file.
        raise StalePlanError(
            "The saved plan is stale and was not applied:\n"
            "  - the partner event buses in AWS changed since it was made\n"
            "Run iac plan again and review the new plan."
        )
    if _decisions(again.changes) != _decisions(saved.plan.changes):
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
        bus_changes=tuple(replace(c, blocked_by=()) for c in saved.plan.bus_changes),
    )
    regated = await ctx.gated(fresh, live, client)
    then = {c.job_id: c.blocked_by for c in saved.plan.every_change}

    def kept_blocked(changes: tuple[Change, ...]) -> tuple[Change, ...]:
        return tuple(
            replace(c, blocked_by=tuple(dict.fromkeys((*then.get(c.job_id, ()), *c.blocked_by))))
            for c in changes
        )

    return replace(
        regated,
        changes=kept_blocked(regated.changes),
        bus_changes=kept_blocked(regated.bus_changes),
    ), live


def _decisions(changes: tuple[Change, ...]) -> list[tuple[Any, ...]]:
    """What a plan's changes decide, leaving out the gate results added to them afterwards."""
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
            c.previous_key,
            c.bus,
        )
        for c in changes
    ]
