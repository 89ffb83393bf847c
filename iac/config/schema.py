"""Command that keeps ``schemas/destinations.schema.json`` in step with the models.

``python -m iac.config.schema`` rewrites the committed schema; ``--check`` exits 1 when the
committed file is stale (for CI). Editors pick the schema up through the
``# yaml-language-server: $schema=...`` comment at the top of each YAML file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iac.config.json_schema import render_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "destinations.schema.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m iac.config.schema",
        description="Regenerate (or check) the JSON Schema of destinations files.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    parser.add_argument("--path", type=Path, default=SCHEMA_PATH, help="schema file location")
    args = parser.parse_args(argv)
    expected = render_schema()
    if args.check:
        try:
            current = args.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != expected:
            print(
                f"{args.path} is out of date; run: python -m iac.config.schema",
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
