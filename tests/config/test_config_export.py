"""Exported YAML must load back as exactly what Genesys holds, whatever the values hold."""

from __future__ import annotations

from pathlib import Path

from iac.config import load_config
from iac.config.export import export_yaml
from iac.genesys.live import LiveDestination


def live(integration_id: str, suffix: str, **attributes: object) -> LiveDestination:
    base = {
        "name": "Orders",
        "aws_account_id": "012345678901",
        "aws_region": "us-east-1",
        "event_source_suffix": suffix,
        "topic_filters": ["v2.users.{id}.activity"],
        "enabled": True,
        "notes": None,
    }
    return LiveDestination(integration_id, {**base, **attributes}, version=1)


def test_round_trip_of_hostile_values_and_keys(tmp_path: Path) -> None:
    integrations = {
        "a": live("a", "123", name="N {{ x }}", notes="a: {% endraw %} b {%- endraw -%} ü"),
        "b": live("b", "true", notes="quotes ' \" and # not a comment"),
        "c": live("c", "on", enabled=False),
    }
    text, keys = export_yaml(integrations, managed={})
    (tmp_path / "exported.yaml").write_text(text)
    loaded = load_config(tmp_path).destinations
    assert keys == {"a": "123", "c": "on", "b": "true"}
    for integration_id, key in keys.items():
        assert loaded[key].attributes() == integrations[integration_id].attributes


def test_managed_integrations_keep_their_key_and_others_get_the_import_command() -> None:
    text, keys = export_yaml({"x": live("x", "orders"), "y": live("y", "audit")}, {"x": "mine"})
    assert keys == {"y": "audit", "x": "mine"}
    assert "# Genesys id y; adopt with: iac import audit y" in text
    assert "# Genesys id x; managed as mine" in text
