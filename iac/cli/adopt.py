"""``iac import`` and ``iac export``: bringing integrations that already exist under iac."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iac.cli.options import InputOptions, LogOptions, input_options, ungated_run_options
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
@ungated_run_options
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
@ungated_run_options
def export(out: Path | None, ids: tuple[str, ...], run: RunOptions, logs: LogOptions) -> None:
    """Write YAML for the org's EventBridge integrations, to adopt them with iac import."""
    from iac.cli.views import report_export
    from iac.run.adopt import export_destinations
    from iac.run.inputs import Inputs

    with open_run("export", Inputs(desired={}), run, logs) as ctx:
        exported = export_destinations(ctx, out, ids, _import_options(run))
        report_export(asyncio.run(exported))


def _import_options(run: RunOptions) -> tuple[str, ...]:
    """The options that make a printed ``iac import`` find the state this export read."""
    ctx = click.get_current_context()
    given = {
        name
        for name in ("state_dir", "workspace", "backend", "sandbox")
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    }
    words: list[str] = []
    if "state_dir" in given or run.state_dir != Path("state"):
        words += ["--state-dir", str(run.state_dir)]
    if "workspace" in given or run.workspace != "default":
        words += ["--workspace", run.workspace]
    if "backend" in given and run.backend is not None:
        words += ["--backend", run.backend.display]  # never the password: PGPASSWORD has it
    if "sandbox" in given:
        words.append("--sandbox")
    return tuple(words)
