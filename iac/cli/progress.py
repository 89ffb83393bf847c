"""Apply progress on the terminal, in Terraform's words.

destination.orders: Creating...
destination.orders: Still creating... [10s elapsed]
destination.orders: Creation complete after 12s [id=...]
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from iac.apply.job import Job, JobStatus
from iac.vocabulary import Action

_WORDS = {
    # action: (starting, still, done, failed)
    Action.CREATE: ("Creating...", "Still creating...", "Creation complete", "Creation failed"),
    Action.UPDATE: (
        "Modifying...",
        "Still modifying...",
        "Modifications complete",
        "Modification failed",
    ),
    Action.REPLACE: (
        "Replacing...",
        "Still replacing...",
        "Replacement complete",
        "Replacement failed",
    ),
    Action.DELETE: (
        "Destroying...",
        "Still destroying...",
        "Destruction complete",
        "Destruction failed",
    ),
}


class ConsoleProgress:
    def __init__(self, echo: Callable[[str], None], still_every: float = 10.0) -> None:
        self._echo = echo
        self._still_every = still_every
        self._running: dict[str, Job] = {}

    def job_changed(self, job: Job) -> None:
        starting, _, done, failed = _WORDS[job.change.action]
        address = job.change.address
        if job.status is JobStatus.RUNNING:
            self._running[job.id] = job
            suffix = f" [id={job.change.id}]" if job.change.id else ""
            self._echo(f"{address}: {starting}{suffix}")
        elif job.status is JobStatus.WAITING:
            self._echo(f"{address}: {job.waiting_for}")
        elif job.status is JobStatus.VERIFYING:
            self._echo(f"{address}: Verifying... [id={job.genesys_id}]")
        elif job.status is JobStatus.REENABLING:
            # A write that should have restarted activation did not: disable, enable again.
            self._echo(
                f"{address}: Re-enabling (activation did not restart)... [id={job.genesys_id}]"
            )
        elif job.status is JobStatus.COMPLETED:
            self._running.pop(job.id, None)
            elapsed = f"{job.duration_seconds:.0f}s"
            self._echo(f"{address}: {done} after {elapsed} [id={job.genesys_id}]")
        elif job.status is JobStatus.FAILED:
            self._running.pop(job.id, None)
            self._echo(f"{address}: {failed} after {job.duration_seconds:.0f}s: {job.error}")

    @contextlib.asynccontextmanager
    async def ticking(self) -> AsyncIterator[None]:
        """While the block runs, say which jobs are still going every ``still_every`` s."""
        task = asyncio.create_task(self._tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._still_every)
            for job in list(self._running.values()):
                still = _WORDS[job.change.action][1]
                self._echo(
                    f"{job.change.address}: {still} [{job.duration_seconds:.0f}s elapsed]"
                )
