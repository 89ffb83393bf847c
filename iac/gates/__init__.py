"""Gates: checks a change must pass before it is applied, run by plan and again by apply."""

from iac.gates.runner import GateOptions, block, evaluate_gates

__all__ = ["GateOptions", "block", "evaluate_gates"]
