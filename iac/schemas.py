"""The JSON Schemas committed in ``schemas/``, regenerated from the pydantic models.

``python -m iac.schemas`` rewrites them; ``--check`` exits 1 naming any that is stale (tests
run the same comparison). Editors find the destinations schema through the
``# yaml-language-server: $schema=...`` comment of each YAML file; consumers of
``iac plan --format json`` validate against the plan schema.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


def committed() -> dict[str, Callable[[], str]]:
    """File name in ``schemas/`` -> the function rendering its expected text."""
    from iac.config.json_schema import render_schema
    from iac.plan.plan_schema import render_plan_schema

    return {"destinations.schema.json": render_schema, "plan.schema.json": render_plan_schema}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m iac.schemas",
        description="Regenerate (or check) the JSON Schemas in schemas/.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="schemas folder")
    args = parser.parse_args(argv)
    stale = 0
    for name, render in committed().items():
        path, expected = args.dir / name, render()
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != expected:
                print(f"{path} is out of date; run: python -m iac.schemas", file=sys.stderr)
                stale += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected, encoding="utf-8")
        print(f"wrote {path}")
    if args.check and not stale:
        print(f"{args.dir}: every schema is up to date")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
