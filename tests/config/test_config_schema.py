"""The committed JSON Schema is current, accepts the example and rejects bad documents."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from iac.config import destinations_schema, render_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
SCHEMA_FILE = REPO_ROOT / "schemas" / "destinations.schema.json"
EXAMPLE_FILE = EXAMPLES / "destinations.yaml"


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_FILE.read_text(encoding="utf-8"))


def validator() -> jsonschema.Draft202012Validator:
    schema = destinations_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema(), (
        "schemas/destinations.schema.json is stale: run python -m iac.schemas"
    )


def test_schema_header() -> None:
    schema = destinations_schema()
    assert next(iter(schema)) == "$schema"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"]
    assert schema["required"] == ["destinations"]


def test_every_field_has_a_description() -> None:
    schema = destinations_schema()
    objects = [schema, *schema["$defs"].values()]
    for obj in objects:
        assert obj.get("description"), obj.get("title")
        for name, prop in obj["properties"].items():
            assert prop.get("description"), name


def test_example_has_schema_comment() -> None:
    first = EXAMPLE_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/destinations.schema.json"
    assert (EXAMPLE_FILE.parent / "../schemas/destinations.schema.json").resolve() == SCHEMA_FILE


def test_example_is_valid_against_schema() -> None:
    errors = list(validator().iter_errors(example()))
    assert errors == []


def _break(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(example())
    first = next(iter(doc["destinations"].values()))
    if change == "int account":
        first["aws_account_id"] = 123456789012
    elif change == "short account":
        first["aws_account_id"] = "12345"
    elif change == "bad region":
        first["aws_region"] = "us_east_1"
    elif change == "bad suffix":
        first["event_source_suffix"] = "has space"
    elif change == "bad topic":
        first["topic_filters"] = ["v3.users"]
    elif change == "no topics":
        first["topic_filters"] = []
    elif change == "blank name":
        first["name"] = "   "
    elif change == "unknown field":
        first["topic_filter"] = ["v2.a"]
    elif change == "missing field":
        del first["aws_region"]
    elif change == "bad key":
        doc["destinations"]["bad key!"] = first
    elif change == "unknown top-level":
        doc["extra"] = 1
    elif change == "string enabled":
        first["enabled"] = "yes"
    return doc


@pytest.mark.parametrize(
    "change",
    [
        "int account",
        "short account",
        "bad region",
        "bad suffix",
        "bad topic",
        "no topics",
        "blank name",
        "unknown field",
        "missing field",
        "bad key",
        "unknown top-level",
        "string enabled",
    ],
)
def test_schema_rejects_bad_documents(change: str) -> None:
    assert not validator().is_valid(_break(change))


def test_schema_rejects_missing_destinations() -> None:
    assert not validator().is_valid({})
    assert validator().is_valid({"destinations": {}})
