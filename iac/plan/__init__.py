"""Planning: a pure diff of desired vs state vs live, and its renderings."""

from iac.plan.model import Action, AttributeChange, Change, Drift, Plan, Unmanaged
from iac.plan.planner import plan, prevent_destroy_violations

__all__ = [
    "Action",
    "AttributeChange",
    "Change",
    "Drift",
    "Plan",
    "Unmanaged",
    "plan",
    "prevent_destroy_violations",
]
