"""One command against Genesys: inputs, locked state, the target org, gates, telemetry, audit.

This is the imperative shell around the pure planner: it reads the inputs (configuration or a
saved plan, state, Genesys), hands them to ``plan``, runs the gates, and for the commands that
write drives the applier or the state store, the audit trail and the metrics. Cheap offline
checks come first, so a YAML typo never waits for a lock or a login.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from iac.errors import IacError
from iac.gates import GateOptions, evaluate_gates
from iac.genesys.live import LiveDestination
from iac.genesys.settings import GenesysTarget
from iac.inputs import Inputs
from iac.plan import Plan, plan, prevent_destroy_violations
from iac.plan.basis import Basis, basis_of, stale_reasons
from iac.plan.model import Action, Change, GateResult
from iac.session import open_target
from iac.state import LocalStateStore, ResourceState, State
from iac.telemetry import RunMetrics, get_logger, run_id_var

if TYPE_CHECKING:  # imported lazily at run time: the SDK costs 3.6 s
    from iac.apply import ApplyResult, Job
    from iac.audit import AuditLog
    from iac.genesys.client import GenesysClient
    from iac.plan.saved import SavedPlan

log = get_logger("run")

# --detailed-exitcode, as Terraform: 0 nothing to do, 2 something to do (or drift).
EXIT_OK, EXIT_CHANGES = 0, 2


@dataclass(frozen=True)
class RunOptions:
    state_dir: Path = Path("state")
    workspace: str = "default"
    lock_timeout: float = 0.0
    sandbox: bool = False
    strict: bool = False
    skip_probes: bool = False
    probe_endpoint: str | None = None
    ca_bundle: str | None = None
    probe_timeout: float = 5.0
    metrics_textfile: Path | None = None
    metrics_format: Literal["prometheus", "openmetrics"] = "prometheus"
    metrics_json: Path | None = None


@dataclass(frozen=True)
class Output:
    """How a plan or drift report is shown."""

    format: str = "text"  # text | json | markdown
    # None: colour only when writing to a terminal (click decides); False: never.
    color: bool | None = False


class Run:
    def __init__(
        self, options: RunOptions, command: str, echo: Callable[..., None], inputs: Inputs
    ) -> None:
        self.options = options
        self.command = command
        self.echo = echo
        self.inputs = inputs
        self.store = LocalStateStore(options.state_dir, options.workspace)
        self.run_id = str(uuid.uuid4())
        self.metrics = RunMetrics(command, options.workspace, self.run_id)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Run:
        # Reset on exit: several runs can share one process (tests, embedding).
        token = run_id_var.set(self.run_id)
        self._stack.callback(run_id_var.reset, token)
        try:
            self._stack.enter_context(self.store.lock(self.command, self.options.lock_timeout))
            self.target: GenesysTarget = self._stack.enter_context(
                open_target(
                    sandbox=self.options.sandbox,
                    state_dir=self.options.state_dir,
                    notify=lambda m: self.echo(m, err=True),
                    org=self.inputs.org,
                )
            )
            self.state, self.state_on_disk = self._read_state()
        except BaseException:
            # A run that cannot even start (lock held, bad state, no credentials) must still
            # replace the last run's "success" in the textfile, or alerts would miss it.
            try:
                self._export_metrics(success=False)
            finally:
                self._stack.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        try:
            self._export_metrics(success=exc_type is None)
        finally:
            self._stack.close()

    # -- shared steps -------------------------------------------------------------------

    def client(self) -> GenesysClient:
        from iac.genesys.client import GenesysClient  # the SDK: only for runs that talk to it

        return GenesysClient(self.target, observer=self.metrics)

    def _read_state(self) -> tuple[State, bool]:
        state = self.store.read()
        if state is None:
            return State.new(self.target.state_target), False
        if state.target != self.target.state_target:
            raise IacError(
                f"{self.store.path} describes destinations in {state.target}, but this run "
                f"targets {self.target.state_target}. Use a separate --workspace (or "
                "--state-dir) for each org."
            )
        return state, True

    def _protected(self) -> set[str]:
        # The configuration's flags, and the state's for keys the configuration dropped.
        remembered = {k for k in self.state.protected_keys() if k not in self.inputs.desired}
        return set(self.inputs.protected) | remembered

    def _basis(self, live: dict[str, LiveDestination]) -> Basis:
        basis = basis_of(
            config_hash=self.inputs.config_hash,
            state=self.state,
            live=live,
            workspace=self.options.workspace,
        )
        return basis if self.state_on_disk else replace(basis, state_lineage=None)

    async def _planned(self, client: GenesysClient) -> tuple[Plan, dict[str, LiveDestination]]:
        live = await client.list_destinations()
        computed = plan(self.inputs.desired, self.state, live)
        violations = prevent_destroy_violations(computed, self._protected())
        if violations:
            raise IacError("\n".join(violations))
        self.metrics.set_drift(len(computed.drift))
        return await self._gated(computed, live, client), live

    async def _gated(
        self, computed: Plan, live: dict[str, LiveDestination], client: GenesysClient
    ) -> Plan:
        gated = await evaluate_gates(
            computed,
            live=live,
            managed_ids={r.id for r in self.state.resources.values()},
            probe_endpoints=self.inputs.probe_endpoints,
            read_access=client.read_access,
            options=self._gate_options(),
        )
        for gate in gated.gates:
            self.metrics.count_gate(gate.kind.value, gate.outcome.value)
            log.info(
                "gate %s",
                gate.outcome.value,
                extra={
                    "kind": gate.kind.value,
                    "key": gate.key,
                    "check": gate.check,
                    "detail": gate.message,
                },
            )
        return gated

    def _gate_options(self) -> GateOptions:
        o = self.options
        reason = None
        if o.skip_probes:
            reason = "--skip-probes (air-gapped run)"
        elif self.target.sandbox and not o.probe_endpoint:
            reason = "the sandbox has no AWS side; pass --probe-endpoint to probe one"
        return GateOptions(
            policy=self.inputs.policy,
            strict=o.strict,
            skip_probes_reason=reason,
            probe_override=o.probe_endpoint,
            ca_bundle=o.ca_bundle,
            probe_timeout=o.probe_timeout,
            preflight_blocks=self.command != "plan",
        )

    def _export_metrics(self, success: bool) -> None:
        self.metrics.finish(success)
        if self.options.metrics_textfile:
            self.metrics.write_textfile(self.options.metrics_textfile, self.options.metrics_format)
        if self.options.metrics_json:
            self.metrics.write_json(self.options.metrics_json)

    def _audit(self) -> AuditLog:
        from iac.audit import AuditLog, detect_actor

        audit = AuditLog(
            self.options.state_dir / f"{self.options.workspace}.audit.jsonl",
            run_id=self.run_id,
            actor=detect_actor(os.environ),
        )
        # A damaged trail must stop the run before anything changes, not after.
        audit.check()
        return audit

    def _show(self, computed: Plan, output: Output, *, drift_only: bool = False) -> None:
        from iac.plan.render_text import render_drift_text, render_text

        where = f"{self.target.display}, workspace {self.options.workspace}"
        if output.format == "json":
            from iac.plan.render_json import render_json

            self.echo(render_json(computed), nl=False)
        elif output.format == "markdown":
            from iac.plan.render_markdown import render_markdown

            title = f"iac {self.command}: {where}"
            self.echo(render_markdown(computed, title=title), nl=False)
        elif drift_only:
            self.echo(f"Target: {where}\n")
            self.echo(render_drift_text(computed), nl=False)
        else:
            self.echo(f"Target: {where}\n")
            painted = render_text(computed, color=output.color is not False)
            self.echo(painted, nl=False, color=output.color)

    # -- plan ---------------------------------------------------------------------------

    async def plan(self, output: Output, out: Path | None = None) -> int:
        async with self.client() as client:
            computed, live = await self._planned(client)
        if out is not None:
            from iac.plan.saved import save_plan

            save_plan(out, computed, self._basis(live), self.inputs, strict=self.options.strict)
            self.echo(f"Saved the plan to {out}. Apply exactly it with: iac apply {out}", err=True)
        self._show(computed, output)
        _fail_if_blocked(computed, applying=False)
        return EXIT_CHANGES if computed.has_changes else EXIT_OK

    # -- apply --------------------------------------------------------------------------

    async def apply(
        self,
        *,
        auto_approve: bool,
        parallelism: int,
        activation_timeout: float,
        confirm: Callable[[str], None],
        output: Output | None = None,
        saved: SavedPlan | None = None,
        destroying: bool = False,
    ) -> None:
        output = output or Output()
        async with self.client() as client:
            if saved is None:
                computed, _ = await self._planned(client)
            else:
                computed = await self._saved_plan_still_valid(saved, client)
                auto_approve = True  # a saved plan was reviewed and approved already
                self.echo(
                    f"Applying the plan saved at {saved.created_at} from configuration "
                    f"{saved.basis.config_hash[:12]} (state serial {saved.basis.state_serial}).\n"
                )
            self._show(computed, output)
            audit = self._audit()
            if computed.has_changes and not auto_approve:
                # Before anything is written: a "no" leaves state and audit trail untouched.
                confirm(
                    f"destroy every destination of workspace {self.options.workspace} in "
                    f"{self.target.display}"
                    if destroying
                    else f"perform these actions in {self.target.display}"
                )
            self._sync_state(computed, audit)
            self._audit_blocked(computed, audit)
            if not computed.has_changes:
                _fail_if_blocked(computed, applying=True)
                return
            self.echo("")
            result = await self._run_jobs(
                computed,
                client,
                audit,
                parallelism=parallelism,
                activation_timeout=activation_timeout,
            )
        self._report(computed, result, client)

    async def _saved_plan_still_valid(self, saved: SavedPlan, client: GenesysClient) -> Plan:
        if saved.basis.workspace != self.options.workspace:
            raise IacError(
                f"The saved plan is for workspace {saved.basis.workspace!r}; this run uses "
                f"{self.options.workspace!r} (pass --workspace {saved.basis.workspace})."
            )
        live = await client.list_destinations()
        affected = {c.id for c in saved.plan.changes if c.id}
        reasons = stale_reasons(saved.basis, self.state, self.state_on_disk, live, affected)
        if reasons:
            raise IacError(
                "The saved plan is stale and was not applied:\n"
                + "\n".join(f"  - {r}" for r in reasons)
                + "\nRun iac plan again and review the new plan."
            )
        # The file is data anyone could edit: it must be exactly what its own configuration
        # gives against this state and Genesys, or it is not the plan that was reviewed.
        again = plan(saved.inputs.desired, self.state, live)
        if _decisions(again) != _decisions(saved.plan):
            raise IacError(
                "The saved plan does not match what its configuration plans against this state "
                "and Genesys: the file was edited or damaged. It was not applied; run iac plan "
                "again."
            )
        violations = prevent_destroy_violations(saved.plan, self._protected())
        if violations:
            raise IacError("\n".join(violations))
        # Gates run again: the token or the network may have changed since the review. A
        # change blocked at review time stays blocked even if its gate passes now.
        fresh = replace(
            saved.plan,
            gates=(),
            changes=tuple(replace(c, blocked_by=()) for c in saved.plan.changes),
        )
        regated = await self._gated(fresh, live, client)
        then = {c.job_id: c.blocked_by for c in saved.plan.changes}
        return replace(
            regated,
            changes=tuple(
                replace(
                    c, blocked_by=tuple(dict.fromkeys((*then.get(c.job_id, ()), *c.blocked_by)))
                )
                for c in regated.changes
            ),
        )

    def _sync_state(self, computed: Plan, audit: AuditLog) -> None:
        """Bring state in line where nothing needs to change in Genesys.

        A destination already as configured (an interrupted apply that got further than its
        state write, or an outside edit that happens to match the YAML) takes what Genesys
        holds; otherwise drift would be reported forever. prevent_destroy flags are recorded.
        """

        synced = self.state.with_protection(self.inputs.protected, set(self.inputs.desired))
        for change in computed.changes:
            entry = synced.resources.get(change.key)
            if change.action is not Action.NOOP or entry is None or change.after is None:
                continue
            if entry.attributes != change.after:
                synced = synced.with_resource(change.key, replace(entry, attributes=change.after))
                _audit_refresh(audit, change.key, entry.id, entry.attributes, change.after)
        if synced != self.state and self.state_on_disk:
            self.state = self.store.write(synced)

    async def _run_jobs(
        self,
        computed: Plan,
        client: GenesysClient,
        audit: AuditLog,
        *,
        parallelism: int,
        activation_timeout: float,
    ) -> ApplyResult:
        from iac.apply import StateRecorder, apply_plan
        from iac.audit import AuditRecord
        from iac.console import ConsoleProgress

        def finished(job: Job) -> None:
            result = "succeeded" if job.ok else "failed"
            self.metrics.observe_job(job.change.action.value, job.duration_seconds, result)
            audit.append(
                AuditRecord(
                    action=job.change.action.value,
                    key=job.change.key,
                    genesys_id=job.genesys_id,
                    before=job.change.before,
                    after=job.change.after,
                    result=result,
                    error=job.error,
                    duration_seconds=job.duration_seconds,
                    job_id=job.id,
                    gates=_gates_for(computed, job.change.key),
                    verification=job.verification,
                )
            )

        progress = ConsoleProgress(self.echo)
        async with progress.ticking():
            return await apply_plan(
                computed,
                client=client,
                recorder=StateRecorder(self.store, self.state, frozenset(self._protected())),
                progress=progress,
                on_finished=finished,
                parallelism=parallelism,
                activation_timeout=activation_timeout,
                job_id_prefix=self.run_id[:8],
            )

    def _report(self, computed: Plan, result: ApplyResult, client: GenesysClient) -> None:
        counts = result.counts()
        tally = (
            f"{counts['added']} added, {counts['changed']} changed, {counts['destroyed']} destroyed"
        )
        if client.stats.retries:
            self.echo(
                f"(Genesys calls retried {client.stats.retries} times, "
                f"{client.stats.throttled} of them for rate limiting)"
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
                lines.append(_blocked_sentence(computed.blocked, applying=True))
            lines.append(f"Resources: {tally}. State saved what succeeded.")
            raise IacError("\n".join(lines))
        self.echo(f"\nApply complete! Resources: {tally}.")

    def _audit_blocked(self, computed: Plan, audit: AuditLog) -> None:
        """Compliance wants the refusals too: a blocked change is recorded, never attempted."""
        from iac.audit import AuditRecord

        for change in computed.blocked:
            audit.append(
                AuditRecord(
                    action=change.action.value,
                    key=change.key,
                    genesys_id=change.id,
                    before=change.before,
                    after=change.after,
                    result="blocked",
                    error="; ".join(change.blocked_by),
                    duration_seconds=0.0,
                    gates=_gates_for(computed, change.key),
                )
            )
            self.metrics.observe_job(change.action.value, 0.0, "skipped")

    # -- drift and refresh-only ---------------------------------------------------------

    async def _drift(self, client: GenesysClient) -> tuple[Plan, dict[str, LiveDestination]]:
        live = await client.list_destinations()
        computed = plan(self.inputs.desired, self.state, live)
        self.metrics.set_drift(len(computed.drift) + len(computed.unmanaged))
        return Plan(changes=(), drift=computed.drift, unmanaged=computed.unmanaged), live

    async def drift(self, output: Output) -> int:
        async with self.client() as client:
            report, _ = await self._drift(client)
        self._show(report, output, drift_only=True)
        return EXIT_CHANGES if report.drift or report.unmanaged else EXIT_OK

    async def refresh_only(self, *, auto_approve: bool, confirm: Callable[[str], None]) -> None:
        """Accept what Genesys holds now into state, changing nothing in Genesys."""

        async with self.client() as client:
            report, live = await self._drift(client)
        if not report.drift:
            self.echo("No changes. The state already matches Genesys Cloud.")
            return
        self._show(report, Output(), drift_only=True)
        audit = self._audit()
        if not auto_approve:
            confirm("accept these values into the state (Genesys is not changed)")
        state = self.state
        for d in report.drift:
            entry = state.resources[d.key]
            if d.deleted and entry.deposed:
                # Forgetting it would orphan the leftovers a failed replace still has to delete.
                self.echo(
                    f"destination.{d.key}: kept in state: it still lists integrations "
                    f"{', '.join(entry.deposed)} to delete; the next apply handles them."
                )
                continue
            if d.deleted:
                state = state.without_resource(d.key)
            else:
                state = state.with_resource(
                    d.key, replace(entry, attributes=dict(live[d.id].attributes))
                )
            after = None if d.deleted else live[d.id].attributes
            _audit_refresh(audit, d.key, d.id, entry.attributes, after)
        self.state = self.store.write(state)
        self.echo(f"\nRefresh complete! {len(report.drift)} destination(s) updated in state.")

    # -- import and export --------------------------------------------------------------

    async def import_(self, key: str, integration_id: str) -> None:
        from iac.audit import AuditRecord

        if key not in self.inputs.desired:
            raise IacError(
                f"destination {key!r} is not in the configuration: add it to the YAML first "
                "(iac export writes YAML for existing integrations)."
            )
        if key in self.state.resources:
            raise IacError(
                f"destination {key!r} already manages integration "
                f"{self.state.resources[key].id} in workspace {self.options.workspace}."
            )
        owner = next((k for k, r in self.state.resources.items() if r.id == integration_id), None)
        if owner:
            raise IacError(f"integration {integration_id} is already managed as {owner!r}.")
        audit = self._audit()
        async with self.client() as client:
            found = await client.get_destination(integration_id)
        if found is None:
            raise IacError(
                f"no Amazon EventBridge Source integration {integration_id} in "
                f"{self.target.display}."
            )
        self.state = self.store.write(
            self.state.with_resource(
                key,
                ResourceState(
                    integration_id,
                    dict(found.attributes),
                    prevent_destroy=key in self.inputs.protected,
                ),
            )
        )
        audit.append(
            AuditRecord(
                action="import",
                key=key,
                genesys_id=integration_id,
                before=None,
                after=found.attributes,
                result="succeeded",
                error=None,
                duration_seconds=0.0,
            )
        )
        self.echo(
            f"Import successful! destination.{key} now manages integration {integration_id}.\n"
            "Run iac plan to see how it differs from the configuration."
        )

    async def export(self, out: Path | None, ids: tuple[str, ...]) -> None:
        from iac.export import export_yaml

        async with self.client() as client:
            live = await client.list_destinations()
        if ids:
            missing = [i for i in ids if i not in live]
            if missing:
                raise IacError(f"no EventBridge integration with id {', '.join(missing)}.")
            live = {i: live[i] for i in ids}
        managed = {r.id: k for k, r in self.state.resources.items()}
        text, keys = export_yaml(live, managed)
        if out is None:
            self.echo(text, nl=False)
        else:
            out.mkdir(parents=True, exist_ok=True)
            path = out / "exported.yaml"
            path.write_text(text, encoding="utf-8")
            self.echo(f"Wrote {len(keys)} destination(s) to {path}.", err=True)
        commands = [
            f"iac import {key} {integration_id}"
            for integration_id, key in keys.items()
            if integration_id not in managed
        ]
        if commands:
            self.echo("To manage them with iac, import each one:", err=True)
            for command in commands:
                self.echo(f"  {command}", err=True)


def _audit_refresh(
    audit: AuditLog,
    key: str,
    genesys_id: str,
    before: dict[str, Any],
    after: dict[str, Any] | None,
) -> None:
    """State took what Genesys holds; Genesys itself was not changed."""
    from iac.audit import AuditRecord

    audit.append(
        AuditRecord(
            action="refresh",
            key=key,
            genesys_id=genesys_id,
            before=before,
            after=after,
            result="succeeded",
            error=None,
            duration_seconds=0.0,
        )
    )


def _decisions(computed: Plan) -> list[tuple[Any, ...]]:
    """What a plan decides, leaving out the gate results added to it afterwards."""
    return [
        (
            c.job_id,
            c.action,
            c.id,
            c.before,
            c.after,
            c.depends_on,
            c.waits_for_identity,
            c.destroy_before_create,
        )
        for c in computed.changes
    ]


def _gates_for(computed: Plan, key: str) -> list[dict[str, Any]]:
    return [_gate_json(g) for g in computed.gates if g.key in (key, None)]


def _gate_json(gate: GateResult) -> dict[str, Any]:
    data = asdict(gate)
    data["kind"], data["outcome"] = gate.kind.value, gate.outcome.value
    return data


def _blocked_sentence(blocked: tuple[Change, ...], *, applying: bool) -> str:
    keys = ", ".join(f"destination.{c.key}" for c in blocked)
    verb = "were not applied" if applying else "would not be applied"
    return f"{len(blocked)} change(s) blocked by failed gates {verb}: {keys}."


def _fail_if_blocked(computed: Plan, *, applying: bool) -> None:
    if computed.blocked:
        raise IacError(_blocked_sentence(computed.blocked, applying=applying))
