"""``iac state push`` / ``iac state pull`` (and the group that holds ``iac.cli.surgery``'s
list, show, rm and mv): click only; the work is in ``iac.run.moving``, the
text in ``iac.cli.render.moving`` (``iac workspace ...`` is in ``iac.cli.workspaces``).

None of these talks to Genesys, so none loads its SDK; psycopg is loaded only for a backend
URL (the operations import it when they open the database).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iac.cli.options import state_location_options
from iac.cli.surgery import SURGERY_COMMANDS
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
    """Read and edit a workspace's state (list, show, rm, mv), or copy it and its audit
    trail between --state-dir and --backend (push, pull). None of these calls Genesys."""


for _command in SURGERY_COMMANDS:  # list, show, rm, mv: iac.cli.surgery
    state.add_command(_command)


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
