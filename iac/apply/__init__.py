"""Applying a plan: the imperative shell that turns plan changes into Genesys calls."""

from iac.apply.applier import ApplyResult, Progress, apply_plan
from iac.apply.job import Job, JobStatus
from iac.apply.recorder import StateRecorder

__all__ = ["ApplyResult", "Job", "JobStatus", "Progress", "StateRecorder", "apply_plan"]
