"""``iac state push`` / ``iac state pull`` and ``iac workspace list``: click only; the work is
in ``iac.run.moving`` and ``iac.run.workspaces``, the text in ``iac.cli.render.moving``.

None of these talks to Genesys, so none loads its SDK; psycopg is loaded only for a backend
URL (the operations import it when they open the database).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iac.cli.options import state_location_options
from iac.pg.url import BackendURL
from iac.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def _move_options(func: F) -> F:
    func = click.option(
        "--force",
        is_flag=True,
        help="Overwrite a destination state of another lineage, a newer serial or another "
        "document; when pulling, also move a local audit trail that went another way aside "
        "(kept as evidence). The database's audit records are never rewritten.",
    )(func)
    func = click.option(
        "--lock-timeout",
        default=0.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Seconds to wait for each side's state lock before failing.",
    )(func)
    return state_location_options(func)


@click.group("state")
def state() -> None:
    """Copy a workspace's state and audit trail between --state-dir and --backend."""


@state.command("push")
@_move_options
def push_command(
    state_dir: Path, workspace: str, backend: BackendURL | None, force: bool, lock_timeout: float
) -> None:
    """Copy the local state and audit trail (--state-dir) into the backend (--backend)."""
    from iac.cli.render.moving import render_move
    from iac.run.moving import push

    located = Workspace(state_dir, workspace, backend)
    click.echo(render_move(push(located, force=force, lock_timeout=lock_timeout)), nl=False)


@state.command("pull")
@_move_options
def pull_command(
    state_dir: Path, workspace: str, backend: BackendURL | None, force: bool, lock_timeout: float
) -> None:
    """Copy the backend's state and audit trail (--backend) into the local files (--state-dir)."""
    from iac.cli.render.moving import render_move
    from iac.run.moving import pull

    located = Workspace(state_dir, workspace, backend)
    click.echo(render_move(pull(located, force=force, lock_timeout=lock_timeout)), nl=False)


@click.group("workspace")
def workspace() -> None:
    """The workspaces a backend (or a state folder) holds."""


@workspace.command("list")
@state_location_options
@click.option(
    "--format",
    "output",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="A table (* marks --workspace), or JSON.",
)
def list_command(state_dir: Path, workspace: str, backend: BackendURL | None, output: str) -> None:
    """List the workspaces in --backend, or the states and audit trails in --state-dir."""
    from iac.cli.render.moving import render_workspaces, workspaces_json
    from iac.run.workspaces import list_workspaces

    listing = list_workspaces(state_dir, backend)
    text = workspaces_json(listing) if output == "json" else render_workspaces(listing, workspace)
    click.echo(text, nl=False)
