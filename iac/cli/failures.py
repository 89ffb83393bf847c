"""How a command's failures reach the user: one ``Error: ...`` line and exit 1."""

from __future__ import annotations

from typing import Any

import click

from iac.errors import IacError


class OneLineErrors(click.Group):
    """Turns every IacError (and OSError) raised by a subcommand into click's one-line
    ``Error: ...``, also when the group runs on its own, outside ``iac``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IacError as err:
            raise click.ClickException(str(err)) from None
        except OSError as err:
            # A folder that is a file, a full disk, a read-only mount: one line, no traceback.
            where = f"{err.filename}: " if err.filename else ""
            raise click.ClickException(f"{where}{err.strerror or err}") from None
