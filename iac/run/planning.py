"""The read-only operations: plan (what apply would do) and drift (what changed outside iac)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iac.errors import IacError
from iac.genesys.live import LiveDestination
from iac.plan import Plan, PlanMode, PlanRequest, plan, plan_for, prevent_destroy_violations
from iac.plan.request import WHOLE_PLAN, check_request
from iac.run.context import RunContext
from iac.run.outcomes import DriftOutcome, PlanOutcome

if TYPE_CHECKING:
    from iac.genesys.client import GenesysClient


async def plan_changes(
    ctx: RunContext, out: Path | None = None, request: PlanRequest = WHOLE_PLAN
) -> PlanOutcome:
    """The gated plan; with ``out``, also saved for ``iac apply FILE``."""
    if out is not None and request.mode is PlanMode.REFRESH_ONLY:
        raise IacError(
            "A refresh-only plan cannot be saved: review it with iac plan --refresh-only, "
            "then accept it with iac apply --refresh-only (which shows it again and asks)."
        )
    check(ctx, request)
    async with ctx.client() as client:
        computed, live = await planned(ctx, client, request)
    if out is not None:
        from iac.run.planfile import save_plan

        save_plan(out, computed, ctx.basis(live), ctx.inputs, strict=ctx.options.strict)
    return PlanOutcome(computed, ctx.where, saved_to=out)


async def drift_report(ctx: RunContext) -> DriftOutcome:
    async with ctx.client() as client:
        report, _ = await drifted(ctx, client)
    return DriftOutcome(report, ctx.where)


async def planned(
    ctx: RunContext, client: GenesysClient, request: PlanRequest = WHOLE_PLAN
) -> tuple[Plan, dict[str, LiveDestination]]:
    """Refresh, plan, refuse what prevent_destroy forbids, and run the gates."""
    live = await client.list_destinations()
    await ctx.refresh_buses()
    computed = planned_from(ctx, live, request)
    ctx.metrics.set_drift(len(computed.drift))
    if request.mode is PlanMode.REFRESH_ONLY:
        return computed, live  # nothing to change in Genesys: nothing to gate
    refuse_protected_destroys(ctx, computed)
    return await ctx.gated(computed, live, client), live


def check(ctx: RunContext, request: PlanRequest) -> None:
    """The request's options and keys, before Genesys is called."""
    check_request(request, ctx.inputs.desired, ctx.state)


def planned_from(ctx: RunContext, live: dict[str, LiveDestination], request: PlanRequest) -> Plan:
    """What the run's configuration plans for ``request`` against its state and ``live``."""
    return plan_for(
        request,
        ctx.inputs.desired,
        ctx.state,
        live,
        moved=ctx.inputs.moved,
        buses=ctx.aws.wanted,
        live_buses=ctx.aws.live,
    )


async def drifted(
    ctx: RunContext, client: GenesysClient
) -> tuple[Plan, dict[str, LiveDestination]]:
    """Drift and unmanaged integrations, as a plan without changes, and what Genesys holds."""
    live = await client.list_destinations()
    await ctx.refresh_buses()
    computed = plan(
        ctx.inputs.desired,
        ctx.state,
        live,
        buses=ctx.aws.wanted or {},
        live_buses=ctx.aws.live or {},
    )
    ctx.metrics.set_drift(len(computed.drift) + len(computed.unmanaged))
    return Plan(changes=(), drift=computed.drift, unmanaged=computed.unmanaged), live


def refuse_protected_destroys(ctx: RunContext, computed: Plan) -> None:
    violations = prevent_destroy_violations(computed, ctx.protected())
    if violations:
        raise IacError("\n".join(violations))
