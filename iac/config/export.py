"""YAML for integrations that exist in Genesys: the way to adopt an org that predates iac.

Each destination is written with the command that imports it, so export -> import -> plan
ends at "No changes".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import yaml

from iac.genesys.live import LiveDestination

_NOT_KEY = re.compile(r"[^A-Za-z0-9_-]+")
# The YAML is rendered by Jinja2 before parsing: text that looks like a template must be raw.
_JINJA_MARKS = ("{{", "{%", "{#")
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")


def export_yaml(
    live: Mapping[str, LiveDestination], managed: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The YAML text, and the logical key chosen for each integration id."""
    keys: dict[str, str] = {}
    taken: set[str] = set(managed.values())
    for integration_id in sorted(live, key=lambda i: _sort_key(live[i])):
        key = managed.get(integration_id) or _unique(_slug(live[integration_id]), taken)
        taken.add(key)
        keys[integration_id] = key
    lines = [
        "# yaml-language-server: $schema=../schemas/destinations.schema.json",
        "# Written by `iac export` from the integrations in Genesys Cloud.",
        "destinations:",
    ]
    for integration_id, key in keys.items():
        destination = live[integration_id]
        # Live attributes come in the configuration's field order already.
        body = {k: v for k, v in destination.attributes.items() if v is not None}
        hint = (
            f"managed as {key}"
            if integration_id in managed
            else f"adopt with: iac import {key} {integration_id}"
        )
        lines.append(f"  # Genesys id {integration_id}; {hint}")
        lines.append(f"  {_yaml_key(key)}:")
        dumped = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, allow_unicode=True)
        lines += [f"    {line}" for line in dumped.splitlines()]
    if len(lines) == 3:
        lines[-1] = "destinations: {}"
    text = "\n".join(lines) + "\n"
    if any(mark in text for mark in _JINJA_MARKS):
        # A value may itself hold an endraw tag: close the block there, print the tag as a
        # string expression, and reopen it.
        text = _ENDRAW.sub(lambda m: f"{{% endraw %}}{{{{ {json.dumps(m[0])} }}}}{{% raw %}}", text)
        text = "{% raw %}\n" + text + "{% endraw %}\n"
    return text, keys


def _yaml_key(key: str) -> str:
    # A suffix such as 123, true or null would come back from YAML as a number or a boolean.
    return key if yaml.safe_load(key) == key else json.dumps(key)


def _sort_key(destination: LiveDestination) -> tuple[str, str]:
    return (str(destination.attributes.get("event_source_suffix") or ""), destination.id)


def _slug(destination: LiveDestination) -> str:
    base = destination.attributes.get("event_source_suffix") or destination.attributes.get("name")
    slug = _NOT_KEY.sub("-", str(base or "destination")).strip("-_").lower()[:56]
    return slug if slug and slug[0].isalnum() else f"d-{slug}".rstrip("-")


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


__all__ = ["export_yaml"]
