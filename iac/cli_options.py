"""Click options shared by the commands that find a workspace's files in a state folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iac.errors import IacError
from iac.workspace import check_workspace

F = TypeVar("F", bound=Callable[..., Any])


def _workspace(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return check_workspace(value)
    except IacError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


def state_location_options(func: F) -> F:
    func = click.option(
        "--workspace",
        default="default",
        show_default=True,
        callback=_workspace,
        help="Workspace: names the state file, its lock and its audit trail.",
    )(func)
    return click.option(
        "--state-dir",
        default="state",
        show_default=True,
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder holding the state, its lock and the audit trail.",
    )(func)
