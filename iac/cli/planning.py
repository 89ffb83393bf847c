"""``iac validate``, ``iac plan`` and ``iac drift``: the commands that change nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iac.cli.options import (
    InputOptions,
    LogOptions,
    OutputOptions,
    input_options,
    output_options,
    run_options,
)
from iac.cli.running import load_inputs, open_run

if TYPE_CHECKING:
    from iac.run.context import RunOptions

config_dir_argument = click.argument(
    "config_dir", default=".", type=click.Path(path_type=Path, file_okay=False)
)


@click.command()
@config_dir_argument
@input_options
def validate(config_dir: Path, inputs: InputOptions) -> None:
    """Check the YAML in CONFIG_DIR offline (no Genesys calls)."""
    from iac.config import config_files

    desired = load_inputs(config_dir, inputs).desired
    files, count = len(config_files(config_dir)), len(desired)
    click.echo(
        f"Success! The configuration is valid: {count} destination{'s' * (count != 1)} "
        f"in {files} file{'s' * (files != 1)}."
    )


@click.command()
@config_dir_argument
@input_options
@run_options
@output_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Save the plan to apply exactly it later with: iac apply FILE.",
)
def plan(
    config_dir: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
    output: OutputOptions,
    out: Path | None,
) -> None:
    """Show what apply would change in Genesys Cloud, and the gates each change must pass."""
    from iac.cli.views import report_plan
    from iac.run.planning import plan_changes

    loaded = load_inputs(config_dir, inputs)
    with open_run("plan", loaded, run, logs) as ctx:
        # Reported inside the run: a plan with blocked changes is a failed run in metrics.
        code = report_plan(asyncio.run(plan_changes(ctx, out)), output)
    exit_with(code, output)


@click.command()
@config_dir_argument
@input_options
@run_options
@output_options
def drift(
    config_dir: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
    output: OutputOptions,
) -> None:
    """Report what changed in Genesys outside iac, and integrations iac does not manage."""
    from iac.cli.views import report_drift
    from iac.run.planning import drift_report

    loaded = load_inputs(config_dir, inputs)
    with open_run("drift", loaded, run, logs) as ctx:
        code = report_drift(asyncio.run(drift_report(ctx)), output)
    exit_with(code, output)


def exit_with(code: int, output: OutputOptions) -> None:
    if output.detailed_exitcode and code:
        sys.exit(code)
