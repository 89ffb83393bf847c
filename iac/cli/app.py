"""The ``iac`` group: every command registered, and every failure turned into one line.

Heavy imports (the Genesys SDK) happen only in commands that talk to Genesys, so
``validate``, ``audit`` and ``--help`` start instantly.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from iac import __version__
from iac.cli.adopt import export, import_
from iac.cli.applying import apply, destroy
from iac.cli.audit import audit
from iac.cli.failures import OneLineErrors
from iac.cli.planning import drift, plan, validate
from iac.cli.sandbox import sandbox
from iac.cli.state import state, workspace


class _Group(OneLineErrors):
    """Every failure is one line and exit code 1.

    Usage errors exit 1 too (click says 2), because --detailed-exitcode gives 2 its Terraform
    meaning: "there are changes". A typo in a pipeline must not read as a plan with changes.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.ClickException as err:
            err.show()
            sys.exit(1)
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iac")
def cli() -> None:
    """Plan and apply Genesys Cloud EventBridge destinations declared in YAML."""


for command in (
    validate,
    plan,
    apply,
    drift,
    import_,
    export,
    destroy,
    sandbox,
    audit,
    state,
    workspace,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="iac")
