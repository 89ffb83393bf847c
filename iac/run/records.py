"""The audit records a run writes, one builder per kind of event, so each is spelled once."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from iac.apply.job import Job
from iac.audit.log import AuditRecord
from iac.plan.model import Change, GateResult, Plan
from iac.vocabulary import ChangeResult, StateAction


def job_record(job: Job, computed: Plan) -> AuditRecord:
    """A change that was attempted, however it ended."""
    return AuditRecord(
        action=job.change.action.value,
        key=job.change.resource,
        genesys_id=job.genesys_id,
        before=job.change.before,
        after=job.change.after,
        result=job_result(job).value,
        error=job.error,
        duration_seconds=job.duration_seconds,
        job_id=job.id,
        gates=gates_for(computed, job.change.key),
        verification=job.verification,
    )


def blocked_record(change: Change, computed: Plan) -> AuditRecord:
    """Compliance wants the refusals too: a change a failed gate blocked, never attempted."""
    return AuditRecord(
        action=change.action.value,
        key=change.resource,
        genesys_id=change.id,
        before=change.before,
        after=change.after,
        result=ChangeResult.BLOCKED.value,
        error="; ".join(change.blocked_by),
        duration_seconds=0.0,
        gates=gates_for(computed, change.key),
    )


def refresh_record(
    key: str, genesys_id: str, before: dict[str, Any], after: dict[str, Any] | None
) -> AuditRecord:
    """State took what Genesys holds; Genesys itself was not changed."""
    return _instant(StateAction.REFRESH, key, genesys_id, before, after)


def import_record(key: str, genesys_id: str, after: dict[str, Any]) -> AuditRecord:
    """An existing integration adopted into state."""
    return _instant(StateAction.IMPORT, key, genesys_id, None, after)


def move_record(old: str, new: str, genesys_id: str) -> AuditRecord:
    """A key renamed in state (``moved:`` or ``iac state mv``); Genesys was not called."""
    return _instant(StateAction.MOVE, new, genesys_id, {"key": old}, {"key": new})


def forget_record(key: str, genesys_id: str, before: dict[str, Any]) -> AuditRecord:
    """A destination removed from state (``iac state rm``); Genesys keeps the integration."""
    return _instant(StateAction.FORGET, key, genesys_id, before, None)


def job_result(job: Job) -> ChangeResult:
    return ChangeResult.SUCCEEDED if job.ok else ChangeResult.FAILED


def gates_for(computed: Plan, key: str) -> list[dict[str, Any]]:
    return [_gate_json(g) for g in computed.gates if g.key in (key, None)]


def _instant(
    action: StateAction,
    key: str,
    genesys_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditRecord:
    return AuditRecord(
        action=action.value,
        key=key,
        genesys_id=genesys_id,
        before=before,
        after=after,
        result=ChangeResult.SUCCEEDED.value,
        error=None,
        duration_seconds=0.0,
    )


def _gate_json(gate: GateResult) -> dict[str, Any]:
    data = asdict(gate)
    data["kind"], data["outcome"] = gate.kind.value, gate.outcome.value
    return data
