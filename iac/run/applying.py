"""The apply operation: plan (or check a saved plan), ask, run the jobs, record everything.

Like Terraform's local backend, the operation talks to the user only through a view: it
hands over the plan before asking, the question itself, and each job's progress; what it
returns is an ``ApplyOutcome`` for the CLI to report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from iac.apply import ApplyResult, Job, Progress
from iac.errors import IacError
from iac.genesys.live import LiveDestination
from iac.plan import Action, Plan, PlanMode, PlanRequest
from iac.plan.model import BUS_SUFFIX
from iac.plan.moves import rename
from iac.plan.planner import resume_interrupted_creates
from iac.plan.request import WHOLE_PLAN
from iac.run import records
from iac.run.context import RunContext
from iac.run.outcomes import ApplyOutcome
from iac.run.planning import check, planned
from iac.state import State
from iac.vocabulary import ChangeResult

if TYPE_CHECKING:
    from iac.apply.buses import BusClient
    from iac.audit import AuditTrail
    from iac.genesys.client import GenesysClient
    from iac.run.planfile import SavedPlan


class ApplyView(Progress, Protocol):
    def planned(self, computed: Plan) -> None:
        """Show the plan about to be applied (before any question)."""

    def confirm(self, question: str) -> None:
        """Ask "Do you want to <question>?"; raise IacError unless the answer is yes."""

    def applying(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while jobs run (e.g. to print "Still creating..." lines)."""


@dataclass(frozen=True)
class ApplySettings:
    auto_approve: bool = False
    parallelism: int = 4
    activation_timeout: float = 120.0
    # How long a partner event bus's create waits for the partner event source to appear.
    source_timeout: float = 300.0


async def apply_changes(
    ctx: RunContext,
    view: ApplyView,
    settings: ApplySettings,
    *,
    saved: SavedPlan | None = None,
    request: PlanRequest = WHOLE_PLAN,
) -> ApplyOutcome:
    """Apply what ``request`` plans now, or exactly the ``saved`` plan (made for its own)."""
    from iac.run.saved_plan_check import still_valid

    if saved is None:
        check(ctx, request)
    destroying = (saved.plan if saved else request).mode is PlanMode.DESTROY
    # --parallelism governs HTTP concurrency too: N jobs would otherwise share 8 requests.
    async with ctx.client(concurrency=settings.parallelism) as client:
        if saved is None:
            computed, live = await planned(ctx, client, request)
            auto_approve = settings.auto_approve
        else:
            computed, live = await still_valid(ctx, saved, client)
            auto_approve = True  # a saved plan was reviewed and approved already
        view.planned(computed)
        audit = ctx.prepare_writes()
        if computed.has_changes and not auto_approve:
            # Before anything is written: a "no" leaves state and audit trail untouched.
            view.confirm(
                f"destroy every destination of workspace {ctx.options.workspace} in "
                f"{ctx.target_org}"
                if destroying
                else f"perform these actions in {ctx.target_org}"
            )
        sync_state(ctx, computed, audit, live)
        record_blocked(ctx, computed, audit)
        if not computed.actionable:  # nothing for Genesys (perhaps keys moved in state)
            return ApplyOutcome(computed)
        unconfigured = [i for i, d in live.items() if d.unconfigured]
        result = await _run_jobs(ctx, computed, client, audit, view, settings, unconfigured)
    return ApplyOutcome(
        computed, result, retries=client.stats.retries, throttled=client.stats.throttled
    )


def sync_state(
    ctx: RunContext, computed: Plan, audit: AuditTrail, live: Mapping[str, LiveDestination]
) -> None:
    """Bring state in line where nothing needs to change in Genesys.

    A destination already as configured (an interrupted apply that got further than its
    state write, or an outside edit that happens to match the YAML) takes what Genesys
    holds; otherwise drift would be reported forever. An integration a killed apply made
    but never recorded is recorded for its key, as the plan assumed; intents that found
    nothing are dropped (this apply records its own). prevent_destroy flags are recorded,
    and so is the org, in a state written before iac recorded it. Keys the plan moves are
    renamed first, each with its audit record.
    """
    resumed_state, resumed = resume_interrupted_creates(_moved(ctx, computed, audit), live)
    for key, integration_id in resumed.items():
        adopted = resumed_state.resources[key].attributes
        audit.append(records.refresh_record(key, integration_id, {}, adopted))
    synced = replace(resumed_state, pending_creates={}).with_protection(
        ctx.inputs.protected, set(ctx.inputs.desired)
    )
    for key, kept in list(synced.resources.items()):
        if kept.bus is not None and not kept.bus.owned and key not in ctx.inputs.buses:
            # A bus iac only verified, no longer in the configuration: it stays in AWS.
            synced = synced.with_resource(key, replace(kept, bus=None))
            audit.append(
                records.refresh_record(key + BUS_SUFFIX, kept.bus.name, kept.bus.attributes(), None)
            )
    for change in computed.changes:
        entry = synced.resources.get(change.key)
        if change.action is not Action.NOOP or entry is None or change.after is None:
            continue
        if entry.attributes != change.after:
            synced = synced.with_resource(change.key, replace(entry, attributes=change.after))
            record = records.refresh_record(change.key, entry.id, entry.attributes, change.after)
            audit.append(record)
    if ctx.state_on_disk and (synced != ctx.state or ctx.org_unrecorded):
        ctx.write_state(synced)


def _moved(ctx: RunContext, computed: Plan, audit: AuditTrail) -> State:
    """The state with the plan's moves made (the plan was made from this state)."""
    state = ctx.state
    for change in computed.moved:
        old = change.previous_key
        assert old is not None
        entry = state.resources.get(old)
        if entry is None or change.key in state.resources:  # the plan was made from this state
            raise IacError(f"cannot move destination.{old} to destination.{change.key} in state.")
        state = rename(state, old, change.key)
        audit.append(records.move_record(old, change.key, entry.id))
    return state


def record_blocked(ctx: RunContext, computed: Plan, audit: AuditTrail) -> None:
    for change in computed.blocked:
        audit.append(records.blocked_record(change, computed))
        ctx.metrics.observe_job(change.action.value, 0.0, ChangeResult.BLOCKED.value)


async def _run_jobs(
    ctx: RunContext,
    computed: Plan,
    client: GenesysClient,
    audit: AuditTrail,
    view: ApplyView,
    settings: ApplySettings,
    unconfigured: list[str],
) -> ApplyResult:
    from iac.apply import StateRecorder, apply_plan

    unrecordable: list[IacError] = []

    def finished(job: Job) -> None:
        ctx.metrics.observe_job(
            job.change.action.value, job.duration_seconds, records.job_result(job).value
        )
        if unrecordable:
            return  # the trail cannot be written (e.g. the state database is gone): stopping
        try:
            audit.append(records.job_record(job, computed))
        except IacError as err:
            # Stop the run with this message. The jobs still running are cancelled as the
            # run ends; they must not raise again while asyncio shuts down (a traceback).
            unrecordable.append(err)
            raise

    recorder = StateRecorder(ctx.store, ctx.state, frozenset(ctx.protected()))
    try:
        async with view.applying():
            return await apply_plan(
                computed,
                client=client,
                recorder=recorder,
                progress=view,
                on_finished=finished,
                parallelism=settings.parallelism,
                activation_timeout=settings.activation_timeout,
                job_id_prefix=ctx.run_id[:8],
                unconfigured_before=unconfigured,
                buses=_bus_client(ctx, computed, settings),
            )
    finally:
        ctx.state = recorder.state


def _bus_client(ctx: RunContext, computed: Plan, settings: ApplySettings) -> BusClient | None:
    if not any(c.bus for c in computed.actionable):
        return None
    from iac.aws.client import AwsSettings

    ctx.aws.settings = AwsSettings(source_timeout=settings.source_timeout)
    access = ctx.aws.access()
    access.settings = ctx.aws.settings
    return access
