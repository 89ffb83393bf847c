"""The plan as JSON for machines: the versioned ``PlanDocument`` (see schemas/plan.schema.json)."""

from __future__ import annotations

from iac.plan.document import to_document
from iac.plan.model import Plan


def render_json(plan: Plan) -> str:
    # Keys come out in model declaration order, so the output is stable across runs.
    return to_document(plan).model_dump_json(indent=2) + "\n"
