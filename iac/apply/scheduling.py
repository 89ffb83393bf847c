"""Scheduling the jobs of one apply: parallelism slots, and the jobs each one waits for."""

from __future__ import annotations

import asyncio

from iac.plan.model import Change


class Skipped(Exception):
    pass


class Scheduler:
    """Parallelism slots, and a signal per job for when its old integration is gone.

    Jobs wait for each other outside their slot, so a waiting job never blocks the one it
    waits for, whatever ``--parallelism`` is.
    """

    def __init__(self, changes: tuple[Change, ...], parallelism: int) -> None:
        self.slots = asyncio.Semaphore(max(1, parallelism))
        loop = asyncio.get_running_loop()
        self._released: dict[str, asyncio.Future[bool]] = {
            c.job_id: loop.create_future() for c in changes
        }

    def release(self, change: Change, ok: bool = True) -> None:
        future = self._released[change.job_id]
        if not future.done():
            future.set_result(ok)

    async def wait_for(self, job_ids: tuple[str, ...], why: str) -> None:
        failed = [j for j in job_ids if j in self._released and not await self._released[j]]
        if failed:
            raise Skipped(f"skipped: {why} {', '.join(failed)}, which failed")
