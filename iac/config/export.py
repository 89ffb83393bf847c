"""YAML for integrations that exist in Genesys: the way to adopt an org that predates iac.

Each destination is written with the command that imports it, so export -> import -> plan
ends at "No changes". An integration whose configuration would not validate (one with no
configuration yet, as Genesys leaves a new one) is written commented out, with the reason:
there is nothing iac could manage until it is filled in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from iac.config.models import Destination
from iac.genesys.live import LiveDestination

_NOT_KEY = re.compile(r"[^A-Za-z0-9_-]+")
# The YAML is rendered by Jinja2 before parsing: text that looks like a template must be raw.
_JINJA_MARKS = ("{{", "{%", "{#")
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")


def default_import_command(key: str, integration_id: str) -> str:
    return f"iac import {key} {integration_id}"


def export_yaml(
    live: Mapping[str, LiveDestination],
    managed: Mapping[str, str],
    import_command: Callable[[str, str], str] = default_import_command,
) -> tuple[str, dict[str, str]]:
    """The YAML text, and the logical key chosen for each integration id written as a
    destination (not those written commented out: see ``incomplete``)."""
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
    written = 0
    for integration_id, key in list(keys.items()):
        destination = live[integration_id]
        # Live attributes come in the configuration's field order already.
        body = {k: v for k, v in destination.attributes.items() if v is not None}
        dumped = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, allow_unicode=True)
        problems = incomplete(destination)
        if problems:
            del keys[integration_id]
            lines.append(
                f"  # Genesys id {integration_id}: NOT EXPORTED, its configuration is incomplete "
                f"({'; '.join(problems)})."
            )
            lines.append(
                "  # Configure it in Genesys and export again, or complete and uncomment this:"
            )
            lines.append(f"  # {_yaml_key(key)}:")
            lines += [f"  #   {line}" for line in dumped.splitlines()]
            continue
        written += 1
        hint = (
            f"managed as {key}"
            if integration_id in managed
            else f"adopt with: {import_command(key, integration_id)}"
        )
        lines.append(f"  # Genesys id {integration_id}; {hint}")
        lines.append(f"  {_yaml_key(key)}:")
        lines += [f"    {line}" for line in dumped.splitlines()]
    if not written:
        lines[2] = "destinations: {}"
    text = "\n".join(lines) + "\n"
    if any(mark in text for mark in _JINJA_MARKS):
        # A value may itself hold an endraw tag: close the block there, print the tag as a
        # string expression, and reopen it.
        text = _ENDRAW.sub(lambda m: f"{{% endraw %}}{{{{ {json.dumps(m[0])} }}}}{{% raw %}}", text)
        text = "{% raw %}\n" + text + "{% endraw %}\n"
    return text, keys


def incomplete(destination: LiveDestination) -> list[str]:
    """Why the integration's attributes would not validate as a destination ([] if they do)."""
    body: dict[str, Any] = {k: v for k, v in destination.attributes.items() if v is not None}
    try:
        Destination.model_validate(body)
    except ValidationError as err:
        return [
            f"{'.'.join(str(p) for p in e['loc']) or 'destination'}: {e['msg'].lower()}"
            for e in err.errors(include_url=False)
        ]
    return []


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


__all__ = ["default_import_command", "export_yaml", "incomplete"]
