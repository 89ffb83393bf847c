"""The audit records a run writes, built from jobs, blocked changes, refreshes and imports."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from iac_testing.plan_data import ACTIVITY, attrs

from iac.apply.job import Job, JobStatus
from iac.audit import AuditLog, AuditRecord
from iac.plan.model import Action, Change, GateKind, GateOutcome, GateResult, Plan
from iac.run import records
from iac.vocabulary import ChangeResult

NEW = attrs(name="New", event_source_suffix="new")
OLD = attrs(name="Old", event_source_suffix="old")

RUN_GATE = GateResult(
    GateKind.PREFLIGHT, None, "permission", GateOutcome.PASSED, "the token may write"
)
NEW_TLS = GateResult(
    GateKind.CONNECTIVITY,
    "new",
    "tls",
    GateOutcome.PASSED,
    "reachable, HTTP 200 in 42 ms",
    {"latency_ms": 41.7, "status": 200},
)
NEW_POLICY = GateResult(
    GateKind.POLICY, "new", "allowed_regions", GateOutcome.FAILED, "region not allowed"
)
OTHER_RULE = GateResult(GateKind.RULES, "other", "unique_name", GateOutcome.WARNING, "dup")
OTHER_PROBE = GateResult(GateKind.CONNECTIVITY, "other", "tls", GateOutcome.SKIPPED, "skipped")
TOKEN_SCOPE = GateResult(GateKind.PREFLIGHT, None, "scope", GateOutcome.WARNING, "broad scope")

CREATE = Change("new", Action.CREATE, None, None, NEW)
UPDATE = Change("other", Action.UPDATE, "i-other", OLD, {**OLD, "name": "Old v2"}, live_version=3)


def gated_plan(*changes: Change) -> Plan:
    return Plan(
        changes=changes or (CREATE, UPDATE),
        gates=(RUN_GATE, NEW_TLS, OTHER_RULE, NEW_POLICY, OTHER_PROBE, TOKEN_SCOPE),
    )


def gate_json(gate: GateResult) -> dict[str, object]:
    return {
        "kind": gate.kind.value,
        "key": gate.key,
        "check": gate.check,
        "outcome": gate.outcome.value,
        "message": gate.message,
        "details": gate.details,
    }


def finished_job(
    change: Change,
    status: JobStatus,
    *,
    genesys_ids: tuple[str, ...] = (),
    error: str | None = None,
    verification: dict[str, Any] | None = None,
) -> Job:
    job = Job(id=f"abcd1234-{change.key}", change=change, status=status, error=error)
    job.genesys_ids.extend(genesys_ids)
    job.verification = verification
    job.started_at, job.finished_at = 100.0, 102.5
    return job


# --- jobs ---------------------------------------------------------------------------------


def test_a_succeeded_job() -> None:
    verification = {"status": "verified", "message": "read back as applied"}
    job = finished_job(
        CREATE, JobStatus.COMPLETED, genesys_ids=("i-new",), verification=verification
    )
    record = records.job_record(job, gated_plan())

    assert records.job_result(job) is ChangeResult.SUCCEEDED
    assert record == AuditRecord(
        action="create",
        key="new",
        genesys_id="i-new",
        before=None,
        after=NEW,
        result=ChangeResult.SUCCEEDED.value,
        error=None,
        duration_seconds=2.5,
        job_id="abcd1234-new",
        gates=[
            gate_json(RUN_GATE),
            gate_json(NEW_TLS),
            gate_json(NEW_POLICY),
            gate_json(TOKEN_SCOPE),
        ],
        verification=verification,
    )


def test_a_failed_job_keeps_its_error_and_the_integration_it_acted_on() -> None:
    job = finished_job(UPDATE, JobStatus.FAILED, error="Genesys said 409: version conflict")
    record = records.job_record(job, gated_plan())

    assert records.job_result(job) is ChangeResult.FAILED
    assert record.result == ChangeResult.FAILED.value == "failed"
    assert record.error == "Genesys said 409: version conflict"
    assert record.action == "update"
    assert record.genesys_id == "i-other"  # nothing touched: the change's own integration
    assert (record.before, record.after) == (UPDATE.before, UPDATE.after)
    assert record.gates == [
        gate_json(RUN_GATE),
        gate_json(OTHER_RULE),
        gate_json(OTHER_PROBE),
        gate_json(TOKEN_SCOPE),
    ]
    assert record.verification is None


def test_a_replace_records_the_integration_it_leaves_behind() -> None:
    replace = Change("new", Action.REPLACE, "i-old", OLD, NEW)
    job = finished_job(replace, JobStatus.COMPLETED, genesys_ids=("i-old", "i-new"))
    record = records.job_record(job, gated_plan(replace))
    assert (record.action, record.genesys_id) == ("replace", "i-new")


def test_every_unfinished_status_counts_as_failed() -> None:
    """A job cut off while running or verifying did not succeed."""
    for status in JobStatus:
        job = finished_job(CREATE, status)
        expected = ChangeResult.SUCCEEDED if status is JobStatus.COMPLETED else ChangeResult.FAILED
        assert records.job_result(job) is expected
        assert records.job_record(job, gated_plan()).result == expected.value


def test_a_plan_without_gates_gives_an_empty_gate_list() -> None:
    job = finished_job(CREATE, JobStatus.COMPLETED, genesys_ids=("i-new",))
    assert records.job_record(job, Plan(changes=(CREATE,))).gates == []


# --- blocked changes ----------------------------------------------------------------------


def test_a_blocked_change() -> None:
    blocked = Change(
        "new",
        Action.CREATE,
        None,
        None,
        NEW,
        blocked_by=("policy: region not allowed", "connectivity: tls handshake failed"),
    )
    record = records.blocked_record(blocked, gated_plan(blocked, UPDATE))

    assert record.result == ChangeResult.BLOCKED.value == "blocked"
    assert record.error == "policy: region not allowed; connectivity: tls handshake failed"
    assert (record.action, record.key, record.genesys_id) == ("create", "new", None)
    assert (record.before, record.after) == (None, NEW)
    assert record.duration_seconds == 0.0
    assert record.job_id is None and record.verification is None
    # The run-wide gates and the destination's own, in plan order; never another's.
    assert record.gates == [
        gate_json(RUN_GATE),
        gate_json(NEW_TLS),
        gate_json(NEW_POLICY),
        gate_json(TOKEN_SCOPE),
    ]
    assert all(g["key"] in (None, "new") for g in record.gates)


def test_a_blocked_update_names_its_integration() -> None:
    blocked = Change(
        "other", Action.DELETE, "i-other", OLD, None, blocked_by=("policy: deletes not allowed",)
    )
    record = records.blocked_record(blocked, gated_plan(blocked))
    assert (record.action, record.genesys_id, record.after) == ("delete", "i-other", None)
    assert record.error == "policy: deletes not allowed"
    assert [g["key"] for g in record.gates or []] == [None, "other", "other", None]


# --- refresh and import -------------------------------------------------------------------


def test_a_refresh_record() -> None:
    renamed = {**OLD, "name": "Renamed in the UI"}
    record = records.refresh_record("other", "i-other", OLD, renamed)
    assert record == AuditRecord(
        action="refresh",
        key="other",
        genesys_id="i-other",
        before=OLD,
        after=renamed,
        result=ChangeResult.SUCCEEDED.value,
        error=None,
        duration_seconds=0.0,
    )
    assert record.job_id is None and record.gates is None and record.verification is None


def test_a_refresh_of_a_deleted_integration_has_no_after() -> None:
    record = records.refresh_record("other", "i-other", OLD, None)
    assert (record.action, record.before, record.after) == ("refresh", OLD, None)
    assert record.result == "succeeded"


def test_an_import_record() -> None:
    record = records.import_record("legacy", "i-legacy", NEW)
    assert record == AuditRecord(
        action="import",
        key="legacy",
        genesys_id="i-legacy",
        before=None,
        after=NEW,
        result=ChangeResult.SUCCEEDED.value,
        error=None,
        duration_seconds=0.0,
    )


# --- as written ---------------------------------------------------------------------------


def test_every_record_is_written_to_the_trail_as_built(tmp_path: Path) -> None:
    """The records are plain JSON: what the trail holds is what the builders made."""
    blocked = Change("new", Action.CREATE, None, None, NEW, blocked_by=("policy: no",))
    job = finished_job(
        UPDATE,
        JobStatus.COMPLETED,
        genesys_ids=("i-other",),
        verification={"status": "verified", "message": "ok"},
    )
    built = [
        records.job_record(job, gated_plan()),
        records.blocked_record(blocked, gated_plan(blocked)),
        records.refresh_record("other", "i-other", OLD, {**OLD, "topic_filters": [ACTIVITY]}),
        records.import_record("legacy", "i-legacy", NEW),
    ]
    log = AuditLog(tmp_path / "audit.jsonl", run_id="run-1", actor="user:test")
    for record in built:
        log.append(record)

    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [line["result"] for line in lines] == ["succeeded", "blocked", "succeeded", "succeeded"]
    assert {line["result"] for line in lines} <= {r.value for r in ChangeResult}
    for line, record in zip(lines, built, strict=True):
        expected = json.loads(json.dumps(asdict(record)))
        expected["duration_seconds"] = round(record.duration_seconds, 3)
        assert {k: line[k] for k in expected} == expected
