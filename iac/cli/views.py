"""What the commands print: plans, drift reports, and each operation's outcome, in
Terraform's words. The operations hand over data; only this module (and the renderers)
turns it into text.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable

import click

from iac.apply import Job
from iac.cli.options import OutputOptions
from iac.cli.progress import ConsoleProgress
from iac.errors import IacError
from iac.plan import Change, Plan, PlanMode
from iac.run.outcomes import (
    ApplyOutcome,
    DriftOutcome,
    ExportOutcome,
    ImportOutcome,
    PlanOutcome,
    RefreshOutcome,
)
from iac.vocabulary import GateKind

# --detailed-exitcode, as Terraform: 0 nothing to do, 2 something to do (or drift).
EXIT_OK, EXIT_CHANGES = 0, 2


def show_plan(
    computed: Plan, where: str, output: OutputOptions, *, command: str, drift_only: bool = False
) -> None:
    if output.format == "json":
        from iac.cli.render.json import render_json

        click.echo(render_json(computed), nl=False)
    elif output.format == "markdown":
        from iac.cli.render.markdown import render_markdown

        click.echo(render_markdown(computed, title=f"iac {command}: {where}"), nl=False)
    else:
        from iac.cli.render.text import render_drift_text, render_text

        click.echo(f"Target: {where}\n")
        if drift_only:
            click.echo(render_drift_text(computed), nl=False)
        else:
            painted = render_text(computed, color=output.color is not False)
            click.echo(painted, nl=False, color=output.color)


def notify(message: str) -> None:
    """Something worth knowing that is not the result (stderr: stdout may be a JSON plan);
    a JSON log line when --log-format json, so stderr stays all JSON."""
    from iac.telemetry.logs import emit_notice

    if not emit_notice(message):
        click.echo(message, err=True)


def report_plan(outcome: PlanOutcome, output: OutputOptions) -> int:
    if outcome.saved_to is not None:
        notify(
            f"Saved the plan to {outcome.saved_to}. "
            f"Apply exactly it with: iac apply {outcome.saved_to}"
        )
    show_plan(outcome.plan, outcome.where, output, command="plan")
    fail_if_blocked(outcome.plan, applying=False)
    return plan_exit_code(outcome.plan)


def plan_exit_code(computed: Plan) -> int:
    """--detailed-exitcode: 2 when applying would change something (for a refresh-only
    plan: the state), else 0."""
    if computed.mode is PlanMode.REFRESH_ONLY:
        return EXIT_CHANGES if computed.drift else EXIT_OK
    return EXIT_CHANGES if computed.has_changes else EXIT_OK


def report_drift(outcome: DriftOutcome, output: OutputOptions) -> int:
    if output.format == "json":
        show_plan(outcome.report, outcome.where, output, command="drift")
    elif output.format == "markdown":
        from iac.cli.render.drift import drift_markdown

        click.echo(drift_markdown(outcome, f"iac drift: {outcome.where}"), nl=False)
    else:
        from iac.cli.render.drift import drift_text

        click.echo(f"Target: {outcome.where}\n")
        click.echo(drift_text(outcome), nl=False)
    return EXIT_CHANGES if outcome.found else EXIT_OK


def report_apply(outcome: ApplyOutcome) -> None:
    computed, result = outcome.plan, outcome.result
    for change in computed.moved:  # made in state before any job ran
        click.echo(
            f"destination.{change.previous_key}: Moved to destination.{change.key} in state "
            "(Genesys was not called)."
        )
    if result is None:
        fail_if_blocked(computed, applying=True)
        if computed.moved:
            click.echo("\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.")
            _incomplete(computed)
        return
    t = result.tally
    tally = f"{t.add} added, {t.change} changed, {t.destroy} destroyed"
    if outcome.retries:
        click.echo(
            f"(Genesys calls retried {outcome.retries} times, "
            f"{outcome.throttled} of them for rate limiting)"
        )
    problems = [
        f"  destination.{j.change.key} ({j.change.action.value}, {j.id}): {j.error}"
        for j in result.failed
    ]
    if problems or computed.blocked:
        lines = []
        if problems:
            lines.append(f"Apply failed: {len(problems)} of {len(result.jobs)} changes failed.")
            lines += problems
        if computed.blocked:
            lines.append(blocked_sentence(computed.blocked, applying=True))
        lines.append(f"Resources: {tally}. State saved what succeeded.")
        raise IacError("\n".join(lines))
    done = "Destroy" if computed.mode is PlanMode.DESTROY else "Apply"
    click.echo(f"\n{done} complete! Resources: {tally}.")
    _incomplete(computed)


def _incomplete(computed: Plan) -> None:
    """After a targeted apply: other changes may be pending (Terraform's warning)."""
    from iac.cli.render.notes import applied_partially_warning

    warning = applied_partially_warning(computed)
    if warning:
        click.echo("\n" + "\n".join(warning))


def report_refresh(outcome: RefreshOutcome) -> None:
    if not outcome.accepted:
        click.echo("No changes. The state already matches Genesys Cloud.")
        return
    for line in outcome.kept:
        click.echo(line)
    click.echo(f"\nRefresh complete! {outcome.accepted} destination(s) updated in state.")


def report_import(outcome: ImportOutcome) -> None:
    click.echo(
        f"Import successful! destination.{outcome.key} now manages integration "
        f"{outcome.integration_id}.\nRun iac plan to see how it differs from the configuration."
    )


def report_export(outcome: ExportOutcome) -> None:
    if outcome.written_to is None:
        click.echo(outcome.yaml_text, nl=False)
    else:
        notify(f"Wrote {len(outcome.keys)} destination(s) to {outcome.written_to}.")
    if outcome.incomplete:
        notify(
            f"{len(outcome.incomplete)} integration(s) have an incomplete configuration and "
            f"were written commented out, with the reason: {', '.join(outcome.incomplete)}. "
            "Configure them in Genesys and export again, or complete the YAML by hand."
        )
    if outcome.import_commands:
        if outcome.written_to is None:
            notify(
                "To manage them with iac, save the YAML in your configuration folder and "
                "import each one, adding --config-dir FOLDER unless you run it there:"
            )
        else:
            notify("To manage them with iac, import each one:")
        for command in outcome.import_commands:
            notify(f"  {command}")


def blocked_sentence(blocked: tuple[Change, ...], *, applying: bool) -> str:
    keys = ", ".join(f"destination.{c.key}" for c in blocked)
    verb = "were not applied" if applying else "would not be applied"
    sentence = f"{len(blocked)} change(s) blocked by failed gates {verb}: {keys}."
    probe = f"{GateKind.CONNECTIVITY.value} "
    if any(r.startswith(probe) for c in blocked for r in c.blocked_by):
        sentence += (
            " A connectivity probe failed: this machine cannot reach the EventBridge "
            "endpoint. Offline or air-gapped (e.g. against a sandbox), pass --skip-probes; "
            "--probe-endpoint URL probes another endpoint."
        )
    return sentence


def fail_if_blocked(computed: Plan, *, applying: bool) -> None:
    if computed.blocked:
        raise IacError(blocked_sentence(computed.blocked, applying=applying))


def confirm(question: str) -> None:
    click.echo(f"\nDo you want to {question}?\n  Only 'yes' will be accepted to approve.\n")
    click.echo("  Enter a value: ", nl=False)
    answer = sys.stdin.readline()
    if answer.strip() != "yes":
        raise IacError("Cancelled: the answer was not 'yes'. Nothing was changed.")


class ConsoleApplyView:
    """An apply (or refresh-only) on the terminal: the plan, the question, then progress."""

    def __init__(
        self,
        where: Callable[[], str],
        output: OutputOptions,
        *,
        command: str,
        preface: str | None = None,
    ) -> None:
        # Read when shown: the target line names the org, known only once logged in.
        self._where = where
        self._output = output
        self._command = command
        self._preface = preface  # e.g. which saved plan is being applied
        self._progress = ConsoleProgress(click.echo)

    def planned(self, computed: Plan) -> None:
        if self._preface:
            click.echo(self._preface)
        show_plan(computed, self._where(), self._output, command=self._command)

    def drifted(self, report: Plan) -> None:
        show_plan(
            report, self._where(), OutputOptions(), command=self._command, drift_only=True
        )

    def confirm(self, question: str) -> None:
        confirm(question)

    def job_changed(self, job: Job) -> None:
        self._progress.job_changed(job)

    @contextlib.asynccontextmanager
    async def applying(self) -> AsyncIterator[None]:
        click.echo("")
        async with self._progress.ticking():
            yield
