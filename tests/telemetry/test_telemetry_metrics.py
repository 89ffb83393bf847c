"""RunMetrics: values recorded == values parsed back by prometheus_client's own parsers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

from iac.errors import IacError
from iac.telemetry import RunMetrics

BASE = {"command": "apply", "workspace": "prod"}
CREATE_SECONDS = [0.3, 1.2, 45.0]


def _recorded() -> RunMetrics:
    m = RunMetrics("apply", "prod", "run-1")
    for seconds in CREATE_SECONDS:
        m.observe_job("create", seconds, "succeeded")
    m.observe_job("update", 0.2, "failed")
    m.observe_job("delete", 0.0, "blocked")
    for _ in range(5):
        m.count_api("GET", 200)
    m.count_api("get", 429)
    m.count_api("GET", 429)
    m.count_api("POST", None)
    m.count_retry(throttled=True)
    m.count_retry(throttled=True)
    m.count_retry(throttled=False)
    m.count_gate("rules", "passed")
    m.count_gate("connectivity", "warning")
    m.set_drift(4)
    m.finish(success=False)
    return m


def _samples(text: str, parser) -> dict[tuple[str, frozenset], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in parser(text)
        for s in family.samples
    }


def _key(name: str, **labels: str) -> tuple[str, frozenset]:
    return name, frozenset({**BASE, **labels}.items())


@pytest.mark.parametrize(
    ("fmt", "parser"), [("prometheus", parse_prometheus), ("openmetrics", parse_openmetrics)]
)
def test_textfile_parses_back_to_recorded_counts(tmp_path: Path, fmt: str, parser) -> None:
    path = tmp_path / "textfile" / "iac_prod_apply.prom"  # parent created on demand
    _recorded().write_textfile(path, format=fmt)
    text = path.read_text()
    s = _samples(text, parser)

    assert s[_key("iac_api_requests_total", method="GET", status="429")] == 2
    assert s[_key("iac_api_requests_total", method="GET", status="200")] == 5
    assert s[_key("iac_api_requests_total", method="POST", status="error")] == 1
    assert s[_key("iac_job_duration_seconds_count", action="create")] == 3
    assert s[_key("iac_job_duration_seconds_sum", action="create")] == pytest.approx(
        sum(CREATE_SECONDS)
    )
    assert s[_key("iac_job_duration_seconds_bucket", action="create", le="1.0")] == 1
    assert s[_key("iac_job_duration_seconds_bucket", action="create", le="+Inf")] == 3
    # Skipped jobs count as changes but never enter the duration histogram.
    assert s[_key("iac_changes_total", action="delete", result="blocked")] == 1
    assert _key("iac_job_duration_seconds_count", action="delete") not in s
    assert s[_key("iac_changes_total", action="create", result="succeeded")] == 3
    assert s[_key("iac_changes_total", action="update", result="failed")] == 1
    assert s[_key("iac_api_retries_total")] == 3
    assert s[_key("iac_api_throttled_total")] == 2
    assert s[_key("iac_gate_results_total", kind="rules", outcome="passed")] == 1
    assert s[_key("iac_gate_results_total", kind="connectivity", outcome="warning")] == 1
    assert s[_key("iac_drift_destinations")] == 4
    assert s[_key("iac_run_success")] == 0
    assert s[_key("iac_run_duration_seconds")] >= 0
    assert s[_key("iac_run_last_timestamp_seconds")] > 1_600_000_000
    # Every series carries command/workspace; no _created noise in a per-run file.
    assert all({"command", "workspace"} <= {k for k, _ in labels} for _, labels in s)
    assert not any(name.endswith("_created") for name, _ in s)
    if fmt == "openmetrics":
        assert text.endswith("# EOF\n")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_absent_until_set(tmp_path: Path) -> None:
    m = RunMetrics("plan", "dev", "run-2")
    m.write_textfile(tmp_path / "m.prom")
    names = {s.name for f in parse_prometheus((tmp_path / "m.prom").read_text()) for s in f.samples}
    # Zero retries is a fact; drift/success are unknown until measured, so not exported as 0.
    assert {"iac_api_retries_total", "iac_api_throttled_total"} <= names
    assert not names & {"iac_drift_destinations", "iac_run_success"}
    assert m.snapshot()["success"] is None
    assert m.snapshot()["drift"] is None


def test_json_snapshot_carries_same_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out" / "run.json"
    _recorded().write_json(path)
    data = json.loads(path.read_text())

    assert data["run_id"] == "run-1"
    assert data["command"] == "apply"
    assert data["workspace"] == "prod"
    assert data["success"] is False
    assert data["duration_seconds"] >= 0
    assert data["jobs"]["create"]["count"] == 3
    assert data["jobs"]["create"]["sum_seconds"] == pytest.approx(sum(CREATE_SECONDS))
    assert data["jobs"]["create"]["buckets"]["1.0"] == 1
    assert data["jobs"]["create"]["buckets"]["+Inf"] == 3
    assert "delete" not in data["jobs"]
    assert data["changes"] == {
        "create": {"succeeded": 3},
        "update": {"failed": 1},
        "delete": {"blocked": 1},
    }
    assert data["api_requests"] == {"GET": {"200": 5, "429": 2}, "POST": {"error": 1}}
    assert data["retries"] == 3
    assert data["throttled"] == 2
    assert data["gates"] == {"rules": {"passed": 1}, "connectivity": {"warning": 1}}
    assert data["drift"] == 4
    assert path.read_text().startswith('{\n  "run_id"')  # indent 2
    assert [p.name for p in path.parent.iterdir()] == ["run.json"]


def test_rewrite_replaces_file(tmp_path: Path) -> None:
    m = RunMetrics("apply", "prod", "run-3")
    path = tmp_path / "m.prom"
    m.write_textfile(path)
    m.count_api("GET", 200)
    m.write_textfile(path)
    s = _samples(path.read_text(), parse_prometheus)
    assert s[_key("iac_api_requests_total", method="GET", status="200")] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["m.prom"]


@pytest.mark.parametrize("fmt", ["prometheus", "openmetrics", "json"])
def test_unwritable_path_raises_iac_error(tmp_path: Path, fmt: str) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    target = blocker / "m.prom"  # parent is a file: fails even when running as root
    m = RunMetrics("apply", "prod", "run-4")
    with pytest.raises(IacError) as err:
        if fmt == "json":
            m.write_json(target)
        else:
            m.write_textfile(target, format=fmt)
    message = str(err.value)
    assert str(target) in message
    assert "\n" not in message


def test_target_is_directory_raises_iac_error_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "m.prom"
    target.mkdir()
    m = RunMetrics("apply", "prod", "run-5")
    for write in (lambda: m.write_textfile(target), lambda: m.write_json(target)):
        with pytest.raises(IacError, match=r"m\.prom"):
            write()
    assert [p.name for p in tmp_path.iterdir()] == ["m.prom"]


def test_count_api_is_thread_safe() -> None:
    m = RunMetrics("apply", "prod", "run-6")
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(1000):
            m.count_api("GET", 200)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert m.snapshot()["api_requests"] == {"GET": {"200": 8000}}


def test_two_runs_do_not_share_values(tmp_path: Path) -> None:
    a = RunMetrics("apply", "prod", "a")
    b = RunMetrics("apply", "prod", "b")  # same labels, same process: still separate
    a.count_api("GET", 200)
    a.count_retry(throttled=True)
    a.observe_job("create", 1.0, "succeeded")
    assert b.snapshot()["api_requests"] == {}
    assert b.snapshot()["retries"] == 0
    assert b.snapshot()["jobs"] == {}
    assert a.snapshot()["api_requests"] == {"GET": {"200": 1}}
    assert a.registry is not b.registry
    assert (
        REGISTRY.get_sample_value(
            "iac_api_requests_total", {**BASE, "method": "GET", "status": "200"}
        )
        is None
    )  # global registry untouched


def test_unknown_label_values_are_rejected() -> None:
    m = RunMetrics("apply", "prod", "run-7")
    with pytest.raises(ValueError):
        m.observe_job("upsert", 1.0, "succeeded")
    with pytest.raises(ValueError):
        m.observe_job("create", 1.0, "ok")
    with pytest.raises(ValueError):
        m.count_gate("lint", "passed")
    with pytest.raises(ValueError):
        m.write_textfile("x.prom", format="json")  # type: ignore[arg-type]
