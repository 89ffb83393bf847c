"""The ``iac`` command line. Heavy imports (the Genesys SDK) happen only in commands that
talk to Genesys, so ``validate`` and friends start instantly."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iac import __version__
from iac.cli_options import state_location_options
from iac.errors import IacError

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns every IacError into click's one-line ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IacError as err:
            raise click.ClickException(str(err)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iac")
def cli() -> None:
    """Plan and apply Genesys Cloud EventBridge destinations declared in YAML."""


def _config_dir(func: F) -> F:
    return click.argument(
        "config_dir",
        default=".",
        type=click.Path(path_type=Path, file_okay=False),
    )(func)


def _run_options(func: F) -> F:
    options = [
        click.option(
            "--lock-timeout",
            default=0.0,
            show_default=True,
            type=click.FloatRange(min=0),
            help="Seconds to wait for another run's state lock before failing.",
        ),
        click.option(
            "--sandbox",
            is_flag=True,
            help="Use the built-in sandbox even when Genesys credentials are set.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return state_location_options(func)


@cli.command()
@_config_dir
def validate(config_dir: Path) -> None:
    """Check the YAML in CONFIG_DIR offline (no Genesys calls)."""
    from iac.config import config_files, load_config

    desired = load_config(config_dir)
    files = len(config_files(config_dir))
    count = len(desired.destinations)
    click.echo(
        f"Success! The configuration is valid: {count} destination{'s' * (count != 1)} "
        f"in {files} file{'s' * (files != 1)}."
    )


def _gate_options(func: F) -> F:
    options = [
        click.option(
            "--policy",
            "policy_file",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            help="Policy file (overrides one named in the configuration).",
        ),
        click.option(
            "--strict", is_flag=True, help="Any failed gate blocks every change of the run."
        ),
        click.option(
            "--skip-probes", is_flag=True, help="Skip connectivity/TLS probes (air-gapped runs)."
        ),
        click.option(
            "--probe-endpoint",
            metavar="URL",
            help="Probe this HTTPS endpoint for every destination instead of its own.",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(dir_okay=False, exists=True),
            help="CA certificates (PEM) to trust for probes, instead of the default bundle.",
        ),
        click.option(
            "--probe-timeout",
            default=5.0,
            show_default=True,
            type=click.FloatRange(min=0.1),
            help="Seconds each probe may take.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _telemetry_options(func: F) -> F:
    options = [
        click.option(
            "--metrics-textfile",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Write run metrics here (for node-exporter's textfile collector).",
        ),
        click.option(
            "--metrics-format",
            type=click.Choice(["prometheus", "openmetrics"]),
            default="prometheus",
            show_default=True,
            help="Text format of --metrics-textfile.",
        ),
        click.option(
            "--metrics-json",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Write run metrics here as JSON.",
        ),
        click.option(
            "--log-format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="Logs on stderr: text, or JSON lines carrying run and job ids.",
        ),
        click.option(
            "--log-level",
            type=click.Choice(["debug", "info", "warning", "error"]),
            default="warning",
            show_default=True,
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_options_from(config_dir: Path, kwargs: dict[str, Any]) -> Any:
    from iac.run import RunOptions
    from iac.telemetry import configure_logging

    configure_logging(kwargs.pop("log_format"), kwargs.pop("log_level"))
    return RunOptions(config_dir=config_dir, **kwargs)


@cli.command()
@_config_dir
@_run_options
@_gate_options
@_telemetry_options
def plan(config_dir: Path, **kwargs: Any) -> None:
    """Show what apply would change in Genesys Cloud, and the gates each change must pass."""
    from iac.run import Run

    with Run(_run_options_from(config_dir, kwargs), "plan", click.echo) as run:
        asyncio.run(run.plan())


@cli.command()
@_config_dir
@_run_options
@_gate_options
@_telemetry_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--parallelism",
    default=4,
    show_default=True,
    type=click.IntRange(min=1, max=64),
    help="How many changes run at once.",
)
@click.option(
    "--activation-timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds an enabled destination may take to become ACTIVE.",
)
def apply(
    config_dir: Path,
    auto_approve: bool,
    parallelism: int,
    activation_timeout: float,
    **kwargs: Any,
) -> None:
    """Make Genesys Cloud match the configuration, verifying every change."""
    from iac.run import Run

    with Run(_run_options_from(config_dir, kwargs), "apply", click.echo) as run:
        asyncio.run(
            run.apply(
                auto_approve=auto_approve,
                parallelism=parallelism,
                activation_timeout=activation_timeout,
                confirm=_confirm,
            )
        )


@cli.group()
def sandbox() -> None:
    """The built-in Genesys Cloud sandbox."""


@sandbox.command("serve")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--data-file",
    default=Path("state") / "sandbox-org.json",
    show_default=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON file holding the sandbox's org.",
)
@click.option(
    "--faults-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON list of fault rules to start with.",
)
@click.option("--activation-delay", type=click.FloatRange(min=0), help="Seconds to ACTIVE.")
@click.option("--rate-limit", type=click.IntRange(min=1), help="Requests per minute per token.")
def sandbox_serve(
    port: int,
    data_file: Path,
    faults_file: Path | None,
    activation_delay: float | None,
    rate_limit: int | None,
) -> None:
    """Serve the sandbox on 127.0.0.1:PORT until interrupted."""
    from iac.sandbox import SandboxOptions, SandboxServer

    overrides: dict[str, Any] = {"faults_file": faults_file}
    if activation_delay is not None:
        overrides["activation_delay"] = activation_delay
    if rate_limit is not None:
        overrides["rate_limit_per_minute"] = rate_limit
    options = SandboxOptions(**overrides)
    try:
        server = SandboxServer(data_file, options, port=port)
    except OSError as err:
        raise IacError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}") from None
    url = server.start()
    click.echo(f"Genesys Cloud sandbox listening on {url} (org kept in {data_file}).")
    click.echo("Point iac at it with:")
    click.echo(f"  export GENESYSCLOUD_API_REGION={url}")
    click.echo(f"  export GENESYSCLOUD_OAUTHCLIENT_ID={options.client_id}")
    click.echo(f"  export GENESYSCLOUD_OAUTHCLIENT_SECRET={options.client_secret}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _confirm(where: str) -> None:
    click.echo(
        f"\nDo you want to perform these actions in {where}?\n"
        "  Only 'yes' will be accepted to approve.\n"
    )
    click.echo("  Enter a value: ", nl=False)
    answer = sys.stdin.readline()
    if answer.strip() != "yes":
        raise IacError("Apply cancelled: the answer was not 'yes'. Nothing was changed.")


def _register_audit() -> None:
    from iac.audit.commands import audit

    cli.add_command(audit)


_register_audit()


def main() -> None:
    cli(prog_name="iac")
