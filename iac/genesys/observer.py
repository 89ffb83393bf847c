"""What the Genesys client reports while it works: per-request counts and retries.

A small protocol instead of a metrics dependency, so the client stays usable without
telemetry; ``current_job_calls`` lets the applier count the requests each job made (asyncio
tasks and ``to_thread`` copy context, so a job's calls are attributed to it).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol


class CallObserver(Protocol):
    def count_api(self, method: str, status: int | None) -> None: ...

    def count_retry(self, throttled: bool) -> None: ...


@dataclass
class JobCalls:
    requests: int = 0
    retries: int = 0


current_job_calls: ContextVar[JobCalls | None] = ContextVar("current_job_calls", default=None)
