"""The applier: runs a plan's changes as concurrent asyncio jobs against Genesys.

create  = POST, PUT config, PATCH intendedState when enabled
update  = PUT config with the version read at refresh (+ PATCH when `enabled` changed)
delete  = DELETE, then confirm Genesys answers 404
replace = create the new integration, then delete the old one

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
    slots = asyncio.Semaphore(max(1, parallelism))
    finished: dict[str, asyncio.Future[bool]] = {
        c.job_id: asyncio.get_running_loop().create_future() for c in jobs
    }

    async def run(change: Change) -> JobResult:
        failed_deps = [d for d in change.depends_on if d in finished and not await finished[d]]
        if failed_deps:
            result = JobResult(
                change,
                ok=False,
                duration_seconds=0.0,
                error=f"skipped: it must wait for {', '.join(failed_deps)}, which failed",
            )
        else:
            async with slots:
                result = await _run_job(change, client, recorder, progress)
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
        finished[change.job_id].set_result(result.ok)
        return result

    results = await asyncio.gather(*(run(c) for c in jobs))
    return ApplyResult(results=tuple(results), state=recorder.state)


async def _run_job(
    change: Change, client: DestinationClient, recorder: StateRecorder, progress: Progress
) -> JobResult:
    progress.started(change)
    started = time.monotonic()
    steps = _Steps(change, client, recorder)
    try:
        genesys_id = await steps.run()
    except IacError as err:
        return JobResult(change, False, time.monotonic() - started, steps.touched, str(err))
    except Exception as err:  # a bug must not abort the other jobs or lose their state
        error = f"internal error: {type(err).__name__}: {err}"
        return JobResult(change, False, time.monotonic() - started, steps.touched, error)
    return JobResult(change, True, time.monotonic() - started, genesys_id)


class _Steps:
    """The Genesys calls of one change, saving state after each one that lands."""

    def __init__(self, change: Change, client: DestinationClient, recorder: StateRecorder):
        self.change = change
        self.client = client
        self.recorder = recorder
        self.touched: str | None = change.id

    async def run(self) -> str | None:
        action = self.change.action
        if action is Action.CREATE:
            return await self._create(deposed=self._deposed())
        if action is Action.UPDATE:
            return await self._update()
        if action is Action.REPLACE:
            return await self._replace()
        if action is Action.DELETE:
            return await self._delete()
        raise AssertionError(f"no job for {action}")

    def _deposed(self) -> tuple[str, ...]:
        entry = self.recorder.entry(self.change.key)
        return entry.deposed if entry else ()

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
        assert self.change.id is not None and self.change.before is not None
        after = self._after()
        changed = {a.name for a in self.change.attribute_changes}
        if changed - {"enabled"}:
            await self.client.configure(self.change.id, after, self.change.live_version)
        if "enabled" in changed:
            await self.client.set_enabled(self.change.id, after["enabled"])
        await self.recorder.put(
            self.change.key, ResourceState(self.change.id, after, self._deposed())
        )
        return self.change.id

    async def _replace(self) -> str:
        old_id = self.change.id
        assert old_id is not None
        new_id = await self._create(deposed=(*self._deposed(), old_id))
        try:
            await self.client.delete_integration(old_id)
        except IacError as err:
            raise IacError(
                f"created {new_id}, but deleting the old integration {old_id} failed: {err}. "
                "It stays in state as deposed; the next apply deletes it."
            ) from None
        await self.recorder.drop_deposed(self.change.key, old_id)
        return new_id

    async def _delete(self) -> str | None:
        assert self.change.id is not None
        await self.client.delete_integration(self.change.id)
        if self.change.deposed:
            await self.recorder.drop_deposed(self.change.key, self.change.id)
        else:
            await self.recorder.forget(self.change.key)
        return self.change.id

    def _after(self) -> dict[str, Any]:
        assert self.change.after is not None
        return dict(self.change.after)
