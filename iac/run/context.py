"""The context every operation runs in: the locked workspace, the target org, its state,
the run's metrics and audit trail.

Entering it takes the state lock, chooses the target (the org the environment names, or the
sandbox) and reads the state; leaving it exports the metrics, also for a run that could not
start, so a scheduled job's failure replaces the last run's "success". ``client()`` logs in
and reads the org the credentials belong to: a state recorded for another org is refused
there, before anything is planned or written.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from iac.errors import IacError
from iac.gates import GateOptions, evaluate_gates
from iac.genesys.live import LiveDestination, OrgIdentity, describe_org
from iac.genesys.settings import SANDBOX_TARGET, GenesysTarget
from iac.plan import Action, Plan
from iac.plan.basis import Basis, basis_of
from iac.run.aws_side import AwsSide
from iac.run.inputs import Inputs
from iac.run.target import open_target
from iac.state import State
from iac.telemetry import RunMetrics, get_logger, run_id_var
from iac.workspace import Workspace, backends

if TYPE_CHECKING:  # imported lazily at run time: only runs that talk to Genesys load the SDK
    from iac.audit import AuditTrail
    from iac.gates.topics import Catalog
    from iac.genesys.client import GenesysClient
    from iac.pg.url import BackendURL

log = get_logger("run")


@dataclass(frozen=True)
class RunOptions:
    state_dir: Path = Path("state")
    workspace: str = "default"
    backend: BackendURL | None = None  # None: the local files in state_dir
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


class RunContext:
    def __init__(
        self,
        options: RunOptions,
        command: str,
        inputs: Inputs,
        *,
        notify: Callable[[str], None],
    ) -> None:
        self.options = options
        self.command = command
        self.inputs = inputs
        # Things worth telling the user that are not results (e.g. "using the sandbox").
        self.notify = notify
        self.workspace = Workspace(options.state_dir, options.workspace, options.backend)
        self.backends = backends(self.workspace)
        self.store = self.backends.state
        # The org the credentials log in to, once ``client()`` has connected.
        self.org: OrgIdentity | None = None
        # The stored state records no org yet (written before iac read it): the next write must.
        self.org_unrecorded = False
        self.run_id = str(uuid.uuid4())
        self.metrics = RunMetrics(command, options.workspace, self.run_id)
        # The org's topic catalog, read once per run (by the first gating that needs it).
        self._topic_catalog: Catalog | None = None
        # The partner event buses of the aws_event_bus blocks (idle without one).
        self.aws = AwsSide(inputs.buses)
        self._stack = contextlib.ExitStack()
        self._stack.callback(self.aws.close)

    def __enter__(self) -> RunContext:
        # Reset on exit: several runs can share one process (tests, embedding).
        token = run_id_var.set(self.run_id)
        self._stack.callback(run_id_var.reset, token)
        try:
            self._stack.enter_context(self.backends.lock(self.command, self.options.lock_timeout))
            self.target: GenesysTarget = self._stack.enter_context(
                open_target(
                    sandbox=self.options.sandbox,
                    sandbox_org_file=self.workspace.sandbox_org_file,
                    notify=self.notify,
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

    @property
    def where(self) -> str:
        """The target line of every report: org and workspace."""
        return f"{self.target_org}, workspace {self.options.workspace}"

    @property
    def target_org(self) -> str:
        """The API URL (or the sandbox) and, once connected, the org's name and id."""
        if self.org is None:
            return self.target.display
        named = f"org {self.org.name}, " if self.org.name else "org "
        return f"{self.target.display} ({named}id {self.org.id})"

    @contextlib.asynccontextmanager
    async def client(self, concurrency: int | None = None) -> AsyncIterator[GenesysClient]:
        """A logged-in client, once the org it logs in to is known to be the state's.

        ``concurrency``: HTTP requests in flight at once (an apply's --parallelism); None
        keeps the client's default, for reads."""
        # The SDK: only for runs that talk to Genesys.
        from iac.genesys.client import READ_CONCURRENCY, GenesysClient

        async with GenesysClient(
            self.target, observer=self.metrics, max_concurrency=concurrency or READ_CONCURRENCY
        ) as client:
            self._connected(await client.org())
            yield client

    def _connected(self, org: OrgIdentity) -> None:
        """Refuse a state recorded for another org; otherwise bind the state to ``org``."""
        recorded = self.state.org_id
        if recorded is not None and recorded != org.id:
            raise IacError(
                f"{self.workspace.location} describes destinations in org "
                f"{describe_org(recorded, self.state.org_name)}, but the credentials of this "
                f"run log in to org {org} at {self.target.display}. Nothing was planned or "
                "changed. Use a separate --workspace (or --state-dir) for each org."
            )
        if recorded is None and self.state_on_disk:
            self.org_unrecorded = True
            self.notify(
                f"{self.workspace.location} records no org yet: it is taken to describe org "
                f"{org}, and records it on its next write."
            )
        self.org = org
        self.state = self.state.with_org(org.id, org.name)

    def write_state(self, state: State) -> None:
        self.state = self.store.write(state)
        self.org_unrecorded = False

    def prepare_writes(self) -> AuditTrail:
        """The audit trail, once this run is known to be able to record what it changes: a
        damaged trail, or a state or trail it may not write, stops it before Genesys does."""
        from iac.audit import detect_actor

        self.store.check_writable()
        audit = self.backends.audit_log(run_id=self.run_id, actor=detect_actor(os.environ))
        audit.check()
        return audit

    def protected(self) -> set[str]:
        """The configuration's prevent_destroy flags, and the state's for keys it dropped."""
        remembered = {k for k in self.state.protected_keys() if k not in self.inputs.desired}
        return set(self.inputs.protected) | remembered

    def basis(self, live: dict[str, LiveDestination]) -> Basis:
        basis = basis_of(
            config_hash=self.inputs.config_hash,
            state=self.state,
            live=live,
            workspace=self.options.workspace,
        )
        return basis if self.state_on_disk else replace(basis, state_lineage=None)

    async def gated(
        self, computed: Plan, live: dict[str, LiveDestination], client: GenesysClient
    ) -> Plan:
        """The plan with every gate's result, and the changes failed gates block."""
        creates = any(c.action in (Action.CREATE, Action.REPLACE) for c in computed.changes)
        writes = creates or any(c.action is Action.UPDATE for c in computed.changes)
        gated = await evaluate_gates(
            computed,
            live=live,
            managed_ids={r.id for r in self.state.resources.values()},
            probe_endpoints=self.inputs.probe_endpoints,
            read_access=client.read_access,
            options=self._gate_options(),
            # The type's cap matters (and costs a call) only when the plan adds integrations.
            max_instances=await self._max_instances(client) if creates else None,
            # Likewise the topic catalog: only when the plan sends topics to Genesys.
            catalog=await self._topics(client) if writes else None,
            aws=self.aws.gate_results(computed, blocking=self.command != "plan"),
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

    async def refresh_buses(self) -> None:
        """Read the partner event buses (once connected: their names carry the org's id)."""
        assert self.org is not None
        await self.aws.refresh(self.inputs.desired, self.state, self.org.id)

    async def _max_instances(self, client: GenesysClient) -> int | None:
        from iac.genesys.errors import GenesysApiError

        try:
            return await client.max_instances()
        except GenesysApiError as err:
            if err.status not in (403, 404):
                raise
            # A token without the type's view permission must not stop every plan.
            self.notify(f"Not checked against the org's instance cap: {err}")
            return None

    async def _topics(self, client: GenesysClient) -> Catalog:
        from iac.genesys.errors import GenesysApiError
        from iac.genesys.topics import unavailable

        if self._topic_catalog is None:
            try:
                self._topic_catalog = await client.topic_catalog()
            except GenesysApiError as err:
                if err.status not in (403, 404):
                    raise
                # A token that may not read the catalog must not stop every plan: the rules
                # gate warns that topics were not checked, and says what Genesys refused.
                self._topic_catalog = unavailable(err)
        return self._topic_catalog

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

    def _read_state(self) -> tuple[State, bool]:
        state = self.store.read()
        if state is None:
            return State.new(self.target.state_target), False
        if state.target != self.target.state_target:
            hint = ""
            if state.target == SANDBOX_TARGET:
                hint = (
                    " To reach the built-in sandbox's org through `iac sandbox serve`, serve "
                    f"{self.workspace.sandbox_org_file} (its --data-file), or unset the "
                    "GENESYSCLOUD_* variables while it runs."
                )
            raise IacError(
                f"{self.workspace.state_file} describes destinations in {state.target}, but "
                f"this run targets {self.target.state_target}. Use a separate --workspace "
                f"(or --state-dir) for each org.{hint}"
            )
        return state, True

    def _export_metrics(self, success: bool) -> None:
        self.metrics.finish(success)
        if self.options.metrics_textfile:
            self.metrics.write_textfile(self.options.metrics_textfile, self.options.metrics_format)
        if self.options.metrics_json:
            self.metrics.write_json(self.options.metrics_json)
