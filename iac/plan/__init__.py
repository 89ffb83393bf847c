"""Planning: a pure diff of desired vs state vs live, and its renderings."""

from iac.plan.model import Action, AttributeChange, Change, Drift, Plan
from iac.plan.planner import plan

__all__ = ["Action", "AttributeChange", "Change", "Drift", "Plan", "plan"]
