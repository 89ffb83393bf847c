"""What ``iac state list``, ``show``, ``rm`` and ``mv`` print, as plain strings."""

from __future__ import annotations

import json
from typing import Any

from iac.run.surgery import StateView, SurgeryOutcome
from iac.state.model import ResourceState


def render_list(view: StateView, ids: tuple[str, ...] = ()) -> str:
    """One address a line, sorted (Terraform's ``state list``); ``ids`` keeps only those."""
    assert view.state is not None
    return "".join(
        f"destination.{key}\n"
        for key, entry in sorted(view.state.resources.items())
        if not ids or entry.id in ids
    )


def list_json(view: StateView, ids: tuple[str, ...] = ()) -> str:
    assert view.state is not None
    rows = [
        {"key": key, "address": f"destination.{key}", "id": entry.id}
        for key, entry in sorted(view.state.resources.items())
        if not ids or entry.id in ids
    ]
    return json.dumps(rows, indent=2) + "\n"


def render_entry(key: str, entry: ResourceState) -> str:
    """Terraform's ``state show``: the address, then the attributes as state holds them."""
    names = ["id", *entry.attributes]
    width = max(len(n) for n in names)
    lines = [f"# destination.{key}:"]
    if not entry.verified:
        lines.append("# (not verified: made by an apply cut off before it verified it)")
    if entry.deposed:
        lines.append(f"# (deposed, to be deleted by the next apply: {', '.join(entry.deposed)})")
    if entry.prevent_destroy:
        lines.append("# (prevent_destroy)")
    lines.append(f'destination "{key}" {{')
    lines.append(f"    {'id':<{width}} = {json.dumps(entry.id)}")
    for name, value in entry.attributes.items():
        if isinstance(value, list) and len(value) > 1:
            lines.append(f"    {name:<{width}} = [")
            lines += [f"        {json.dumps(v, ensure_ascii=False)}," for v in value]
            lines.append("    ]")
        else:
            lines.append(f"    {name:<{width}} = {json.dumps(value, ensure_ascii=False)}")
    lines.append("}")
    if entry.bus is not None:
        bus = entry.bus.attributes()
        lines.append(f"# destination.{key}.aws_event_bus:")
        lines.append(f'aws_event_bus "{key}" {{')
        lines += [f"    {n:<14} = {json.dumps(v, ensure_ascii=False)}" for n, v in bus.items()]
        lines.append("}")
    return "\n".join(lines) + "\n"


def entry_json(key: str, entry: ResourceState) -> str:
    data: dict[str, Any] = {
        "key": key,
        "address": f"destination.{key}",
        "id": entry.id,
        "attributes": entry.attributes,
        "deposed": list(entry.deposed),
        "prevent_destroy": entry.prevent_destroy,
        "verified": entry.verified,
    }
    if entry.bus is not None:
        data["aws_event_bus"] = entry.bus.attributes()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_surgery(outcome: SurgeryOutcome) -> str:
    lines = []
    would = "Would remove" if outcome.written is None else "Removed"
    for f in outcome.forgotten:
        line = f"{would} destination.{f.key} (integration {f.entry.id}): Genesys keeps it."
        if f.entry.deposed:
            line += (
                f" Its deposed integrations {', '.join(f.entry.deposed)} are forgotten too, "
                "and stay in Genesys."
            )
        lines.append(line)
    if outcome.moved is not None:
        old, new = outcome.moved
        verb = "Would move" if outcome.written is None else "Move"
        lines.append(f'{verb} "destination.{old}" to "destination.{new}"')
    if outcome.written is None:
        lines.append(f"Dry run: {outcome.where} was not changed (serial {outcome.serial}).")
        return "\n".join(lines) + "\n"
    if outcome.forgotten:
        lines.append(f"Successfully removed {len(outcome.forgotten)} destination(s).")
    else:
        lines.append("Successfully moved 1 destination.")
    lines.append(
        f"State {outcome.where}: serial {outcome.serial} -> {outcome.written}; the previous "
        f"version is kept {outcome.kept_where}. The audit trail records it."
    )
    if outcome.forgotten:
        keys = [f.key for f in outcome.forgotten]
        lines.append(
            "Remove them from the configuration too, or the next apply creates them again; "
            "to manage an integration again: "
            + "; ".join(f"iac import {f.key} {f.entry.id}" for f in outcome.forgotten[:3])
            + (" ..." if len(keys) > 3 else "")
        )
    elif outcome.moved is not None:
        old, new = outcome.moved
        lines.append(
            f"Rename {old!r} to {new!r} in the configuration too (a moved: entry in the YAML "
            "does both in one reviewed change)."
        )
    return "\n".join(lines) + "\n"
