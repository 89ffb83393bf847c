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
    replace_option,
    run_options,
    target_option,
)
from iac.cli.running import load_inputs, open_run
from iac.errors import IacError

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
@target_option
@replace_option
@click.option(
    "--destroy",
    is_flag=True,
    help="Plan to destroy every destination of the workspace (save it with --out, then "
    "iac apply FILE destroys exactly that).",
)
@click.option(
    "--refresh-only",
    is_flag=True,
    help="Show what iac apply --refresh-only would take into the state from Genesys; "
    "plans no change to Genesys.",
)
def plan(
    config_dir: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
    output: OutputOptions,
    out: Path | None,
    targets: tuple[str, ...],
    replace_keys: tuple[str, ...],
    destroy: bool,
    refresh_only: bool,
) -> None:
    """Show what apply would change in Genesys Cloud, and the gates each change must pass."""
    from iac.cli.views import report_plan
    from iac.plan import PlanMode, PlanRequest
    from iac.run.planning import plan_changes

    if destroy and refresh_only:
        raise IacError("--destroy and --refresh-only are two different plans: give one.")
    mode = PlanMode.DESTROY if destroy else PlanMode.NORMAL
    request = PlanRequest(PlanMode.REFRESH_ONLY if refresh_only else mode, targets, replace_keys)
    loaded = load_inputs(config_dir, inputs)
    with open_run("plan", loaded, run, logs) as ctx:
        # Reported inside the run: a plan with blocked changes is a failed run in metrics.
        code = report_plan(asyncio.run(plan_changes(ctx, out, request)), output)
    exit_with(code, output)


@click.command()
@config_dir_argument
@input_options
@run_options
@output_options
@click.option(
    "--ignore-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Unmanaged integrations not to report: one glob a line, matched against id, name "
    "or event source suffix (id:, name:, suffix: limit it); # comments. Default: "
    "CONFIG_DIR/.iacignore if there is one.",
)
@click.option(
    "--only-managed",
    is_flag=True,
    help="Report only drift of the destinations this workspace manages, not integrations "
    "no configuration manages.",
)
def drift(
    config_dir: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
    output: OutputOptions,
    ignore_file: Path | None,
    only_managed: bool,
) -> None:
    """Report what changed in Genesys outside iac, and integrations nothing manages (those
    another workspace of the backend manages are shown as such, and are not drift)."""
    from iac.cli.views import report_drift
    from iac.config.ignore import find_ignore_file
    from iac.run.drift import DriftSettings, drift_check

    loaded = load_inputs(config_dir, inputs)
    settings = DriftSettings(find_ignore_file(config_dir, ignore_file), only_managed)
    with open_run("drift", loaded, run, logs) as ctx:
        code = report_drift(asyncio.run(drift_check(ctx, settings)), output)
    exit_with(code, output)


def exit_with(code: int, output: OutputOptions) -> None:
    if output.detailed_exitcode and code:
        sys.exit(code)
