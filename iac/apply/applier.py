"""The applier: runs a plan's changes as concurrent asyncio jobs against Genesys.

create  = POST, PUT config, PATCH intendedState when enabled
update  = PUT config with the version read at refresh (+ PATCH when `enabled` changed)
delete  = DELETE, then confirm Genesys answers 404
replace = create the new integration, then delete the old one (the other way round when
          its new AWS identity is still held by another change's integration)

Each step's outcome is saved to state as soon as it lands, and each change leaves one audit
record. A failed job does not stop the others; jobs that depend on it are skipped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

from iac.apply.recorder import StateRecorder
from iac.audit import AuditLog, AuditRecord
from iac.errors import IacError
from iac.genesys.live import attributes_from_genesys
from iac.plan.model import Action, Change, Plan
from iac.state.model import ResourceState, State

# What a freshly created, not yet configured integration looks like as attributes.
_UNCONFIGURED = attributes_from_genesys(name=None, notes=None, intended_state=None, properties={})


class DestinationClient(Protocol):
    """The writes the applier needs; ``iac.genesys.client.GenesysClient`` provides them."""

    async def create_integration(self) -> str: ...

    async def configure(
        self, integration_id: str, attributes: dict[str, Any], version: int | None
    ) -> int: ...

    async def set_enabled(self, integration_id: str, enabled: bool) -> None: ...

    async def delete_integration(self, integration_id: str) -> bool: ...


class Progress(Protocol):
    def started(self, change: Change) -> None: ...

    def finished(self, change: Change, result: JobResult) -> None: ...


@dataclass(frozen=True)
class JobResult:
    change: Change
    ok: bool
    duration_seconds: float
    genesys_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ApplyResult:
    results: tuple[JobResult, ...]
    state: State

    @property
    def failed(self) -> tuple[JobResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    def counts(self) -> dict[str, int]:
        done = [r.change.action for r in self.results if r.ok]
        return {
            "added": sum(a in (Action.CREATE, Action.REPLACE) for a in done),
            "changed": sum(a is Action.UPDATE for a in done),
            "destroyed": sum(a in (Action.DELETE, Action.REPLACE) for a in done),
        }


class _Skipped(Exception):
    pass


class _Scheduler:
    """Parallelism slots, and a signal per job for when its old integration is gone.

    Jobs wait for each other outside their slot, so a waiting job never blocks the one it
    waits for, whatever ``--parallelism`` is.
    """

    def __init__(self, jobs: tuple[Change, ...], parallelism: int) -> None:
        self.slots = asyncio.Semaphore(max(1, parallelism))
        loop = asyncio.get_running_loop()
        self._released: dict[str, asyncio.Future[bool]] = {
            c.job_id: loop.create_future() for c in jobs
        }

    def release(self, change: Change, ok: bool = True) -> None:
        future = self._released[change.job_id]
        if not future.done():
            future.set_result(ok)

    async def wait_for(self, job_ids: tuple[str, ...], why: str) -> None:
        failed = [j for j in job_ids if j in self._released and not await self._released[j]]
        if failed:
            raise _Skipped(f"skipped: {why} {', '.join(failed)}, which failed")


async def apply_plan(
    plan: Plan,
    *,
    client: DestinationClient,
    recorder: StateRecorder,
    audit: AuditLog,
    progress: Progress,
    parallelism: int = 4,
) -> ApplyResult:
    jobs = plan.actionable
    scheduler = _Scheduler(jobs, parallelism)

    async def run(change: Change) -> JobResult:
        result = await _run_job(change, client, recorder, scheduler, progress)
        scheduler.release(change, result.ok)
        audit.append(
            AuditRecord(
                action=change.action.value,
                key=change.key,
                genesys_id=result.genesys_id or change.id,
                before=change.before,
                after=change.after,
                result="succeeded" if result.ok else "failed",
                error=result.error,
                duration_seconds=result.duration_seconds,
            )
        )
        progress.finished(change, result)
        return result

    results = await asyncio.gather(*(run(c) for c in jobs))
    return ApplyResult(results=tuple(results), state=recorder.state)


async def _run_job(
    change: Change,
    client: DestinationClient,
    recorder: StateRecorder,
    scheduler: _Scheduler,
    progress: Progress,
) -> JobResult:
    steps = _Steps(change, client, recorder, scheduler, progress)
    started = time.monotonic()
    try:
        genesys_id = await steps.run()
    except (IacError, _Skipped) as err:
        return JobResult(change, False, time.monotonic() - started, steps.touched, str(err))
    except Exception as err:  # a bug must not abort the other jobs or lose their state
        error = f"internal error: {type(err).__name__}: {err}"
        return JobResult(change, False, time.monotonic() - started, steps.touched, error)
    return JobResult(change, True, time.monotonic() - started, genesys_id)


class _Steps:
    """The Genesys calls of one change, saving state after each one that lands."""

    def __init__(
        self,
        change: Change,
        client: DestinationClient,
        recorder: StateRecorder,
        scheduler: _Scheduler,
        progress: Progress,
    ) -> None:
        self.change = change
        self.client = client
        self.recorder = recorder
        self.scheduler = scheduler
        self.progress = progress
        self.touched: str | None = change.id

    async def run(self) -> str | None:
        change = self.change
        await self.scheduler.wait_for(change.depends_on, "it must wait for")
        if change.action is Action.REPLACE and change.destroy_before_create:
            async with self.scheduler.slots:
                self.progress.started(change)
                await self._delete_old()
            await self._wait_for_identity()
            async with self.scheduler.slots:
                return await self._create(deposed=self._deposed())
        await self._wait_for_identity()
        async with self.scheduler.slots:
            self.progress.started(change)
            if change.action is Action.CREATE:
                return await self._create(deposed=self._deposed())
            if change.action is Action.UPDATE:
                return await self._update()
            if change.action is Action.REPLACE:
                new_id = await self._create(deposed=(*self._deposed(), self._old_id()))
                await self._delete_old(new_id)
                return new_id
            return await self._delete()

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

    async def _create(self, deposed: tuple[str, ...]) -> str:
        after = self._after()
        new_id = await self.client.create_integration()
        self.touched = new_id
        # Saved before configuring: if the next step fails, the next plan updates this
        # integration instead of creating a second one.
        await self.recorder.put(self.change.key, ResourceState(new_id, _UNCONFIGURED, deposed))
        await self.client.configure(new_id, after, version=None)
        if after["enabled"]:
            await self.client.set_enabled(new_id, True)
        await self.recorder.put(self.change.key, ResourceState(new_id, after, deposed))
        return new_id

    async def _update(self) -> str:
        integration_id = self._old_id()
        after = self._after()
        changed = {a.name for a in self.change.attribute_changes}
        if changed - {"enabled"}:
            await self.client.configure(integration_id, after, self.change.live_version)
        if "enabled" in changed:
            await self.client.set_enabled(integration_id, after["enabled"])
        await self.recorder.put(
            self.change.key, ResourceState(integration_id, after, self._deposed())
        )
        return integration_id

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
        if new_id is None:
            await self.recorder.forget(self.change.key)
        else:
            await self.recorder.drop_deposed(self.change.key, old_id)
        self.scheduler.release(self.change)

    async def _delete(self) -> str:
        integration_id = self._old_id()
        await self.client.delete_integration(integration_id)
        if self.change.deposed:
            await self.recorder.drop_deposed(self.change.key, integration_id)
        else:
            await self.recorder.forget(self.change.key)
        self.scheduler.release(self.change)
        return integration_id

    def _after(self) -> dict[str, Any]:
        assert self.change.after is not None
        return dict(self.change.after)
