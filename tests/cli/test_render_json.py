"""``iac plan --format json`` output and its committed JSON Schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from iac_testing.plan_samples import full_plan, many_destinations, odd_values_plan

from iac.cli.render.json import render_json
from iac.plan.model import Plan
from iac.plan.plan_schema import plan_schema, render_plan_schema
from iac.schemas import main

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO_ROOT / "schemas" / "plan.schema.json"

PLANS = {
    "full": full_plan,
    "odd_values": odd_values_plan,
    "many": lambda: many_destinations(5),
    "empty": lambda: Plan(changes=()),
}


def committed_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_plan_schema(), (
        "schemas/plan.schema.json is stale: run python -m iac.schemas"
    )


def test_schema_header_and_descriptions() -> None:
    schema = plan_schema()
    assert next(iter(schema)) == "$schema"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "iac plan"
    for obj in [schema, *schema["$defs"].values()]:
        assert obj.get("description"), obj.get("title")
        assert obj["additionalProperties"] is False, obj.get("title")
        # Every key is always written, so consumers may rely on it being there.
        assert obj["required"] == list(obj["properties"]), obj.get("title")
        for name, prop in obj["properties"].items():
            assert prop.get("description"), name


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plan.schema.json"
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    assert main(["--dir", str(tmp_path)]) == 0
    assert target.read_text(encoding="utf-8") == render_plan_schema()
    assert main(["--check", "--dir", str(tmp_path)]) == 0
    target.write_text(render_plan_schema().replace("iac plan", "stale"), encoding="utf-8")
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    assert f"{target} is out of date" in capsys.readouterr().err


@pytest.mark.parametrize("name", PLANS)
def test_output_validates_against_the_committed_schema(name: str) -> None:
    committed_validator().validate(json.loads(render_json(PLANS[name]())))


def test_output_is_stable_and_ordered() -> None:
    text = render_json(full_plan())
    assert text == render_json(full_plan())
    assert text.endswith("}\n") and text.startswith('{\n  "format_version": 1,')
    data = json.loads(text)
    assert list(data) == [
        "format_version",
        "summary",
        "changes",
        "drift",
        "gates",
        "unmanaged",
        "mode",
        "targets",
        "replace_requested",
        "bus_changes",
    ]
    assert list(data["changes"][0])[:3] == ["key", "action", "id"]
    assert {c["action"] for c in data["changes"]} == {
        "create",
        "update",
        "replace",
        "delete",
        "no-op",
    }
    gate = next(g for g in data["gates"] if g["details"])
    assert gate["kind"] == "connectivity" and gate["details"]["latency_ms"] == 41.7


def _mutations() -> list[tuple[str, Any]]:
    def drop(path: list[Any]) -> Any:
        def apply(d: dict[str, Any]) -> None:
            target = d
            for step in path[:-1]:
                target = target[step]
            del target[path[-1]]

        return apply

    def set_(path: list[Any], value: Any) -> Any:
        def apply(d: dict[str, Any]) -> None:
            target = d
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value

        return apply

    return [
        ("unknown top-level key", set_(["surprise"], True)),
        ("wrong version", set_(["format_version"], 2)),
        ("missing summary", drop(["summary"])),
        ("unknown action", set_(["changes", 0, "action"], "destroy")),
        ("unknown gate outcome", set_(["gates", 0, "outcome"], "ok")),
        ("missing change key", drop(["changes", 0, "key"])),
        ("blocked_by not a list", set_(["changes", 0, "blocked_by"], "policy")),
        ("count not an integer", set_(["summary", "add"], "4")),
        ("extra key in attribute change", set_(["drift", 0, "attribute_changes", 0, "x"], 1)),
    ]


@pytest.mark.parametrize(("what", "mutate"), _mutations(), ids=[m[0] for m in _mutations()])
def test_invalid_documents_are_rejected(what: str, mutate: Any) -> None:
    data = json.loads(render_json(full_plan()))
    broken = copy.deepcopy(data)
    mutate(broken)
    errors = list(committed_validator().iter_errors(broken))
    assert errors, what
