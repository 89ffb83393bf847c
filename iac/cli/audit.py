"""``iac audit verify`` and ``iac audit show``. Standard library and click only: these must
start instantly and work where the Genesys SDK is not installed (an auditor's laptop). With
``--backend`` they read the trail from PostgreSQL (loading psycopg only then)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from iac.audit.chain import verify as verify_chain
from iac.audit.chain import verify_lines
from iac.audit.query import parse_time, query, select
from iac.cli.failures import OneLineErrors
from iac.cli.options import state_location_options, text_or_json
from iac.pg.url import BackendURL
from iac.vocabulary import AUDITED_ACTIONS, ChangeResult
from iac.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

ACTIONS = AUDITED_ACTIONS  # changes to Genesys, and to state alone (refresh, import, ...)
RESULTS = tuple(r.value for r in ChangeResult)


class _IsoTime(click.ParamType):
    name = "ISO-8601 time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value))
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO-8601 date or time (e.g. 2026-11-29 or "
                "2026-11-29T05:23:37Z).",
                param,
                ctx,
            )


def _file_options(func: F) -> F:
    func = click.option(
        "--file",
        "file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Audit file to read, instead of the workspace's trail (file or --backend).",
    )(func)
    return state_location_options(func)


@dataclass(frozen=True)
class _Trail:
    """The trail a command reads: a file, or a workspace's records in the database."""

    name: str  # in messages: "Audit trail <name> is intact"
    path: Path | None  # None: in the database
    workspace: Workspace

    @property
    def unit(self) -> str:
        return "line" if self.path is not None else "record"

    def lines(self) -> list[bytes]:
        from iac.workspace import read_audit_lines  # psycopg: only with a backend URL

        return read_audit_lines(self.workspace)


def _trail(
    state_dir: Path, workspace: str, backend: BackendURL | None, file: Path | None
) -> _Trail:
    located = Workspace(state_dir, workspace, backend)
    if file is not None:
        return _Trail(str(file), file, located)
    if backend is None:
        return _Trail(str(located.audit_file), located.audit_file, located)
    return _Trail(f"of workspace {workspace} in {backend.display}", None, located)


@click.group(cls=OneLineErrors)
def audit() -> None:
    """Inspect the tamper-evident audit trail."""


@audit.command("verify")
@_file_options
def verify_command(
    state_dir: Path, workspace: str, backend: BackendURL | None, file: Path | None
) -> None:
    """Check that no record was edited, removed, inserted or reordered."""
    trail = _trail(state_dir, workspace, backend, file)
    if trail.path is not None:
        report = verify_chain(trail.path)
        if report.missing:
            click.echo(f"No audit trail at {trail.path}: nothing to verify.")
            return
    else:
        lines = trail.lines()
        if not lines:
            click.echo(f"No audit trail {trail.name}: nothing to verify.")
            return
        report = verify_lines(lines)
    if not report.ok:
        raise click.ClickException(
            f"Audit trail {trail.name} is broken at {trail.unit} {report.first_bad_line}: "
            f"{report.problem}"
        )
    count = f"{report.records} record{'s' * (report.records != 1)}"
    click.echo(f"Audit trail {trail.name} is intact: {count}, chain verified.")
    if report.last_hash:
        # Stored somewhere the writer cannot edit, this also proves nothing was cut off the end.
        click.echo(f"Last record hash: {report.last_hash}")


@audit.command("show")
@_file_options
@click.option("--destination", "key", metavar="KEY", help="Only this destination's records.")
@click.option("--action", type=click.Choice(ACTIONS), help="Only this kind of change.")
@click.option("--result", type=click.Choice(RESULTS), help="Only records with this outcome.")
@click.option("--since", type=_IsoTime(), help="Records at or after this time (UTC if no zone).")
@click.option("--until", type=_IsoTime(), help="Records before this time (UTC if no zone).")
@text_or_json("One line per record, or a JSON array of the full records.")
def show_command(
    state_dir: Path,
    workspace: str,
    backend: BackendURL | None,
    file: Path | None,
    key: str | None,
    action: str | None,
    result: str | None,
    since: datetime | None,
    until: datetime | None,
    output: str,
) -> None:
    """List audit records, oldest first. This does not check the chain: use verify."""
    trail = _trail(state_dir, workspace, backend, file)

    def warn(line: int, problem: str) -> None:
        click.echo(f"Warning: {trail.unit} {line} of {trail.name} is {problem}; skipped.", err=True)

    filters: dict[str, Any] = {
        "key": key,
        "action": action,
        "result": result,
        "since": since,
        "until": until,
    }
    if trail.path is not None:
        records = query(trail.path, on_bad_line=warn, **filters)
    else:
        records = select(trail.lines(), where=trail.name, on_bad_line=warn, **filters)
    if output == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo(f"No audit records in {trail.name} match.", err=True)
        return
    width = max(len(str(r.get("key"))) for r in records)
    for record in records:
        click.echo(_text_line(record, width))


def _text_line(record: dict[str, Any], key_width: int) -> str:
    duration = record.get("duration_seconds")
    parts = [
        _utc(record.get("time")),
        f"{record.get('action')!s:<7}",
        f"{record.get('key')!s:<{key_width}}",
        f"{record.get('result')!s:<9}",
        f"id={record.get('genesys_id') or '-'}",
        f"{duration:.1f}s" if isinstance(duration, (int, float)) else "-",
        f"run={str(record.get('run_id'))[:8]} actor={record.get('actor')}",
    ]
    verification = record.get("verification")
    if isinstance(verification, dict) and verification.get("status"):
        parts.append(f"verification={verification['status']}")
    if record.get("error"):
        # Errors can span lines; keep one record per line so the output greps well.
        parts.append("error: " + " ".join(str(record["error"]).split()))
    return "  ".join(parts)


def _utc(value: Any) -> str:
    try:
        when = parse_time(str(value)).astimezone(timezone.utc)
    except ValueError:
        return str(value)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
