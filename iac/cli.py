"""The ``iac`` command line: click wiring only; the work happens in ``iac.run``.

Heavy imports (the Genesys SDK) happen only in commands that talk to Genesys, so
``validate``, ``audit`` and ``--help`` start instantly.
"""

from __future__ import annotations

import asyncio
import os
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
    """Turns every IacError into click's one-line ``Error: ...`` and exit code 1.

    Usage errors exit 1 too (click says 2), because --detailed-exitcode gives 2 its Terraform
    meaning: "there are changes". A typo in a pipeline must not read as a plan with changes.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IacError as err:
            raise click.ClickException(str(err)) from None
        except OSError as err:
            # A folder that is a file, a full disk, a read-only mount: one line, no traceback.
            where = f"{err.filename}: " if err.filename else ""
            raise click.ClickException(f"{where}{err.strerror or err}") from None

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


def _options(*options: Callable[[F], F]) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


_config_dir = click.argument(
    "config_dir", default=".", type=click.Path(path_type=Path, file_okay=False)
)

_input_options = _options(
    click.option(
        "--var",
        "cli_vars",
        multiple=True,
        metavar="NAME=VALUE",
        help="Template variable for the YAML (repeatable; wins over --var-file and IAC_VAR_*).",
    ),
    click.option(
        "--var-file",
        "var_files",
        multiple=True,
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help="YAML file of template variables (repeatable; later files win).",
    ),
    click.option(
        "--policy",
        "policy_file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help="Policy file (overrides one named in the configuration).",
    ),
)

_run_options = _options(
    state_location_options,
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
    click.option("--strict", is_flag=True, help="Any failed gate blocks every change of the run."),
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
        default="error",
        show_default=True,
        help="Logs are opt-in: the terminal output already tells each change's outcome.",
    ),
)

_output_options = _options(
    click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="text for people, json for machines (schemas/plan.schema.json), markdown for PRs.",
    ),
    click.option(
        "--detailed-exitcode",
        is_flag=True,
        help="Exit 0 when there is nothing to do, 2 when there is, 1 on error.",
    ),
    click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set)."),
)

_apply_options = _options(
    click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set)."),
    click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation."),
    click.option(
        "--parallelism",
        default=4,
        show_default=True,
        type=click.IntRange(min=1, max=64),
        help="How many changes run at once.",
    ),
    click.option(
        "--activation-timeout",
        default=120.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Seconds an enabled destination may take to become ACTIVE.",
    ),
)


def _run(command: str, inputs: Any, kwargs: dict[str, Any]) -> Any:
    from iac.run import Run, RunOptions
    from iac.telemetry import configure_logging

    configure_logging(kwargs.pop("log_format"), kwargs.pop("log_level"))
    return Run(RunOptions(**kwargs), command, click.echo, inputs)


def _inputs(config_dir: Path, kwargs: dict[str, Any]) -> Any:
    from iac.inputs import inputs_from_config

    return inputs_from_config(
        config_dir,
        cli_vars=kwargs.pop("cli_vars"),
        var_files=kwargs.pop("var_files"),
        policy_file=kwargs.pop("policy_file"),
    )


def _output(kwargs: dict[str, Any]) -> Any:
    from iac.run import Output

    no_color = kwargs.pop("no_color") or bool(os.environ.get("NO_COLOR"))
    # None lets click colour only a terminal; False never colours.
    return Output(format=kwargs.pop("output_format", "text"), color=False if no_color else None)


def _exit(code: int, detailed: bool) -> None:
    if detailed and code:
        sys.exit(code)


@cli.command()
@_config_dir
@_input_options
def validate(config_dir: Path, **kwargs: Any) -> None:
    """Check the YAML in CONFIG_DIR offline (no Genesys calls)."""
    from iac.config import config_files

    inputs = _inputs(config_dir, kwargs)
    files = len(config_files(config_dir))
    count = len(inputs.desired)
    click.echo(
        f"Success! The configuration is valid: {count} destination{'s' * (count != 1)} "
        f"in {files} file{'s' * (files != 1)}."
    )


@cli.command()
@_config_dir
@_input_options
@_run_options
@_output_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Save the plan to apply exactly it later with: iac apply FILE.",
)
def plan(config_dir: Path, out: Path | None, detailed_exitcode: bool, **kwargs: Any) -> None:
    """Show what apply would change in Genesys Cloud, and the gates each change must pass."""
    inputs = _inputs(config_dir, kwargs)
    output = _output(kwargs)
    with _run("plan", inputs, kwargs) as run:
        code = asyncio.run(run.plan(output, out))
    _exit(code, detailed_exitcode)


@cli.command()
@click.argument("target", default=".", type=click.Path(path_type=Path, exists=True))
@_input_options
@_run_options
@_apply_options
@click.option(
    "--refresh-only",
    is_flag=True,
    help="Accept what Genesys holds now into the state; change nothing in Genesys.",
)
def apply(
    target: Path,
    auto_approve: bool,
    parallelism: int,
    activation_timeout: float,
    refresh_only: bool,
    **kwargs: Any,
) -> None:
    """Make Genesys Cloud match the configuration in TARGET (a folder), or apply exactly the
    saved plan TARGET (a file written by plan --out)."""
    output = _output(kwargs)
    saved = None
    if target.is_file():
        from iac.plan.saved import load_plan

        if refresh_only or kwargs["cli_vars"] or kwargs["var_files"] or kwargs["policy_file"]:
            raise IacError(
                "a saved plan carries its own configuration: --refresh-only, --var, "
                "--var-file and --policy do not apply to it."
            )
        for name in ("cli_vars", "var_files", "policy_file"):
            kwargs.pop(name)
        saved = load_plan(target)
        inputs = saved.inputs
        kwargs["strict"] = kwargs["strict"] or saved.strict
        ctx = click.get_current_context()
        if ctx.get_parameter_source("workspace") is click.core.ParameterSource.DEFAULT:
            kwargs["workspace"] = saved.basis.workspace  # the plan knows where it belongs
    else:
        inputs = _inputs(target, kwargs)
    with _run("apply", inputs, kwargs) as run:
        if refresh_only:
            asyncio.run(run.refresh_only(auto_approve=auto_approve, confirm=_confirm))
            return
        asyncio.run(
            run.apply(
                auto_approve=auto_approve,
                parallelism=parallelism,
                activation_timeout=activation_timeout,
                confirm=_confirm,
                output=output,
                saved=saved,
            )
        )


@cli.command()
@_config_dir
@_input_options
@_run_options
@_output_options
def drift(config_dir: Path, detailed_exitcode: bool, **kwargs: Any) -> None:
    """Report what changed in Genesys outside iac, and integrations iac does not manage."""
    inputs = _inputs(config_dir, kwargs)
    output = _output(kwargs)
    with _run("drift", inputs, kwargs) as run:
        code = asyncio.run(run.drift(output))
    _exit(code, detailed_exitcode)


@cli.command("import")
@click.argument("key")
@click.argument("integration_id")
@click.option(
    "--config-dir",
    default=".",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the configuration that declares KEY.",
)
@_input_options
@_run_options
def import_(key: str, integration_id: str, config_dir: Path, **kwargs: Any) -> None:
    """Adopt the existing integration INTEGRATION_ID as destination KEY."""
    inputs = _inputs(config_dir, kwargs)
    with _run("import", inputs, kwargs) as run:
        asyncio.run(run.import_(key, integration_id))


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write exported.yaml into (default: print it).",
)
@click.option("--id", "ids", multiple=True, help="Export only this integration (repeatable).")
@_run_options
def export(out: Path | None, ids: tuple[str, ...], **kwargs: Any) -> None:
    """Write YAML for the org's EventBridge integrations, to adopt them with iac import."""
    from iac.inputs import Inputs

    with _run("export", Inputs(desired={}), kwargs) as run:
        asyncio.run(run.export(out, ids))


@cli.command()
@_config_dir
@_input_options
@_run_options
@_apply_options
def destroy(
    config_dir: Path,
    auto_approve: bool,
    parallelism: int,
    activation_timeout: float,
    **kwargs: Any,
) -> None:
    """Delete every destination of the workspace (asks first; prevent_destroy refuses)."""
    from dataclasses import replace

    inputs = _inputs(config_dir, kwargs)
    output = _output(kwargs)
    with _run("destroy", replace(inputs, desired={}), kwargs) as run:
        asyncio.run(
            run.apply(
                auto_approve=auto_approve,
                parallelism=parallelism,
                activation_timeout=activation_timeout,
                confirm=_confirm,
                output=output,
                destroying=True,
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


def _confirm(what: str) -> None:
    click.echo(f"\nDo you want to {what}?\n  Only 'yes' will be accepted to approve.\n")
    click.echo("  Enter a value: ", nl=False)
    answer = sys.stdin.readline()
    if answer.strip() != "yes":
        raise IacError("Cancelled: the answer was not 'yes'. Nothing was changed.")


def _register_audit() -> None:
    from iac.audit.commands import audit

    cli.add_command(audit)


_register_audit()


def main() -> None:
    cli(prog_name="iac")
