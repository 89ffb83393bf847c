"""In-memory fakes the applier runs against: an org (``FakeGenesys``), a state backend, a
progress sink, and ``Run``, one apply wired to them.

``FakeGenesys`` implements the applier's ``DestinationClient`` and logs every call; like
Genesys it refuses a second integration with an AWS identity already in use, so a wrong order
of deletes and creates fails here as it would there. It also acts out what the real API
leaves unverified: whether a create's name is kept, and whether a config PUT on an enabled
integration (or PATCH ENABLED on one in ERROR) restarts activation. A restarted activation
reports ACTIVATING once, then its outcome; nothing waits on wall-clock time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn, TypeVar

from iac_testing.plan_data import live

from iac.apply.applier import ApplyResult, apply_plan
from iac.apply.job import Job, JobStatus
from iac.apply.recorder import StateRecorder
from iac.config.models import identity_of
from iac.errors import IacError
from iac.genesys.live import LiveDestination
from iac.plan.model import Change, Plan
from iac.state.model import ResourceState, State

# Generous: a busy 2-core machine never needs more than a fraction of it, a deadlock always does.
DEADLINE_SECONDS = 30.0

T = TypeVar("T")

UNCONFIGURED: dict[str, Any] = {
    "name": None,
    "aws_account_id": None,
    "aws_region": None,
    "event_source_suffix": None,
    "topic_filters": None,
    "enabled": False,
    "notes": None,
}


def run(coro: Coroutine[Any, Any, T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, DEADLINE_SECONDS)

    return asyncio.run(bounded())


@dataclass
class Hold:
    """Parks a call: ``entered`` is set when a call arrives, which then waits for ``release``."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class FakeGenesys:
    """An org in memory implementing ``DestinationClient``; ``calls`` logs (method, id)."""

    def __init__(self, existing: dict[str, dict[str, Any]] | None = None) -> None:
        self.integrations: dict[str, dict[str, Any]] = {
            i: dict(a) for i, a in (existing or {}).items()
        }
        self.calls: list[tuple[str, str]] = []
        # (method, integration id) -> the error that call raises
        self.failures: dict[tuple[str, str], IacError] = {}
        # integration id -> attributes its read-back reports differently from what was written
        self.read_back_overrides: dict[str, dict[str, Any]] = {}
        # method -> a hold parking every call of it
        self.holds: dict[str, Hold] = {}
        # The name each create asked for, in order.
        self.create_names: list[str | None] = []
        # Unverified in the real API, so each can be switched off:
        self.honour_create_name = True
        self.config_change_reactivates = True
        self.reenable_restarts_activation = True
        # Whether reads carry reportedState.lastUpdated (``reported_since``), and whether a
        # restarted activation shows ACTIVATING before its outcome (else it settles at once).
        self.reports_since = False
        self.shows_activating = True
        # suffix -> the ERROR message activation of an integration with that suffix ends in
        self.activation_errors: dict[str, str] = {}
        # id -> (code, detail); ACTIVATING resolves to the outcome on the next read
        self.reported: dict[str, tuple[str, str | None]] = {
            i: ("ACTIVE" if a.get("enabled") else "INACTIVE", None)
            for i, a in self.integrations.items()
        }
        self._outcomes: dict[str, tuple[str, str | None]] = {}
        # id -> when its reported state last changed (reportedState.lastUpdated)
        self._since: dict[str, datetime] = {}
        for i in self.integrations:
            self._stamp(i)
        self._created = 0

    def _stamp(self, integration_id: str) -> None:
        latest = max(self._since.values(), default=datetime.min.replace(tzinfo=timezone.utc))
        now = datetime.now(timezone.utc)
        self._since[integration_id] = max(now, latest + timedelta(microseconds=1))

    def live(self) -> dict[str, LiveDestination]:
        """What a refresh would read now, for planning the next run."""
        return {i: self._view(i) for i in self.integrations}

    def _view(self, integration_id: str) -> LiveDestination:
        attributes = {
            **self.integrations[integration_id],
            **self.read_back_overrides.get(integration_id, {}),
        }
        code, detail = self.reported.get(integration_id, ("INACTIVE", None))
        found = replace(
            live(integration_id, attributes), reported_state=code, reported_detail=detail
        )
        if not self.reports_since:
            return found
        return replace(found, reported_since=self._since.get(integration_id))

    async def _arrive(self, method: str, integration_id: str) -> None:
        self.calls.append((method, integration_id))
        hold = self.holds.get(method)
        if hold is not None:
            hold.entered.set()
            await hold.release.wait()
        failure = self.failures.get((method, integration_id))
        if failure is not None:
            raise failure

    def _existing(self, integration_id: str) -> dict[str, Any]:
        if integration_id not in self.integrations:
            raise IacError(f"Genesys answered 404: integration {integration_id} not found")
        return self.integrations[integration_id]

    def _activate(self, integration_id: str) -> None:
        suffix = self.integrations[integration_id].get("event_source_suffix")
        message = self.activation_errors.get(str(suffix))
        outcome = ("ERROR", message) if message else ("ACTIVE", None)
        self._stamp(integration_id)
        if self.shows_activating:
            self.reported[integration_id] = ("ACTIVATING", None)
            self._outcomes[integration_id] = outcome
        else:
            self.reported[integration_id] = outcome

    def _read(self, integration_id: str) -> LiveDestination | None:
        if integration_id not in self.integrations:
            return None
        found = self._view(integration_id)
        if found.reported_state == "ACTIVATING":  # reported once; the next read sees the end
            self.reported[integration_id] = self._outcomes.pop(integration_id)
            self._stamp(integration_id)
        return found

    async def create_integration(self, name: str | None = None) -> str:
        self._created += 1
        new_id = f"new-{self._created}"
        self.create_names.append(name)
        await self._arrive("create", new_id)
        self.integrations[new_id] = {
            **UNCONFIGURED,
            "name": name if self.honour_create_name else None,
        }
        self.reported[new_id] = ("INACTIVE", None)
        self._stamp(new_id)
        return new_id

    async def configure(
        self, integration_id: str, attributes: dict[str, Any], version: int | None
    ) -> int:
        await self._arrive("configure", integration_id)
        current = self._existing(integration_id)
        mine = identity_of(attributes)
        for other_id, other in self.integrations.items():
            if other_id != integration_id and mine is not None and identity_of(other) == mine:
                raise IacError(
                    f"Genesys answered 400: the AWS identity is already used by {other_id}"
                )
        current.update({k: v for k, v in attributes.items() if k != "enabled"})
        if current["enabled"] and self.config_change_reactivates:
            self._activate(integration_id)
        return (version or 1) + 1

    async def set_enabled(self, integration_id: str, enabled: bool) -> None:
        await self._arrive("set_enabled", integration_id)
        current = self._existing(integration_id)
        was = current["enabled"]
        current["enabled"] = enabled
        if not enabled:
            self.reported[integration_id] = ("INACTIVE", None)
            self._stamp(integration_id)
            return
        in_error = self.reported.get(integration_id, ("INACTIVE", None))[0] == "ERROR"
        if not was or (in_error and self.reenable_restarts_activation):
            self._activate(integration_id)

    async def delete_integration(self, integration_id: str) -> bool:
        await self._arrive("delete", integration_id)
        self.reported.pop(integration_id, None)
        return self.integrations.pop(integration_id, None) is not None

    async def get_destination(self, integration_id: str) -> LiveDestination | None:
        await self._arrive("get", integration_id)
        return self._read(integration_id)

    async def wait_until_active(
        self, integration_id: str, timeout_seconds: float
    ) -> LiveDestination:
        await self._arrive("wait_until_active", integration_id)
        while True:
            found = self._read(integration_id)
            if found is None:
                raise IacError(f"integration {integration_id} disappeared while activating")
            if found.reported_state == "ERROR":
                raise IacError(
                    f"Genesys reports activation ERROR for {integration_id}: "
                    f"{found.reported_detail or 'no detail given'}"
                )
            if found.reported_state != "ACTIVATING":
                return found

    def calls_for(self, integration_id: str) -> list[str]:
        return [m for m, i in self.calls if i == integration_id]

    def writes_for(self, integration_id: str) -> list[str]:
        """The calls on one integration, each run of reads shown once (polls vary in count)."""
        seen: list[str] = []
        for method in self.calls_for(integration_id):
            if not (method == "get" and seen and seen[-1] == "get"):
                seen.append(method)
        return seen


class MemoryStore:
    """A state backend in memory: ``write`` bumps the serial, like ``LocalStateStore``."""

    def __init__(self) -> None:
        self.written: list[State] = []

    def read(self) -> State | None:
        return self.written[-1] if self.written else None

    def write(self, state: State) -> State:
        written = replace(state, serial=state.serial + 1)
        self.written.append(written)
        return written

    def lock(self, operation: str, timeout: float = 0.0) -> NoReturn:
        raise AssertionError("the recorder never locks; the command holds the lock")


class RecordingProgress:
    def __init__(self) -> None:
        self.seen: list[tuple[str, JobStatus]] = []

    def job_changed(self, job: Job) -> None:
        self.seen.append((job.change.job_id, job.status))


@dataclass
class Run:
    """One apply: the fake org it ran against and everything it reported."""

    genesys: FakeGenesys
    store: MemoryStore
    recorder: StateRecorder
    progress: RecordingProgress = field(default_factory=RecordingProgress)
    finished: list[Job] = field(default_factory=list)

    @classmethod
    def of(cls, genesys: FakeGenesys, state: State) -> Run:
        store = MemoryStore()
        return cls(genesys, store, StateRecorder(store, state))

    async def apply(
        self, plan: Plan, parallelism: int = 4, job_id_prefix: str = "run1"
    ) -> ApplyResult:
        return await apply_plan(
            plan,
            client=self.genesys,
            recorder=self.recorder,
            progress=self.progress,
            on_finished=self.finished.append,
            parallelism=parallelism,
            activation_timeout=5.0,
            job_id_prefix=job_id_prefix,
            # Short: a fake's reported state either moves at once or never.
            restart_window=0.2,
        )

    @property
    def state(self) -> State:
        return self.recorder.state


def job(result: ApplyResult, job_id: str) -> Job:
    (found,) = [j for j in result.jobs if j.change.job_id == job_id]
    return found


def a_state(**resources: ResourceState) -> State:
    return replace(State.new("sandbox"), resources=dict(resources))


def world(
    **resources: ResourceState,
) -> tuple[State, FakeGenesys]:
    """State with these entries, and an org holding exactly them, as last applied."""
    state = a_state(**resources)
    return state, FakeGenesys({r.id: r.attributes for r in resources.values()})


def change_for(plan: Plan, job_id: str) -> Change:
    (found,) = [c for c in plan.changes if c.job_id == job_id]
    return found
