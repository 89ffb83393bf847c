"""Command that keeps ``schemas/plan.schema.json`` in step with ``PlanDocument``.

``python -m iac.plan.plan_schema`` rewrites the committed schema; ``--check`` exits 1 when the
committed file is stale (for CI). Consumers of ``iac plan --format json`` validate against it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from iac.plan.document import PlanDocument

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


def plan_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the JSON plan document."""
    generated = PlanDocument.model_json_schema()
    # "$schema" first so the file announces its dialect before anything else.
    return {"$schema": JSON_SCHEMA_DIALECT, **generated}


def render_plan_schema() -> str:
    """The schema as committed: stable key order, 2-space indent, trailing newline."""
    return json.dumps(plan_schema(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m iac.plan.plan_schema",
        description="Regenerate (or check) the JSON Schema of JSON plan documents.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    parser.add_argument("--path", type=Path, default=SCHEMA_PATH, help="schema file location")
    args = parser.parse_args(argv)
    expected = render_plan_schema()
    if args.check:
        try:
            current = args.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != expected:
            print(
                f"{args.path} is out of date; run: python -m iac.plan.plan_schema",
                file=sys.stderr,
            )
            return 1
        print(f"{args.path} is up to date")
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(expected, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
