"""A job: one change being applied, with its status, timings and the Genesys ids it touched."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from iac.plan.model import Change


class JobStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    VERIFYING = "verifying"
    # Waiting for something outside iac's hands (``Job.waiting_for`` says what): e.g. the
    # partner event source Genesys makes in the AWS account.
    WAITING = "waiting"
    # Verifying, after a write that should have restarted activation did not: the job
    # disables and enables the integration again.
    REENABLING = "re-enabling"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass
class Job:
    id: str
    change: Change
    status: JobStatus = JobStatus.PENDING
    # HTTP requests the job made (retries included) and how many of them were retries.
    attempts: int = 0
    retries: int = 0
    started_at: float | None = None  # monotonic
    finished_at: float | None = None
    genesys_ids: list[str] = field(default_factory=list)
    error: str | None = None
    # The read-back check after the writes: {"status": "verified"|"failed", "message": ...}.
    verification: dict[str, Any] | None = None
    # The halves of a replace that landed, for a job that failed in the other one: its new
    # integration was created and verified / its old one deleted.
    created: bool = False
    deleted: bool = False
    waiting_for: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is JobStatus.COMPLETED

    @property
    def duration_seconds(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at or time.monotonic()) - self.started_at

    @property
    def genesys_id(self) -> str | None:
        """The integration the change leaves behind (the new one for a create or replace)."""
        return self.genesys_ids[-1] if self.genesys_ids else self.change.id

    def touch(self, integration_id: str) -> None:
        if integration_id not in self.genesys_ids:
            self.genesys_ids.append(integration_id)
