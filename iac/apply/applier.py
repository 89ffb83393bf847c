"""The applier: runs a plan's changes as concurrent asyncio jobs against Genesys.

create  = record the intent, POST (asking for a pending name), PUT config, PATCH
          intendedState when enabled, then verify
update  = PUT config with the version read at refresh (+ PATCH when `enabled` changed), verify;
          on an integration that stays enabled, make sure activation restarted (else cycle it)
delete  = DELETE, then confirm Genesys answers 404
replace = create and verify the new integration, then delete the old one (the other way
          round when its new AWS identity is still held by another change's integration)

Verification reads the integration back, compares it with the configuration and, for an
enabled one, waits until Genesys reports it ACTIVE. State records a change only once it is
verified; a create that fails verification is deleted again, so state keeps only what
succeeded and Genesys keeps no half-made integration. A failed job does not stop the others;
jobs that wait on it are skipped.

Before a create's POST, state records the intent (key, a pending name unique to the run and
key, the time), and the POST asks for that name: a run killed after Genesys made the
integration but before state named it leaves the next plan enough to find it and carry on
(``iac.plan.planner.resume_interrupted_creates``) rather than create a second one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from iac.apply.buses import BusClient, BusSteps
from iac.apply.job import Job, JobStatus
from iac.apply.recorder import StateRecorder
from iac.apply.scheduling import Scheduler, Skipped
from iac.apply.verification import Timing, verify
from iac.errors import IacError
from iac.genesys.errors import GenesysApiError
from iac.genesys.live import LiveDestination, attributes_from_genesys
from iac.genesys.observer import JobCalls, current_job_calls
from iac.plan.model import Action, Plan, Tally
from iac.state.model import PendingCreate, ResourceState, State
from iac.telemetry import get_logger, job_id_var

log = get_logger("apply")

# What a freshly created, not yet configured integration looks like as attributes.
_UNCONFIGURED = attributes_from_genesys(name=None, notes=None, intended_state=None, properties={})


class DestinationClient(Protocol):
    """The calls the applier needs; ``iac.genesys.client.GenesysClient`` provides them."""

    async def create_integration(self, name: str | None = None) -> str: ...

    async def configure(
        self, integration_id: str, attributes: dict[str, Any], version: int | None
    ) -> int: ...

    async def set_enabled(self, integration_id: str, enabled: bool) -> None: ...

    async def delete_integration(self, integration_id: str) -> bool: ...

    async def get_destination(self, integration_id: str) -> LiveDestination | None: ...

    async def wait_until_active(
        self, integration_id: str, timeout_seconds: float
    ) -> LiveDestination: ...


class Progress(Protocol):
    def job_changed(self, job: Job) -> None: ...


@dataclass(frozen=True)
class ApplyResult:
    jobs: tuple[Job, ...]
    state: State

    @property
    def failed(self) -> tuple[Job, ...]:
        return tuple(j for j in self.jobs if not j.ok)

    @property
    def tally(self) -> Tally:
        """What was done: the plan's tally, counting the jobs that succeeded, and the half of
        a replace that landed when the other failed (created, but the old one not deleted)."""
        done = Tally.of(j.change.action for j in self.jobs if j.ok)
        halves = [j for j in self.jobs if not j.ok and j.change.action is Action.REPLACE]
        return Tally(
            add=done.add + sum(j.created for j in halves),
            change=done.change,
            destroy=done.destroy + sum(j.deleted for j in halves),
        )


def pending_name(run_tag: str, key: str) -> str:
    """The name a create asks Genesys for: unique per run and key, so recognisable later."""
    return f"iac-pending-{run_tag}-{key}"


@dataclass(frozen=True)
class _Settings:
    timing: Timing
    run_tag: str
    unconfigured_before: tuple[str, ...] | None


async def apply_plan(
    plan: Plan,
    *,
    client: DestinationClient,
    recorder: StateRecorder,
    progress: Progress,
    on_finished: Callable[[Job], None],
    parallelism: int = 4,
    activation_timeout: float = 120.0,
    job_id_prefix: str = "job",
    restart_window: float = 5.0,
    unconfigured_before: Collection[str] | None = None,
    buses: BusClient | None = None,
) -> ApplyResult:
    """Apply the plan's unblocked changes; ``on_finished`` sees each job once it has ended.

    ``job_id_prefix`` (the run's id, shortened) also makes each create's pending name unique.
    ``unconfigured_before``: the integrations unconfigured when the plan was made (None: not
    known); each create's intent records them (see ``PendingCreate``). ``buses``: the AWS
    side of the plan's partner event bus changes (``iac.apply.buses``).
    """
    changes = plan.actionable
    known = None if unconfigured_before is None else tuple(sorted(unconfigured_before))
    settings = _Settings(Timing(activation_timeout, restart_window), job_id_prefix, known)
    scheduler = Scheduler(changes, parallelism)
    jobs = [Job(id=f"{job_id_prefix}-{n}", change=c) for n, c in enumerate(changes, 1)]

    async def run(job: Job) -> Job:
        calls = JobCalls()
        # Set in this task's context: its API calls and log lines are attributed to the job.
        current_job_calls.set(calls)
        job_id_var.set(job.id)
        steps: _Steps | BusSteps = (
            BusSteps(job, buses, recorder, scheduler, lambda s: _set_status(job, s, progress))
            if job.change.bus
            else _Steps(job, client, recorder, scheduler, progress, settings)
        )
        try:
            await steps.run()
            _set_status(job, JobStatus.COMPLETED, progress)
        except (IacError, Skipped) as err:
            job.error = str(err)
        except Exception as err:  # a bug must not abort the other jobs or lose their state
            job.error = f"internal error: {type(err).__name__}: {err}"
        except asyncio.CancelledError:
            # Ctrl-C: the steps that landed are in state; the trail must show the cut too.
            job.error = "interrupted before it finished; state records the steps that landed"
            job.attempts, job.retries = calls.requests, calls.retries
            _set_status(job, JobStatus.FAILED, progress)
            on_finished(job)
            raise
        job.attempts, job.retries = calls.requests, calls.retries
        if job.error is not None:
            _set_status(job, JobStatus.FAILED, progress)
        scheduler.release(job.change, job.ok)
        on_finished(job)
        return job

    finished = await asyncio.gather(*(run(j) for j in jobs))
    return ApplyResult(jobs=tuple(finished), state=recorder.state)


def _activated(found: LiveDestination | None) -> bool:
    return found is not None and found.reported_state in ("ACTIVE", "ACTIVATING")


def _set_status(job: Job, status: JobStatus, progress: Progress) -> None:
    now = time.monotonic()
    if job.started_at is None:
        job.started_at = now
    if status in (JobStatus.COMPLETED, JobStatus.FAILED):
        job.finished_at = now
    job.status = status
    log.log(
        logging.WARNING if status is JobStatus.FAILED else logging.INFO,
        "job %s",
        status.value,
        extra={
            "action": job.change.action.value,
            "key": job.change.key,
            "genesys_id": job.genesys_id,
            "error": job.error,
        },
    )
    progress.job_changed(job)


class _Steps:
    """The Genesys calls of one change, saving state after each one that lands."""

    def __init__(
        self,
        job: Job,
        client: DestinationClient,
        recorder: StateRecorder,
        scheduler: Scheduler,
        progress: Progress,
        settings: _Settings,
    ) -> None:
        self.job = job
        self.change = job.change
        self.client = client
        self.recorder = recorder
        self.scheduler = scheduler
        self.progress = progress
        self.settings = settings

    async def run(self) -> None:
        change = self.change
        await self.scheduler.wait_for(change.depends_on, "it must wait for")
        if change.action is Action.REPLACE and change.destroy_before_create:
            async with self.scheduler.slots:
                self._status(JobStatus.RUNNING)
                await self._delete_old()
            try:
                await self._wait_for_identity()
            except Skipped as err:
                # Not a skip: the old integration is already gone, and the user must know.
                raise IacError(
                    f"deleted the old integration {self._old_id()}, then skipped creating the "
                    f"new one: {str(err).removeprefix('skipped: ')}. The next apply creates it."
                ) from None
            async with self.scheduler.slots:
                await self._create(restore=None)
            return
        await self._wait_for_identity()
        async with self.scheduler.slots:
            self._status(JobStatus.RUNNING)
            if change.action is Action.CREATE:
                await self._create(restore=self.recorder.entry(change.key))
            elif change.action is Action.UPDATE:
                await self._update()
            elif change.action is Action.REPLACE:
                original = self.recorder.entry(change.key)
                new_id = await self._create(restore=original)
                await self._delete_old(new_id)
            else:
                await self._delete()

    def _status(self, status: JobStatus) -> None:
        _set_status(self.job, status, self.progress)

    async def _verify(
        self,
        integration_id: str,
        after: dict[str, Any],
        restarting_from: LiveDestination | None = None,
    ) -> None:
        await verify(
            self.client,
            self.job,
            integration_id,
            after,
            timing=self.settings.timing,
            set_status=self._status,
            restarting_from=restarting_from,
        )

    async def _wait_for_identity(self) -> None:
        if self.change.waits_for_identity:
            await self.scheduler.wait_for(
                (self.change.waits_for_identity,), "its AWS identity is freed by"
            )

    def _deposed(self) -> tuple[str, ...]:
        entry = self.recorder.entry(self.change.key)
        return entry.deposed if entry else ()

    def _old_id(self) -> str:
        assert self.change.id is not None
        return self.change.id

    async def _create(self, restore: ResourceState | None) -> str:
        """POST, configure, enable and verify; on a failed verification, undo the POST."""
        after = self._after()
        deposed = self._deposed()
        if self.change.action is Action.REPLACE and not self.change.destroy_before_create:
            deposed = (*deposed, self._old_id())
        new_id = await self._post()
        self.job.touch(new_id)
        # Saved before configuring (settling the intent): if the next step dies with the
        # process, the next plan finds this integration instead of creating a second one.
        await self.recorder.put(
            self.change.key, ResourceState(new_id, _UNCONFIGURED, deposed, verified=False)
        )
        try:
            await self.client.configure(new_id, after, version=None)
            if after["enabled"]:
                await self.client.set_enabled(new_id, True)
            await self._verify(new_id, after)
        except IacError as err:
            await self._undo_create(new_id, restore, err)
            raise IacError(f"{err}; the new integration {new_id} was deleted again") from None
        await self.recorder.put(self.change.key, ResourceState(new_id, after, deposed))
        self.job.created = True
        return new_id

    async def _post(self) -> str:
        """The create's POST, with its intent recorded first."""
        key = self.change.key
        pending = PendingCreate(
            pending_name(self.settings.run_tag, key),
            since=datetime.now(timezone.utc),
            unconfigured_before=self.settings.unconfigured_before,
        )
        await self.recorder.intend_create(key, pending)
        try:
            return await self.client.create_integration(name=pending.name)
        except GenesysApiError as err:
            if not err.maybe_committed:  # certainly made nothing: nothing for a plan to find
                await self.recorder.drop_pending(key)
            raise

    async def _undo_create(self, new_id: str, restore: ResourceState | None, err: IacError) -> None:
        try:
            await self.client.delete_integration(new_id)
        except IacError as undo_err:
            raise IacError(
                f"{err}; deleting the new integration {new_id} again also failed ({undo_err}): "
                "it stays in state, and the next plan configures it"
            ) from None
        if restore is None:
            await self.recorder.forget(self.change.key)
        else:
            await self.recorder.put(self.change.key, restore)

    async def _update(self) -> None:
        integration_id = self._old_id()
        after = self._after()
        changed = {a.name for a in self.change.attribute_changes}
        configures = bool(changed - {"enabled"})
        # Enabled before and after: a write must restart activation, which Genesys may not
        # do. What it reports before the write tells whether it did.
        before = None
        if after["enabled"] and "enabled" not in changed:
            before = await self.client.get_destination(integration_id)
        # With nothing to change, the plan asked for a verification (an unverified or failed
        # activation): enabling again should restart one that ended in ERROR; one ACTIVE or
        # activating needs no write at all.
        reenables = not changed and after["enabled"] and not _activated(before)
        if configures:
            await self.client.configure(integration_id, after, self.change.live_version)
        if "enabled" in changed or reenables:
            await self.client.set_enabled(integration_id, after["enabled"])
        watched = before if configures or reenables else None
        await self._verify(integration_id, after, restarting_from=watched)
        await self.recorder.put(
            self.change.key, ResourceState(integration_id, after, self._deposed())
        )

    async def _delete_old(self, new_id: str | None = None) -> None:
        """The old side of a replace: after the new one exists, or first when it must be."""
        old_id = self._old_id()
        try:
            await self.client.delete_integration(old_id)
        except IacError as err:
            if new_id is None:
                raise
            raise IacError(
                f"created {new_id}, but deleting the old integration {old_id} failed: {err}. "
                "It stays in state as deposed; the next apply deletes it."
            ) from None
        self.job.deleted = True
        if new_id is None:
            await self.recorder.forget(self.change.key)
        else:
            await self.recorder.drop_deposed(self.change.key, old_id)
        self.scheduler.release(self.change)

    async def _delete(self) -> None:
        integration_id = self._old_id()
        await self.client.delete_integration(integration_id)
        if self.change.deposed:
            await self.recorder.drop_deposed(self.change.key, integration_id)
        else:
            await self.recorder.forget(self.change.key)
        self.scheduler.release(self.change)

    def _after(self) -> dict[str, Any]:
        assert self.change.after is not None
        return dict(self.change.after)
