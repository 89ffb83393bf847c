"""Applying a plan: the imperative shell that turns plan changes into Genesys calls."""

from iac.apply.applier import ApplyResult, JobResult, Progress, apply_plan
from iac.apply.recorder import StateRecorder

__all__ = ["ApplyResult", "JobResult", "Progress", "StateRecorder", "apply_plan"]
