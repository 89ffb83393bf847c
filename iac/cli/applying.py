"""``iac apply`` (a configuration, a saved plan, or --refresh-only) and ``iac destroy``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from iac.cli.options import (
    ApplyOptions,
    InputOptions,
    LogOptions,
    apply_options,
    input_options,
    replace_option,
    run_options,
    target_option,
)
from iac.cli.planning import config_dir_argument
from iac.cli.running import load_inputs, open_run
from iac.errors import IacError

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from iac.plan import PlanRequest
    from iac.run.context import RunContext, RunOptions
    from iac.run.planfile import SavedPlan


def _source_timeout_option(func: F) -> F:
    return click.option(
        "--source-timeout",
        default=300.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Seconds an aws_event_bus create waits for Genesys to make the partner event "
        "source in the AWS account.",
    )(func)


@click.command()
@click.argument("target", default=".", type=click.Path(path_type=Path, exists=True))
@input_options
@run_options
@apply_options
@_source_timeout_option
@click.option(
    "--refresh-only",
    is_flag=True,
    help="Accept what Genesys holds now into the state; change nothing in Genesys.",
)
@click.option(
    "--config-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="With a saved plan: the configuration folder it was made from "
    "(default: the folder the plan records, relative to here).",
)
@target_option
@replace_option
def apply(
    target: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
    applying: ApplyOptions,
    source_timeout: float,
    refresh_only: bool,
    config_dir: Path | None,
    targets: tuple[str, ...],
    replace_keys: tuple[str, ...],
) -> None:
    """Make Genesys Cloud match the configuration in TARGET (a folder), or apply exactly the
    saved plan TARGET (a file written by plan --out), made from the configuration at hand."""
    from iac.plan import PlanRequest

    saved = None
    request = PlanRequest(targets=targets, replace=replace_keys)
    if refresh_only and (targets or replace_keys):
        raise IacError("--refresh-only cannot be combined with --target or --replace.")
    if target.is_file():
        from iac.run.planfile import load_plan
        from iac.run.saved_plan_check import reviewed_inputs

        if refresh_only:
            raise IacError("--refresh-only takes a configuration folder, not a saved plan.")
        if targets or replace_keys:
            raise IacError(
                "--target and --replace go with iac plan: a saved plan applies exactly what "
                "it was made for (its own targets and replacements)."
            )
        saved = load_plan(target)
        folder = config_dir or saved.config_dir
        if not folder.is_dir():
            raise IacError(
                f"The plan {target} was made from the configuration folder {folder}, which is "
                "not here: run iac apply where iac plan ran, or pass --config-dir."
            )
        loaded = reviewed_inputs(saved, load_inputs(folder, inputs))
        run = replace(run, strict=run.strict or saved.strict)
        ctx = click.get_current_context()
        if ctx.get_parameter_source("workspace") is click.core.ParameterSource.DEFAULT:
            run = replace(run, workspace=saved.basis.workspace)  # the plan knows where it belongs
    else:
        if config_dir is not None:
            raise IacError("--config-dir goes with a saved plan; TARGET is the folder itself.")
        loaded = load_inputs(target, inputs)
    with open_run("apply", loaded, run, logs) as context:
        if refresh_only:
            _refresh(context, applying)
        else:
            _apply(context, applying, source_timeout, saved=saved, request=request)


@click.command()
@config_dir_argument
@input_options
@run_options
@apply_options
@_source_timeout_option
@target_option
def destroy(
    config_dir: Path,
    inputs: InputOptions,
    run: RunOptions,
    logs: LogOptions,
    applying: ApplyOptions,
    source_timeout: float,
    targets: tuple[str, ...],
) -> None:
    """Delete every destination of the workspace (asks first; prevent_destroy refuses)."""
    from iac.plan import PlanMode, PlanRequest

    loaded = load_inputs(config_dir, inputs)
    with open_run("destroy", loaded, run, logs) as context:
        _apply(context, applying, source_timeout, request=PlanRequest(PlanMode.DESTROY, targets))


def _apply(
    context: RunContext,
    options: ApplyOptions,
    source_timeout: float,
    *,
    saved: SavedPlan | None = None,
    request: PlanRequest | None = None,
) -> None:
    from iac.cli.views import ConsoleApplyView, report_apply
    from iac.run.applying import ApplySettings, apply_changes

    preface = None
    if saved is not None:
        from iac.cli.render.notes import plan_kind

        preface = (
            f"Applying {plan_kind(saved.plan)} saved at {saved.created_at} from configuration "
            f"{saved.basis.config_hash[:12]} in {context.inputs.source} "
            f"(state serial {saved.basis.state_serial}).\n"
        )
    view = ConsoleApplyView(
        lambda: context.where, options.output, command=context.command, preface=preface
    )
    settings = ApplySettings(
        auto_approve=options.auto_approve,
        parallelism=options.parallelism,
        activation_timeout=options.activation_timeout,
        source_timeout=source_timeout,
    )
    outcome = asyncio.run(
        apply_changes(context, view, settings, saved=saved, request=request or PlanRequest())
    )
    report_apply(outcome)


def _refresh(context: RunContext, options: ApplyOptions) -> None:
    from iac.cli.views import ConsoleApplyView, report_refresh
    from iac.run.refresh import refresh_only

    view = ConsoleApplyView(lambda: context.where, options.output, command=context.command)
    report_refresh(asyncio.run(refresh_only(context, view, auto_approve=options.auto_approve)))
