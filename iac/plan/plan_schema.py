"""The JSON Schema of the plan document (``schemas/plan.schema.json``, see ``iac.schemas``)."""

from __future__ import annotations

import json
from typing import Any

from iac.plan.document import PlanDocument

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def plan_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the JSON plan document."""
    generated = PlanDocument.model_json_schema()
    # "$schema" first so the file announces its dialect before anything else.
    return {"$schema": JSON_SCHEMA_DIALECT, **generated}


def render_plan_schema() -> str:
    """The schema as committed: stable key order, 2-space indent, trailing newline."""
    return json.dumps(plan_schema(), indent=2, sort_keys=False) + "\n"
