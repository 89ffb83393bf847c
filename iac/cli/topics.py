"""``iac topics``: find the topics to put in ``topic_filters``, from the org's own catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from iac.cli.options import text_or_json


@click.command()
@click.option(
    "--search",
    metavar="TEXT",
    help="Only topics whose name or description holds every word of TEXT (any case).",
)
@text_or_json("text for people, json for scripts.", dest="output_format")
@click.option(
    "--config-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Target the org this configuration's org: block names (default: the GENESYSCLOUD_* "
    "variables, else the built-in sandbox).",
)
@click.option(
    "--var",
    "cli_vars",
    multiple=True,
    metavar="NAME=VALUE",
    help="Template variable for --config-dir's YAML (repeatable).",
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="YAML file of template variables for --config-dir's YAML (repeatable).",
)
@click.option(
    "--state-dir",
    default="state",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder holding the built-in sandbox's org.",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help="Use the built-in sandbox even when Genesys credentials are set.",
)
def topics(
    search: str | None,
    output_format: Literal["text", "json"],
    config_dir: Path | None,
    cli_vars: tuple[str, ...],
    var_files: tuple[Path, ...],
    state_dir: Path,
    sandbox: bool,
) -> None:
    """List the topics of the org's catalog that Amazon EventBridge carries, with their
    descriptions (GET /api/v2/notifications/availabletopics; changes nothing)."""
    from iac.cli.options import InputOptions
    from iac.cli.render.topics import render_topics_json, render_topics_text
    from iac.cli.running import load_inputs
    from iac.cli.views import notify
    from iac.run.topics import topics_listing
    from iac.telemetry import configure_logging

    configure_logging("text", "error")
    org = None
    if config_dir is not None:
        org = load_inputs(config_dir, InputOptions(cli_vars=cli_vars, var_files=var_files)).org
    elif cli_vars or var_files:
        raise click.UsageError("--var and --var-file render --config-dir's YAML: give it too.")
    outcome = topics_listing(
        state_dir=state_dir, sandbox=sandbox, org=org, search=search, notify=notify
    )
    render = render_topics_json if output_format == "json" else render_topics_text
    click.echo(render(outcome), nl=False)
