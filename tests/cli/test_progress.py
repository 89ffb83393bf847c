"""Apply progress in Terraform's words, including the periodic "Still creating..." line."""

from __future__ import annotations

import asyncio

from iac.apply.job import Job, JobStatus
from iac.cli.progress import ConsoleProgress
from iac.plan.model import Action, Change


def job(action: Action = Action.CREATE, key: str = "orders") -> Job:
    change = Change(
        key=key,
        action=action,
        id=None if action is Action.CREATE else "old-id",
        before=None,
        after={"name": "x"},
    )
    return Job(id="job-1", change=change)


def test_lifecycle_lines() -> None:
    lines: list[str] = []
    progress = ConsoleProgress(lines.append)
    j = job()
    j.status, j.started_at = JobStatus.RUNNING, 0.0
    progress.job_changed(j)
    j.touch("new-id")  # the POST answered
    j.status = JobStatus.VERIFYING
    progress.job_changed(j)
    j.status, j.finished_at = JobStatus.COMPLETED, 31.2
    progress.job_changed(j)
    assert lines == [
        "destination.orders: Creating...",
        "destination.orders: Verifying... [id=new-id]",
        "destination.orders: Creation complete after 31s [id=new-id]",
    ]


def test_still_running_lines_while_a_job_runs_and_none_after() -> None:
    lines: list[str] = []
    progress = ConsoleProgress(lines.append, still_every=0.05)
    j = job(Action.DELETE)

    async def scenario() -> None:
        async with progress.ticking():
            j.status = JobStatus.RUNNING
            j.started_at = asyncio.get_running_loop().time()
            progress.job_changed(j)
            await asyncio.sleep(0.18)
            j.status, j.error = JobStatus.FAILED, "HTTP 500"
            j.finished_at = j.started_at + 0.18
            progress.job_changed(j)
            await asyncio.sleep(0.12)

    asyncio.run(scenario())
    still = [line for line in lines if "Still destroying..." in line]
    assert 2 <= len(still) <= 4
    assert lines[0] == "destination.orders: Destroying... [id=old-id]"
    assert lines[-1] == "destination.orders: Destruction failed after 0s: HTTP 500"
