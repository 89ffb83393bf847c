"""Planning: a pure diff of desired vs state vs live, and its renderings."""

from iac.plan.model import Action, AttributeChange, Change, Drift, Plan, PlanMode, Unmanaged
from iac.plan.planner import plan, prevent_destroy_violations
from iac.plan.request import PlanRequest, plan_for

__all__ = [
    "Action",
    "AttributeChange",
    "Change",
    "Drift",
    "Plan",
    "PlanMode",
    "PlanRequest",
    "Unmanaged",
    "plan",
    "plan_for",
    "prevent_destroy_violations",
]
