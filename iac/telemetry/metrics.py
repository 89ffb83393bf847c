"""Per-run metrics: one ``RunMetrics`` per CLI invocation, exported when the run ends.

``iac`` is a short-lived CLI (unattended ``apply`` in CD, scheduled drift runs), so nothing
is scraped while it runs. Instead the run writes its figures once, at the end:

* ``write_textfile`` for node-exporter's textfile collector (one file per workspace and
  command, e.g. ``iac_<workspace>_<command>.prom``; the ``command``/``workspace`` labels keep
  several files apart once scraped);
* ``write_json`` for CI logs, artefacts and ad-hoc tooling.

Counters therefore count *this run only*: each run replaces its file, so a counter "resets"
every run. Read them as per-run totals (``iac_changes_total{result="failed"} > 0``), not with
``rate()``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, write_to_textfile
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from iac.atomic import write_atomic
from iac.errors import IacError
from iac.vocabulary import CHANGING_ACTIONS, ChangeResult, GateKind, GateOutcome

ACTIONS = frozenset(a.value for a in CHANGING_ACTIONS)
RESULTS = frozenset(r.value for r in ChangeResult)
GATE_KINDS = frozenset(k.value for k in GateKind)
GATE_OUTCOMES = frozenset(o.value for o in GateOutcome)

# One destination job takes from ~0.1 s (a PATCH) to minutes (replace behind a throttled
# API with retries); 600 s is past any sane job timeout.
JOB_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)

_BASE_LABELS = ("command", "workspace")

TextfileFormat = Literal["prometheus", "openmetrics"]


def _check(value: str, allowed: frozenset[str], what: str) -> str:
    # Label values are a closed set: a typo would otherwise silently mint a new series.
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(allowed)}")
    return value


class _Export:
    """Collector view of a registry used for export: consistent, and without ``_created``.

    ``_created`` samples are per-child creation timestamps. In the Prometheus text format they
    become extra ``*_created`` gauge series; for a per-run file they only restate the run time
    that ``iac_run_last_timestamp_seconds`` already gives, so they are left out of both formats.
    """

    def __init__(self, registry: CollectorRegistry, lock: threading.RLock) -> None:
        self._registry = registry
        self._lock = lock

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            # Materialise under the lock so a file never mixes before/after a concurrent update.
            families = list(self._registry.collect())
        for family in families:
            clean = Metric(family.name, family.documentation, family.type, family.unit)
            clean.samples = [s for s in family.samples if not s.name.endswith("_created")]
            yield clean


class RunMetrics:
    """Metrics of one CLI run, kept in a private ``CollectorRegistry``.

    The private registry (never prometheus_client's global one) lets tests and repeated runs
    in one process build as many ``RunMetrics`` as they like without name collisions or shared
    values. All recording methods are thread-safe: API calls are counted from worker threads.
    """

    def __init__(self, command: str, workspace: str, run_id: str) -> None:
        self.command = command
        self.workspace = workspace
        self.run_id = run_id
        self.registry = CollectorRegistry(auto_describe=True)
        self._base = {"command": command, "workspace": workspace}
        # One lock for every update and for export/snapshot, so readers see a consistent run.
        self._lock = threading.RLock()  # re-entrant: snapshot() holds it around collect()
        self._started = time.monotonic()
        self._duration: float | None = None
        self._success: bool | None = None
        self._ended_at: float | None = None

        reg = self.registry
        self._jobs = Histogram(
            "iac_job_duration_seconds",
            "Wall-clock duration of one destination job, by planned action.",
            [*_BASE_LABELS, "action"],
            buckets=JOB_BUCKETS,
            registry=reg,
        )
        self._changes = Counter(
            "iac_changes",
            "Planned changes handled in this run, by action and result.",
            [*_BASE_LABELS, "action", "result"],
            registry=reg,
        )
        self._api = Counter(
            "iac_api_requests",
            "Genesys Cloud API requests, by HTTP method and status ('error': no HTTP answer).",
            [*_BASE_LABELS, "method", "status"],
            registry=reg,
        )
        self._retries = Counter(
            "iac_api_retries", "API requests retried in this run.", _BASE_LABELS, registry=reg
        )
        self._throttled = Counter(
            "iac_api_throttled",
            "Retries caused by HTTP 429 (every 429 answer is also in iac_api_requests_total).",
            _BASE_LABELS,
            registry=reg,
        )
        self._gates = Counter(
            "iac_gate_results",
            "Gate checks run before apply, by kind and outcome.",
            [*_BASE_LABELS, "kind", "outcome"],
            registry=reg,
        )
        self._drift = Gauge(
            "iac_drift_destinations",
            "Destinations found changed or deleted outside the tool.",
            _BASE_LABELS,
            registry=reg,
        )
        self._last_ts = Gauge(
            "iac_run_last_timestamp_seconds",
            "Unix time at which the run ended.",
            _BASE_LABELS,
            registry=reg,
        )
        self._run_duration = Gauge(
            "iac_run_duration_seconds", "Duration of the whole run.", _BASE_LABELS, registry=reg
        )
        self._run_success = Gauge(
            "iac_run_success", "1 if the run succeeded, else 0.", _BASE_LABELS, registry=reg
        )
        # "No retries" is a fact worth exporting as 0. Drift and the run gauges stay absent
        # until set: a 0 there would claim "no drift" / "failed" when nothing was measured.
        self._retries.labels(**self._base)
        self._throttled.labels(**self._base)

    # -- recording ---------------------------------------------------------------------------

    def observe_job(self, action: str, seconds: float, result: str) -> None:
        """Record one finished job: its duration (unless blocked) and its result."""
        _check(action, ACTIONS, "action")
        _check(result, RESULTS, "result")
        if seconds < 0:
            raise ValueError(f"job duration must be >= 0, got {seconds}")
        with self._lock:
            # A blocked change never ran; its ~0 s would drag the duration histogram down.
            if result != ChangeResult.BLOCKED.value:
                self._jobs.labels(**self._base, action=action).observe(seconds)
            self._changes.labels(**self._base, action=action, result=result).inc()

    def count_api(self, method: str, status: int | None) -> None:
        """Count one API request; ``status`` None means no HTTP answer (timeout, reset...)."""
        label = "error" if status is None else str(int(status))
        with self._lock:
            self._api.labels(**self._base, method=method.upper(), status=label).inc()

    def count_retry(self, throttled: bool) -> None:
        """Count one retry; ``throttled`` when it was caused by a 429."""
        with self._lock:
            self._retries.labels(**self._base).inc()
            if throttled:
                self._throttled.labels(**self._base).inc()

    def count_gate(self, kind: str, outcome: str) -> None:
        _check(kind, GATE_KINDS, "gate kind")
        _check(outcome, GATE_OUTCOMES, "gate outcome")
        with self._lock:
            self._gates.labels(**self._base, kind=kind, outcome=outcome).inc()

    def set_drift(self, n: int) -> None:
        """Set how many destinations drifted (changed or deleted outside the tool)."""
        if n < 0:
            raise ValueError(f"drift count must be >= 0, got {n}")
        with self._lock:
            self._drift.labels(**self._base).set(n)

    def finish(self, success: bool) -> None:
        """Close the run: set end time, duration (monotonic, from construction) and success."""
        with self._lock:
            self._duration = time.monotonic() - self._started
            self._ended_at = time.time()
            self._success = bool(success)
            self._last_ts.labels(**self._base).set(self._ended_at)
            self._run_duration.labels(**self._base).set(self._duration)
            self._run_success.labels(**self._base).set(1 if success else 0)

    # -- reading -----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Plain numbers for JSON. Before ``finish``: success is None, duration is elapsed."""
        with self._lock:
            success, ended_at = self._success, self._ended_at
            duration = (
                self._duration if self._duration is not None else time.monotonic() - self._started
            )
            export = _Export(self.registry, self._lock)
            samples = [s for family in export.collect() for s in family.samples]

        jobs: dict[str, dict[str, Any]] = {}
        changes: dict[str, dict[str, int]] = {}
        api: dict[str, dict[str, int]] = {}
        gates: dict[str, dict[str, int]] = {}
        retries = throttled = 0
        drift: int | None = None
        for s in samples:
            lb = s.labels
            if s.name.startswith("iac_job_duration_seconds_"):
                job = jobs.setdefault(lb["action"], {"count": 0, "sum_seconds": 0.0, "buckets": {}})
                if s.name.endswith("_bucket"):
                    job["buckets"][lb["le"]] = int(s.value)
                elif s.name.endswith("_count"):
                    job["count"] = int(s.value)
                elif s.name.endswith("_sum"):
                    job["sum_seconds"] = s.value
            elif s.name == "iac_changes_total":
                changes.setdefault(lb["action"], {})[lb["result"]] = int(s.value)
            elif s.name == "iac_api_requests_total":
                api.setdefault(lb["method"], {})[lb["status"]] = int(s.value)
            elif s.name == "iac_gate_results_total":
                gates.setdefault(lb["kind"], {})[lb["outcome"]] = int(s.value)
            elif s.name == "iac_api_retries_total":
                retries = int(s.value)
            elif s.name == "iac_api_throttled_total":
                throttled = int(s.value)
            elif s.name == "iac_drift_destinations":
                drift = int(s.value)

        return {
            "run_id": self.run_id,
            "command": self.command,
            "workspace": self.workspace,
            "success": success,
            "ended_at": ended_at,
            "duration_seconds": duration,
            "jobs": jobs,
            "changes": changes,
            "api_requests": api,
            "retries": retries,
            "throttled": throttled,
            "gates": gates,
            "drift": drift,
        }

    # -- exporting ---------------------------------------------------------------------------

    def write_textfile(
        self, path: str | os.PathLike[str], format: TextfileFormat = "prometheus"
    ) -> None:
        """Write the metrics atomically to ``path`` (temp file in the same dir + rename).

        node-exporter's textfile collector reads the **Prometheus text format** (the default)
        from ``*.prom`` files, and may read the directory at any moment, hence the atomic
        write. ``format="openmetrics"`` writes OpenMetrics 1.0 text (``# EOF`` terminated,
        counters typed as ``iac_changes``) for consumers that want it; node-exporter does not
        parse it.
        """
        if format not in ("prometheus", "openmetrics"):
            raise ValueError(f"unknown metrics format {format!r}")
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if format == "prometheus":
                # prometheus_client writes to "<path>.<pid>.<tid>" and renames: atomic, and
                # the temp name does not end in .prom so the collector never reads it half-done.
                write_to_textfile(str(target), _Export(self.registry, self._lock))
            else:
                write_atomic(target, generate_openmetrics(_Export(self.registry, self._lock)))
        except OSError as err:
            raise _write_error(target, err) from err

    def write_json(self, path: str | os.PathLike[str]) -> None:
        """Write ``snapshot()`` atomically as indented JSON."""
        target = Path(path)
        data = (json.dumps(self.snapshot(), indent=2) + "\n").encode()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
        except OSError as err:
            raise _write_error(target, err) from err


def _write_error(path: Path, err: OSError) -> IacError:
    reason = err.strerror or type(err).__name__
    return IacError(f"cannot write metrics to {path}: {reason}")
