"""JSON Schema of a destinations file, generated from the models so the two cannot drift."""

from __future__ import annotations

import json
from typing import Any

from iac.config.models import DestinationsFile

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def destinations_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one YAML file of destinations."""
    generated = DestinationsFile.model_json_schema()
    # "$schema" first so the file announces its dialect before anything else.
    return {"$schema": JSON_SCHEMA_DIALECT, **generated}


def render_schema() -> str:
    """The schema as committed: stable key order, 2-space indent, trailing newline."""
    return json.dumps(destinations_schema(), indent=2, sort_keys=False) + "\n"
