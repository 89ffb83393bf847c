"""How a command's failures reach the user: one ``Error: ...`` line and exit 1."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from iac.errors import IacError


class IacFailure(click.ClickException):
    """An IacError on its way to the user: one ``Error: ...`` line, and its exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.failure_code = exit_code


class StdoutClosed(Exception):
    """stdout's reader closed the pipe; ``iac`` ends quietly (``quiet_broken_pipe``)."""


class OneLineErrors(click.Group):
    """Turns every IacError (and OSError) raised by a subcommand into click's one-line
    ``Error: ...``, also when the group runs on its own, outside ``iac``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IacError as err:
            raise IacFailure(str(err), err.exit_code) from None
        except BrokenPipeError:
            # The reader of stdout went away (| head): not an error. Not an OSError either from
            # here on, or click would end the run with exit code 1 (see quiet_broken_pipe).
            raise StdoutClosed from None
        except OSError as err:
            # A folder that is a file, a full disk, a read-only mount: one line, no traceback.
            where = f"{err.filename}: " if err.filename else ""
            raise click.ClickException(f"{where}{err.strerror or err}") from None


def single_dash_hint(err: click.NoSuchOption, argv: list[str]) -> str | None:
    """Terraform spells long options with one dash (``-out``, ``-var-file=x``); click reads
    ``-out`` as ``-o -u -t`` and names only ``-o``. When the command line holds such a word
    and the command has that option with two dashes, say so."""
    if err.ctx is None:
        return None
    known = {
        name
        for param in err.ctx.command.get_params(err.ctx)
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    for word in argv:
        if word == "--":
            break
        name = word.split("=", 1)[0]
        if len(name) > 2 and name.startswith("-") and not name.startswith("--"):
            spelled = "-" + name
            if spelled in known and name[:2] == err.option_name:
                rest = word[len(name) :]
                return (
                    f"No such option '{name}'. Did you mean {spelled}{rest}? iac's long "
                    "options take two dashes."
                )
    return None


# What a process killed by SIGPIPE exits with in a shell (128 + 13), as `yes | head -1` does.
EXIT_BROKEN_PIPE = 141


def quiet_broken_pipe() -> NoReturn:
    """stdout's reader closed the pipe (``iac audit show | head -1``): stop without a word,
    as a Unix tool killed by SIGPIPE would. stdout goes to /dev/null first, so the
    interpreter's last flush cannot fail again and print a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # no real file descriptor (an in-process runner): nothing will be flushed
    sys.exit(EXIT_BROKEN_PIPE)
