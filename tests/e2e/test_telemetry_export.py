"""The figures a run leaves behind for operations: textfile, JSON and JSON logs."""

from __future__ import annotations

import json
from pathlib import Path

from iac_testing.cli_world import Sandbox, Workdir, config, destination
from prometheus_client.parser import text_string_to_metric_families


def samples(path: Path) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(path.read_text())
        for s in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    wanted = {"command": "apply", "workspace": "default", **labels}
    return found[(name, frozenset(wanted.items()))]


def test_textfile_and_json_carry_the_runs_counts(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(*(destination(k, f"{k}-prod") for k in ("a", "b", "c"))))
    sandbox.add_fault(
        method="GET", path="/api/v2/integrations", status=429, retry_after=1, on_calls=[1]
    )
    textfile, as_json = work.root / "m" / "iac.prom", work.root / "m" / "iac.json"
    applied = work.iac(
        "apply",
        str(work.config),
        "--auto-approve",
        "--metrics-textfile",
        str(textfile),
        "--metrics-json",
        str(as_json),
    )
    assert applied.exit_code == 0, applied.output

    found = samples(textfile)
    assert value(found, "iac_changes_total", action="create", result="succeeded") == 3
    assert value(found, "iac_job_duration_seconds_count", action="create") == 3
    assert value(found, "iac_api_requests_total", method="GET", status="429") == 1
    assert value(found, "iac_api_throttled_total") == 1
    assert value(found, "iac_api_requests_total", method="POST", status="200") >= 4  # + login
    # Per destination: its business rules and its topics, checked against the org's catalog.
    assert value(found, "iac_gate_results_total", kind="rules", outcome="passed") == 6
    assert value(found, "iac_run_success") == 1

    snapshot = json.loads(as_json.read_text())
    assert snapshot["changes"]["create"]["succeeded"] == 3
    assert snapshot["throttled"] == 1
    assert snapshot["success"] is True


def test_metrics_are_written_when_the_run_fails(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    sandbox.add_fault(method="POST", path="/api/v2/integrations", status=400)
    textfile = work.root / "iac.prom"
    applied = work.iac(
        "apply", str(work.config), "--auto-approve", "--metrics-textfile", str(textfile)
    )
    assert applied.exit_code == 1
    found = samples(textfile)
    assert value(found, "iac_changes_total", action="create", result="failed") == 1
    assert value(found, "iac_run_success") == 0


def test_json_logs_carry_run_and_job_ids(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    applied = work.iac(
        "apply", str(work.config), "--auto-approve", "--log-format", "json", "--log-level", "info"
    )
    assert applied.exit_code == 0
    records = [json.loads(line) for line in applied.stderr.splitlines() if line.startswith("{")]
    assert records, applied.stderr
    run_ids = {r["run_id"] for r in records}
    assert len(run_ids) == 1 and None not in run_ids
    assert any(r["job_id"] for r in records)
    assert "it-secret-value-never-logged" not in applied.stderr


def test_a_run_that_cannot_start_still_reports_failure(work: Workdir, sandbox: Sandbox) -> None:
    from iac.workspace import Workspace, backends

    work.write(config(destination("orders", "orders-prod")))
    textfile = work.root / "iac.prom"
    with backends(Workspace(work.state_dir)).state.lock("apply"):
        planned = work.iac("plan", str(work.config), "--metrics-textfile", str(textfile))
    assert planned.exit_code == 1
    found = samples(textfile)
    assert (
        found[("iac_run_success", frozenset({"command": "plan", "workspace": "default"}.items()))]
        == 0
    )
