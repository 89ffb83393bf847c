"""What ``iac state push``/``pull`` and ``iac workspace list`` print, as plain strings."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from iac.run.moving import MoveOutcome
from iac.run.workspaces import WorkspaceListing
from iac.state.model import StoredWorkspace


def render_move(outcome: MoveOutcome) -> str:
    state = f"serial {outcome.state.serial} of lineage {outcome.state.lineage}"
    if not outcome.changed:
        more = f" and {outcome.ahead} more" if outcome.ahead else ""
        trail = (
            f"every record of its audit trail ({_records(outcome.held)}{more})"
            if outcome.held
            else "no audit records"
        )
        lines = [
            f"Nothing to do: {outcome.destination} already holds {state}, the same document, "
            f"and {trail}."
        ]
    else:
        verb = "Pushed" if outcome.command == "push" else "Pulled"
        lines = [f"{verb} {outcome.source} to {outcome.destination}.", _state_line(outcome)]
        lines.append(_trail_line(outcome))
    if outcome.records:
        lines.append(
            f"Audit trail {outcome.trail_name} is intact: {_records(outcome.records)}, "
            "chain verified."
        )
    else:
        lines.append(f"Audit trail {outcome.trail_name}: no records.")
    if outcome.last_hash:
        lines.append(f"Last record hash: {outcome.last_hash}")
    return "\n".join(lines) + "\n"


def _state_line(outcome: MoveOutcome) -> str:
    copied = f"State: serial {outcome.state.serial} of lineage {outcome.state.lineage}"
    held = outcome.replaced
    if not outcome.state_written:
        return f"{copied}: already there, the same document."
    if held is None:
        return f"{copied}, copied as it is (there was no state)."
    if held.lineage != outcome.state.lineage:
        instead = f"lineage {held.lineage}, serial {held.serial}"
    else:
        instead = f"serial {held.serial}"
    forced = " (--force)" if outcome.forced else ""
    return (
        f"{copied}, copied as it is over {instead}{forced}; the replaced version is kept "
        f"{outcome.kept_where}."
    )


def _trail_line(outcome: MoveOutcome) -> str:
    if outcome.set_aside is not None:
        return (
            f"Audit trail: the local trail went another way; moved it aside to "
            f"{outcome.set_aside} (kept as evidence) and copied all {_records(outcome.copied)}."
        )
    if outcome.copied and outcome.held:
        return (
            f"Audit trail: appended {_records(outcome.copied)} after the {outcome.held} "
            "already there."
        )
    if outcome.copied:
        return f"Audit trail: copied {_records(outcome.copied)}, byte for byte."
    if outcome.ahead:
        return (
            f"Audit trail: already holds these {_records(outcome.held)} and {outcome.ahead} "
            "more; nothing to copy."
        )
    if outcome.held:
        return f"Audit trail: already holds all {_records(outcome.held)}."
    return "Audit trail: no records to copy."


def render_workspaces(listing: WorkspaceListing, current: str) -> str:
    """A table, Terraform-style: ``*`` marks the workspace --workspace names."""
    if not listing.workspaces:
        return f"No workspaces in {listing.where}.\n"
    header = ("WORKSPACE", "SERIAL", "LAST WRITTEN (UTC)", "AUDIT RECORDS", "LINEAGE")
    rows = [header] + [_row(w) for w in listing.workspaces]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [f"Workspaces in {listing.where}:"]
    for number, row in enumerate(rows):
        mark = "*" if number and listing.workspaces[number - 1].name == current else " "
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append(f"{mark} " + "  ".join([*cells, row[-1]]).rstrip())
    lines += [f"  ({w.name}: {w.problem})" for w in listing.workspaces if w.problem]
    return "\n".join(lines) + "\n"


def _row(workspace: StoredWorkspace) -> tuple[str, str, str, str, str]:
    serial = "-" if workspace.serial is None else str(workspace.serial)
    if workspace.problem:
        serial = "?"
    return (
        workspace.name,
        serial,
        _time(workspace.written_at) or "-",
        str(workspace.audit_records),
        workspace.lineage or "-",
    )


def workspaces_json(listing: WorkspaceListing) -> str:
    entries: list[dict[str, Any]] = [
        {
            "name": w.name,
            "serial": w.serial,
            "lineage": w.lineage,
            "written_at": _time(w.written_at),
            "audit_records": w.audit_records,
            **({"problem": w.problem} if w.problem else {}),
        }
        for w in listing.workspaces
    ]
    return json.dumps({"where": listing.where, "workspaces": entries}, indent=2) + "\n"


def _time(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _records(count: int) -> str:
    return f"{count} record{'s' * (count != 1)}"
