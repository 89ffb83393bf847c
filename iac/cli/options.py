"""Typed option bundles: each adds its click options to a command and hands the command one
frozen value instead of loose keyword arguments.

    @cli.command()
    @output_options
    def plan(output: OutputOptions) -> None: ...
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from iac.errors import IacError
from iac.pg.url import BackendURL, parse_backend_url
from iac.workspace import check_workspace, current_workspace

if TYPE_CHECKING:
    from iac.run.context import RunOptions

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


def bundle(parameter: str, build: Callable[..., Any], *options: Decorator[Any]) -> Decorator[F]:
    """Add ``options`` to a command and pass ``build(**their values)`` as ``parameter``."""
    names = _option_names(options)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            kwargs[parameter] = build(**{name: kwargs.pop(name) for name in names})
            return func(*args, **kwargs)

        for option in reversed(options):
            command = option(command)
        return command  # type: ignore[return-value]

    return decorate


def _option_names(options: tuple[Decorator[Any], ...]) -> list[str]:
    def probe() -> None: ...

    decorated: Callable[..., Any] = probe
    for option in options:
        decorated = option(decorated)  # some wrap the function (state_location_options)
    params: list[click.Parameter] = decorated.__click_params__  # type: ignore[attr-defined]
    return [p.name for p in params if p.name]


# -- where the state lives (also used by `iac audit`) --------------------------------------


def _workspace(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:  # resolved once --state-dir is known: see state_location_options
        return None
    try:
        return check_workspace(value)
    except IacError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


def _backend(ctx: click.Context, param: click.Parameter, value: str | None) -> BackendURL | None:
    if not value:
        return None
    try:
        return parse_backend_url(value)
    except IacError as err:  # the message never repeats the URL: it may hold a password
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


def state_dir_option(func: F) -> F:
    return click.option(
        "--state-dir",
        default="state",
        show_default=True,
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder holding the state, its lock and the audit trail (with --backend, only "
        "the built-in sandbox's org), and the workspace `iac workspace select` chose.",
    )(func)


def backend_option(func: F) -> F:
    return click.option(
        "--backend",
        envvar="IAC_BACKEND",
        metavar="URL",
        callback=_backend,
        help="Keep state, lock and audit trail in PostgreSQL, e.g. "
        "postgresql://iac@db.example/iac[?schema=iac] (also IAC_BACKEND; the password comes "
        "from the URL, PGPASSWORD or ~/.pgpass). Default: the files in --state-dir.",
    )(func)


def state_location_options(func: F) -> F:
    """``state_dir``, ``workspace`` and ``backend``. The workspace is --workspace, else
    IAC_WORKSPACE, else the one `iac workspace select` remembered in --state-dir, else
    "default" (Terraform's order: TF_WORKSPACE, then .terraform/environment)."""

    @functools.wraps(func)
    def located(*args: Any, **kwargs: Any) -> Any:
        kwargs["workspace"] = current_workspace(kwargs["state_dir"], kwargs["workspace"])
        return func(*args, **kwargs)

    command: F = located  # type: ignore[assignment]
    command = backend_option(command)
    command = click.option(
        "--workspace",
        envvar="IAC_WORKSPACE",
        callback=_workspace,
        help="Workspace: names the state file, its lock and its audit trail. Default: "
        "IAC_WORKSPACE, else the one `iac workspace select` chose, else default.",
    )(command)
    return state_dir_option(command)


# -- what the configuration is rendered with -----------------------------------------------


@dataclass(frozen=True)
class InputOptions:
    cli_vars: tuple[str, ...] = ()
    var_files: tuple[Path, ...] = ()
    policy_file: Path | None = None

    @property
    def given(self) -> bool:
        return bool(self.cli_vars or self.var_files or self.policy_file)


input_options: Decorator[Any] = bundle(
    "inputs",
    InputOptions,
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


# -- how a run talks to Genesys, and what it reports ---------------------------------------


def _run_options(**values: Any) -> RunOptions:
    from iac.run.context import RunOptions

    return RunOptions(**values)


@dataclass(frozen=True)
class LogOptions:
    log_format: Literal["text", "json"] = "text"
    log_level: str = "error"


_TARGET_OPTIONS: tuple[Decorator[Any], ...] = (
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
)
# The gates' options: only for commands that run gates (plan, apply, drift, destroy).
_GATE_OPTIONS: tuple[Decorator[Any], ...] = (
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
)
_METRICS_OPTIONS: tuple[Decorator[Any], ...] = (
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
)
_run_bundle: Decorator[Any] = bundle(
    "run", _run_options, *_TARGET_OPTIONS, *_GATE_OPTIONS, *_METRICS_OPTIONS
)
_ungated_run_bundle: Decorator[Any] = bundle(
    "run", _run_options, *_TARGET_OPTIONS, *_METRICS_OPTIONS
)

_log_bundle: Decorator[Any] = bundle(
    "logs",
    LogOptions,
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


def run_options(func: F) -> F:
    """``run: RunOptions`` and ``logs: LogOptions``."""
    return _run_bundle(_log_bundle(func))


def ungated_run_options(func: F) -> F:
    """``run_options`` without the gates' options, for commands that run no gates (import,
    export): their RunOptions keep the defaults."""
    return _ungated_run_bundle(_log_bundle(func))


# -- how plans are shown -------------------------------------------------------------------


def _no_color_option(func: F) -> F:
    return click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set).")(func)


@dataclass(frozen=True)
class OutputOptions:
    format: Literal["text", "json", "markdown"] = "text"
    detailed_exitcode: bool = False
    no_color: bool = False

    @property
    def color(self) -> bool | None:
        """None lets click colour only a terminal; False never colours."""
        return False if self.no_color or os.environ.get("NO_COLOR") else None


output_options: Decorator[Any] = bundle(
    "output",
    lambda output_format, **rest: OutputOptions(format=output_format, **rest),
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
    _no_color_option,
)


def text_or_json(help: str, dest: str = "output") -> Decorator[Any]:
    """``--format text|json``, for the commands that print a listing or a report."""
    return click.option(
        "--format",
        dest,
        type=click.Choice(("text", "json")),
        default="text",
        show_default=True,
        help=help,
    )


# -- how an apply goes ---------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyOptions:
    auto_approve: bool = False
    parallelism: int = 4
    activation_timeout: float = 120.0
    no_color: bool = False

    @property
    def output(self) -> OutputOptions:
        return OutputOptions(no_color=self.no_color)


apply_options: Decorator[Any] = bundle(
    "applying",
    ApplyOptions,
    _no_color_option,
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


# -- which destinations a plan covers ------------------------------------------------------


def _keys(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    # Terraform's address works too: destination.orders is orders. (Spelled here rather than
    # imported from iac.plan, which would load the planner into every command.)
    keys = tuple(v.removeprefix("destination.") for v in values)
    for key in keys:
        if not key:
            raise click.BadParameter("name a destination key, e.g. orders", ctx=ctx, param=param)
    return tuple(dict.fromkeys(keys))


def target_option(func: F) -> F:
    """``targets``: the keys the plan is limited to (empty: every destination)."""
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KEY",
        callback=_keys,
        help="Limit the plan to this destination and what it depends on (repeatable). For "
        "exceptional cases: the plan may leave out changes the configuration asks for.",
    )(func)


def replace_option(func: F) -> F:
    """``replace_keys``: the keys to replace even where nothing forces it."""
    return click.option(
        "--replace",
        "replace_keys",
        multiple=True,
        metavar="KEY",
        callback=_keys,
        help="Replace this destination (a new integration, the old one deleted) even though "
        "its configuration does not force it (repeatable).",
    )(func)
