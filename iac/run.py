"""One ``plan`` or ``apply``: configuration, locked state, the target org, gates, telemetry.

This is the imperative shell around the pure planner: it reads the inputs (YAML, state,
Genesys), hands them to ``plan``, runs the gates, and for ``apply`` drives the applier, the
audit trail and the metrics. Cheap offline checks come first, so a YAML typo never waits for
a lock or a login.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from iac.config import load_config
from iac.errors import IacError
from iac.gates import GateOptions, evaluate_gates, load_policy
from iac.genesys.settings import GenesysTarget
from iac.plan import Plan, plan
from iac.plan.model import Action, GateResult
from iac.plan.render_text import render_text
from iac.session import open_target
from iac.state import LocalStateStore, State
from iac.telemetry import RunMetrics, get_logger, run_id_var

log = get_logger("run")


@dataclass(frozen=True)
class RunOptions:
    config_dir: Path
    state_dir: Path = Path("state")
    workspace: str = "default"
    lock_timeout: float = 0.0
    sandbox: bool = False
    policy_file: Path | None = None
    strict: bool = False
    skip_probes: bool = False
    probe_endpoint: str | None = None
    ca_bundle: str | None = None
    probe_timeout: float = 5.0
    metrics_textfile: Path | None = None
    metrics_format: str = "prometheus"
    metrics_json: Path | None = None


class Run:
    def __init__(self, options: RunOptions, command: str, echo: Callable[..., None]) -> None:
        self.options = options
        self.command = command
        self.echo = echo
        desired = load_config(options.config_dir)
        self.desired = {key: d.attributes() for key, d in desired.destinations.items()}
        self.probe_endpoints = desired.probe_endpoints
        policy_file = options.policy_file or desired.policy_file
        self.policy = load_policy(policy_file) if policy_file else None
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
                )
            )
            self.state = self._read_state()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        try:
            self._export_metrics(success=exc_type is None)
        finally:
            self._stack.close()

    def client(self) -> Any:
        from iac.genesys.client import GenesysClient  # the SDK: only for runs that talk to it

        return GenesysClient(self.target, observer=self.metrics)

    async def refresh_and_plan(self, client: Any) -> Plan:
        live = await client.list_destinations()
        computed = plan(self.desired, self.state, live)
        self.metrics.set_drift(len(computed.drift))
        gated = await evaluate_gates(
            computed,
            live=live,
            managed_ids={r.id for r in self.state.resources.values()},
            probe_endpoints=self.probe_endpoints,
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
            policy=self.policy,
            strict=o.strict,
            skip_probes_reason=reason,
            probe_override=o.probe_endpoint,
            ca_bundle=o.ca_bundle,
            probe_timeout=o.probe_timeout,
        )

    def _read_state(self) -> State:
        state = self.store.read()
        if state is None:
            return State.new(self.target.state_target)
        if state.target != self.target.state_target:
            raise IacError(
                f"{self.store.path} describes destinations in {state.target}, but this run "
                f"targets {self.target.state_target}. Use a separate --workspace (or "
                "--state-dir) for each org."
            )
        return state

    def _export_metrics(self, success: bool) -> None:
        self.metrics.finish(success)
        if self.options.metrics_textfile:
            self.metrics.write_textfile(self.options.metrics_textfile, self.options.metrics_format)
        if self.options.metrics_json:
            self.metrics.write_json(self.options.metrics_json)

    # -- commands -----------------------------------------------------------------------

    async def plan(self) -> Plan:
        async with self.client() as client:
            computed = await self.refresh_and_plan(client)
        self.echo(render_text(computed), nl=False)
        _fail_if_blocked(computed, applying=False)
        return computed

    async def apply(
        self,
        *,
        auto_approve: bool,
        parallelism: int,
        activation_timeout: float,
        confirm: Callable[[str], None],
        still_every: float = 10.0,
    ) -> None:
        from iac.apply import StateRecorder, apply_plan
        from iac.audit import AuditLog, AuditRecord, detect_actor
        from iac.console import ConsoleProgress

        async with self.client() as client:
            computed = await self.refresh_and_plan(client)
            self.echo(render_text(computed), nl=False)
            audit = AuditLog(
                self.options.state_dir / f"{self.options.workspace}.audit.jsonl",
                run_id=self.run_id,
                actor=detect_actor(os.environ),
            )
            # A damaged trail must stop the run before Genesys changes, not after.
            audit.check()
            self._audit_blocked(computed, audit, AuditRecord)
            if not computed.has_changes:
                _fail_if_blocked(computed, applying=True)
                return
            if not auto_approve:
                confirm(self.target.display)
            self.echo("")

            def finished(job: Any) -> None:
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

            progress = ConsoleProgress(self.echo, still_every=still_every)
            async with progress.ticking():
                result = await apply_plan(
                    computed,
                    client=client,
                    recorder=StateRecorder(self.store, self.state),
                    progress=progress,
                    on_finished=finished,
                    parallelism=parallelism,
                    activation_timeout=activation_timeout,
                    job_id_prefix=f"{self.run_id[:8]}",
                )
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
        blocked = computed.blocked
        if problems or blocked:
            lines = []
            if problems:
                lines.append(f"Apply failed: {len(problems)} of {len(result.jobs)} changes failed.")
                lines += problems
            if blocked:
                lines.append(_blocked_sentence(blocked, applying=True))
            lines.append(f"Resources: {tally}. State saved what succeeded.")
            raise IacError("\n".join(lines))
        self.echo(f"\nApply complete! Resources: {tally}.")

    def _audit_blocked(self, computed: Plan, audit: Any, record: Any) -> None:
        """Compliance wants the refusals too: a blocked change is recorded, never attempted."""
        for change in computed.blocked:
            audit.append(
                record(
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


def _gates_for(computed: Plan, key: str) -> list[dict[str, Any]]:
    return [_gate_json(g) for g in computed.gates if g.key in (key, None)]


def _gate_json(gate: GateResult) -> dict[str, Any]:
    data = asdict(gate)
    data["kind"], data["outcome"] = gate.kind.value, gate.outcome.value
    return data


def _blocked_sentence(blocked: tuple[Any, ...], *, applying: bool) -> str:
    keys = ", ".join(f"destination.{c.key}" for c in blocked)
    verb = "were not applied" if applying else "would not be applied"
    return f"{len(blocked)} change(s) blocked by failed gates {verb}: {keys}."


def _fail_if_blocked(computed: Plan, *, applying: bool) -> None:
    if computed.blocked:
        raise IacError(_blocked_sentence(computed.blocked, applying=applying))


__all__ = ["Action", "Run", "RunOptions"]
