"""``iac state list``, ``state show KEY``, ``state rm KEY...`` and ``state mv OLD NEW``: click
only; the work is in ``iac.run.surgery``, the text in ``iac.cli.render.surgery``.

None of these talks to Genesys, so none loads its SDK; psycopg is loaded only for a backend
URL. A KEY may be written as Terraform's address, ``destination.KEY``.
"""

from __future__ import annotations

from pathlib import Path

import click

from iac.cli.options import state_location_options, text_or_json
from iac.pg.url import BackendURL
from iac.workspace import Workspace

_FORMAT = text_or_json("Text, or JSON.")
_LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for the state lock before failing.",
)
_DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Say what would change, and change nothing."
)


def _key(value: str) -> str:
    return value.removeprefix("destination.")


@click.command("list")
@state_location_options
@click.option("--id", "ids", multiple=True, help="Only the destination managing this integration.")
@_FORMAT
def list_command(
    state_dir: Path, workspace: str, backend: BackendURL | None, ids: tuple[str, ...], output: str
) -> None:
    """List the destinations the state manages, one address a line."""
    from iac.cli.render.surgery import list_json, render_list
    from iac.run.surgery import read_state

    view = read_state(Workspace(state_dir, workspace, backend))
    if view.state is None:
        click.echo(f"No state at {view.where}.", err=True)
        if output == "json":
            click.echo("[]")
        return
    click.echo(list_json(view, ids) if output == "json" else render_list(view, ids), nl=False)


@click.command("show")
@click.argument("key")
@state_location_options
@_FORMAT
def show_command(
    key: str, state_dir: Path, workspace: str, backend: BackendURL | None, output: str
) -> None:
    """Show what the state holds for destination KEY: its integration and attributes."""
    from iac.cli.render.surgery import entry_json, render_entry
    from iac.run.surgery import entry_of, read_state

    key = _key(key)
    entry = entry_of(read_state(Workspace(state_dir, workspace, backend)), key)
    click.echo(entry_json(key, entry) if output == "json" else render_entry(key, entry), nl=False)


@click.command("rm")
@click.argument("keys", metavar="KEY...", nargs=-1, required=True)
@state_location_options
@_LOCK_TIMEOUT
@_DRY_RUN
def rm_command(
    keys: tuple[str, ...],
    state_dir: Path,
    workspace: str,
    backend: BackendURL | None,
    lock_timeout: float,
    dry_run: bool,
) -> None:
    """Forget destinations: their entries leave the state, their integrations stay in
    Genesys (unmanaged). Audited; the previous state version is kept."""
    from iac.cli.render.surgery import render_surgery
    from iac.run.surgery import remove

    located = Workspace(state_dir, workspace, backend)
    wanted = tuple(dict.fromkeys(_key(k) for k in keys))
    outcome = remove(located, wanted, lock_timeout=lock_timeout, dry_run=dry_run)
    click.echo(render_surgery(outcome), nl=False)


@click.command("mv")
@click.argument("old")
@click.argument("new")
@state_location_options
@_LOCK_TIMEOUT
@_DRY_RUN
def mv_command(
    old: str,
    new: str,
    state_dir: Path,
    workspace: str,
    backend: BackendURL | None,
    lock_timeout: float,
    dry_run: bool,
) -> None:
    """Rename destination OLD to NEW in the state; Genesys is not called. Audited; the
    previous state version is kept. (A moved: entry in the YAML does it through a plan.)"""
    from iac.cli.render.surgery import render_surgery
    from iac.run.surgery import move

    located = Workspace(state_dir, workspace, backend)
    outcome = move(located, _key(old), _key(new), lock_timeout=lock_timeout, dry_run=dry_run)
    click.echo(render_surgery(outcome), nl=False)


SURGERY_COMMANDS = (list_command, show_command, rm_command, mv_command)
