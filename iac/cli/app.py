"""The ``iac`` group: every command registered, and every failure turned into one line.

Commands are imported when they run (``COMMANDS``): ``iac validate`` loads neither the
planner's nor the other commands' modules. Heavy imports (the Genesys SDK) happen only in
commands that talk to Genesys, so ``validate``, ``audit`` and ``--help`` start instantly.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

import click

from iac import __version__
from iac.cli.failures import (
    IacFailure,
    OneLineErrors,
    StdoutClosed,
    quiet_broken_pipe,
    single_dash_hint,
)

# name -> (module, attribute), in the order `iac --help` lists them.
COMMANDS = {
    "validate": ("iac.cli.planning", "validate"),
    "plan": ("iac.cli.planning", "plan"),
    "apply": ("iac.cli.applying", "apply"),
    "drift": ("iac.cli.planning", "drift"),
    "import": ("iac.cli.adopt", "import_"),
    "export": ("iac.cli.adopt", "export"),
    "destroy": ("iac.cli.applying", "destroy"),
    "show": ("iac.cli.show", "show"),
    "topics": ("iac.cli.topics", "topics"),
    "sandbox": ("iac.cli.sandbox", "sandbox"),
    "audit": ("iac.cli.audit", "audit"),
    "state": ("iac.cli.state", "state"),
    "workspace": ("iac.cli.workspaces", "workspace"),
}


class _Group(OneLineErrors):
    """Every failure is one line and exit code 1 (3: a stale saved plan, nothing changed).

    Usage errors exit 1 too (click says 2), because --detailed-exitcode gives 2 its Terraform
    meaning: "there are changes". A typo in a pipeline must not read as a plan with changes.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = where
        command: click.Command = getattr(importlib.import_module(module), attribute)
        # What is loaded now lives as long as the process: keep it out of the collector's
        # passes, which otherwise grow with every object a large run allocates (a plan of
        # 10,000 spent a quarter of its CPU in them).
        gc.freeze()
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except (StdoutClosed, BrokenPipeError):
            quiet_broken_pipe()
        except click.NoSuchOption as err:
            hint = single_dash_hint(err, _argv(args, kwargs))
            (err if hint is None else click.UsageError(hint, err.ctx)).show()
            sys.exit(1)
        except click.ClickException as err:
            err.show()
            # Usage errors too exit 1 (click says 2); a stale saved plan exits 3.
            sys.exit(err.failure_code if isinstance(err, IacFailure) else 1)
        except click.Abort as abort:
            if isinstance(abort.__context__, KeyboardInterrupt):
                click.echo(
                    "Interrupted. State records every step that finished and the audit trail "
                    "every change that was cut off; run iac plan to see what is left.",
                    err=True,
                )
                sys.exit(130)
            click.echo("Aborted!", err=True)
            sys.exit(1)


def _argv(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    given = args[0] if args else kwargs.get("args")
    return [str(a) for a in (sys.argv[1:] if given is None else given)]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iac")
def cli() -> None:
    """Plan and apply Genesys Cloud EventBridge destinations declared in YAML."""


def main() -> None:
    # A run allocates its objects in bulk and keeps most of them to the end: collect the
    # young generation every 10,000 allocations rather than 700 (15% of a 10,000-destination
    # plan's CPU went to collections that freed nothing).
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    cli(prog_name="iac")
