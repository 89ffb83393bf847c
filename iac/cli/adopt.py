"""``iac import`` and ``iac export``: bringing integrations that already exist under iac."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iac.cli.options import InputOptions, LogOptions, input_options, run_options
from iac.cli.running import load_inputs, open_run

if TYPE_CHECKING:
    from iac.run.context import RunOptions


@click.command("import")
@click.argument("key")
@click.argument("integration_id")
@click.option(
    "--config-dir",
    default=".",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the configuration that declares KEY.",
)
@input_options
@run_options
def import_(
    key: str,
    integration_id: str,
    config_dir: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
) -> None:
    """Adopt the existing integration INTEGRATION_ID as destination KEY."""
    from iac.cli.views import report_import
    from iac.run.adopt import import_destination

    loaded = load_inputs(config_dir, inputs)
    with open_run("import", loaded, run, logs) as ctx:
        report_import(asyncio.run(import_destination(ctx, key, integration_id)))


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write exported.yaml into (default: print it).",
)
@click.option("--id", "ids", multiple=True, help="Export only this integration (repeatable).")
@run_options
def export(out: Path | None, ids: tuple[str, ...], run: RunOptions, logs: LogOptions) -> None:
    """Write YAML for the org's EventBridge integrations, to adopt them with iac import."""
    from iac.cli.views import report_export
    from iac.run.adopt import export_destinations
    from iac.run.inputs import Inputs

    with open_run("export", Inputs(desired={}), run, logs) as ctx:
        report_export(asyncio.run(export_destinations(ctx, out, ids)))
