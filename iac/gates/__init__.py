"""Gates: checks a change must pass before it is applied, run by plan and again by apply."""

from iac.gates.policy import Policy, load_policy
from iac.gates.runner import GateOptions, block, evaluate_gates

__all__ = ["GateOptions", "Policy", "block", "evaluate_gates", "load_policy"]
