"""``iac workspace list/show/new/select/delete``: click only; the work is in
``iac.run.workspaces``, the listing's text in ``iac.cli.render.moving``.

None of these talks to Genesys, so none loads its SDK; psycopg is loaded only for a backend
URL. The selection is remembered in --state-dir (with --backend too, as Terraform keeps
``.terraform/environment`` locally); --workspace, then IAC_WORKSPACE, win over it.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from iac.cli.failures import OneLineErrors
from iac.cli.options import (
    backend_option,
    state_dir_option,
    state_location_options,
    text_or_json,
)
from iac.pg.url import BackendURL
from iac.workspace import check_workspace, current_workspace

ENV_WORKSPACE = "IAC_WORKSPACE"


def _name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from iac.errors import IacError

    try:
        return check_workspace(value)
    except IacError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


name_argument = click.argument("name", callback=_name)
lock_timeout_option = click.option(
    "--lock-timeout",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for the workspace's state lock before failing.",
)


def _overridden(name: str) -> None:
    """Like Terraform with TF_WORKSPACE: the variable wins over what select remembers."""
    forced = os.environ.get(ENV_WORKSPACE)
    if forced and forced != name:
        click.echo(
            f"Warning: {ENV_WORKSPACE}={forced} is set, and wins over the selected workspace "
            "while it is.",
            err=True,
        )


@click.group("workspace", cls=OneLineErrors)
def workspace() -> None:
    """The workspaces of a state folder (or a backend), and which one commands use."""


@workspace.command("list")
@state_location_options
@text_or_json("A table (* marks the current workspace), or JSON.")
def list_command(state_dir: Path, workspace: str, backend: BackendURL | None, output: str) -> None:
    """List the workspaces in --backend, or the states and audit trails in --state-dir."""
    from iac.cli.render.moving import render_workspaces, workspaces_json
    from iac.run.workspaces import list_workspaces

    listing = list_workspaces(state_dir, backend)
    text = workspaces_json(listing) if output == "json" else render_workspaces(listing, workspace)
    click.echo(text, nl=False)


@workspace.command("show")
@state_dir_option
def show_command(state_dir: Path) -> None:
    """Print the current workspace: IAC_WORKSPACE, else the selected one, else default."""
    click.echo(current_workspace(state_dir, os.environ.get(ENV_WORKSPACE) or None))


@workspace.command("new")
@name_argument
@state_dir_option
@backend_option
def new_command(name: str, state_dir: Path, backend: BackendURL | None) -> None:
    """Create workspace NAME (no state yet: its first apply writes it) and select it."""
    from iac.run.workspaces import new_workspace

    new_workspace(state_dir, backend, name)
    click.echo(f'Created and switched to workspace "{name}".')
    click.echo("Its state is empty: iac plan shows what its configuration would create.")
    _overridden(name)


@workspace.command("select")
@name_argument
@state_dir_option
@backend_option
@click.option("--or-create", is_flag=True, help="Create the workspace if it does not exist.")
def select_command(name: str, state_dir: Path, backend: BackendURL | None, or_create: bool) -> None:
    """Use workspace NAME from now on in --state-dir (--workspace and IAC_WORKSPACE win)."""
    from iac.run.workspaces import select_workspace

    selected = select_workspace(state_dir, backend, name, or_create=or_create)
    verb = "Created and switched" if selected.created else "Switched"
    click.echo(f'{verb} to workspace "{name}".')
    _overridden(name)


@workspace.command("delete")
@name_argument
@state_dir_option
@backend_option
@lock_timeout_option
@click.option(
    "--force",
    is_flag=True,
    help="Delete a state that still manages destinations: they stay in Genesys, unmanaged.",
)
def delete_command(
    name: str, state_dir: Path, backend: BackendURL | None, lock_timeout: float, force: bool
) -> None:
    """Delete workspace NAME's state. Refuses the current workspace, default, and a state that
    still manages destinations (unless --force). Its audit trail is kept."""
    from iac.run.workspaces import delete_workspace

    current = current_workspace(state_dir, os.environ.get(ENV_WORKSPACE) or None)
    deleted = delete_workspace(
        state_dir, backend, name, current=current, force=force, lock_timeout=lock_timeout
    )
    click.echo(f'Deleted workspace "{name}".')
    if deleted.forgotten:
        click.echo(
            f"It managed {len(deleted.forgotten)} destination(s) that stay in Genesys, no "
            f"longer managed: {', '.join(deleted.forgotten)}."
        )
    if deleted.audit_kept:
        records = deleted.audit_records
        click.echo(f"Its audit trail ({records} records) is kept {deleted.audit_kept}.")
    if deleted.unselected:
        click.echo('It was the selected workspace: commands now use "default".')
