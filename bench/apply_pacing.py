#!/usr/bin/env python3
"""How an apply of many creates paces itself against Genesys' per-token rate limit.

Starts a sandbox with the given limit (default: Genesys' 300 requests per 60 s window), runs
the real CLI in a child process (``iac apply`` of N new destinations) once per
``--parallelism``, and prints, per run: requests per create, answers 429, the achieved
request rate against the ceiling, and wall time.

    .venv/bin/python bench/apply_pacing.py [--creates 100] [--parallelism 4,16]
        [--limit 300] [--window 60] [--activation-delay 0.2]

At the default limit each run takes minutes: 100 creates are 500-800 requests, two to three
windows. ``--limit 75 --window 15`` keeps the same rate in quarter windows, but the second
the pacer waits past each reset (``inin-ratelimit-reset`` is in whole seconds) then weighs
four times as much: compare runs at the same window length.

Two rates are printed, because the sandbox's windows are fixed: a run may burst its last
window and end early, so the plain rate (accepted requests over the run's API span) can
exceed 100%. "full windows" is the steady-state figure: requests accepted before the last
window began, over what the limiter allowed in that time. Arrival times come from polling
the sandbox's request log (every 0.25 s), which is precise enough over 60 s windows.

Prints figures, asserts nothing: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from harness import destinations_yaml, sandbox_env

from iac.sandbox import SandboxOptions, SandboxServer

POLL_SECONDS = 0.25
# A request on one integration: GET/PUT/PATCH/DELETE by id, its config (not /types/...).
ONE_INTEGRATION = re.compile(r"^/api/v2/integrations/(?!types/)[^/]+(/config/current)?$")


class Arrivals:
    """Polls the sandbox's request log; stamps each new entry with the poll's time."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.entries: list[tuple[float, dict[str, object]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Arrivals:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()

    def _run(self) -> None:
        with httpx.Client() as http:
            while not self._stop.wait(POLL_SECONDS):
                self._poll(http)

    def _poll(self, http: httpx.Client | None = None) -> None:
        getter = http.get if http is not None else httpx.get
        log = getter(f"{self._url}/__sandbox/requests").json()
        now = time.monotonic()
        self.entries += [(now, entry) for entry in log[len(self.entries) :]]


@dataclass
class Figures:
    creates: int
    api: int  # API requests, 429s included
    accepted: int
    throttled: int
    per_create: float
    rate_pct: float
    full_windows_pct: float | None


def measure(arrivals: list[tuple[float, dict[str, object]]], limit: int, window: float) -> Figures:
    api = [(t, e) for t, e in arrivals if str(e["path"]).startswith("/api/")]
    accepted = [(t, e) for t, e in api if e["status"] != 429]
    throttled = len(api) - len(accepted)
    creates = sum(
        1
        for _, e in accepted
        if e["method"] == "POST" and e["path"] == "/api/v2/integrations" and e["status"] == 200
    )
    per_create = [
        e
        for _, e in accepted
        if (e["method"] == "POST" and e["path"] == "/api/v2/integrations")
        or ONE_INTEGRATION.match(str(e["path"]))
    ]
    times = [t for t, _ in accepted]
    span = max(times[-1] - times[0], POLL_SECONDS) if times else POLL_SECONDS
    ceiling_per_second = limit / window
    rate_pct = 100 * len(accepted) / span / ceiling_per_second
    # The limiter's windows: each starts with the first accepted request after the last ended.
    starts = [times[0]] if times else []
    for t in times:
        if t - starts[-1] >= window:
            starts.append(t)
    full = None
    if len(starts) > 1:
        before_last = sum(1 for t in times if t < starts[-1])
        full = 100 * before_last / ((starts[-1] - starts[0]) * ceiling_per_second)
    return Figures(
        creates,
        len(api),
        len(accepted),
        throttled,
        len(per_create) / max(creates, 1),
        rate_pct,
        full,
    )


def run_once(args: argparse.Namespace, parallelism: int) -> tuple[Figures, float]:
    """The figures of one apply at ``parallelism``, and its wall seconds."""
    options = SandboxOptions(
        activation_delay=args.activation_delay,
        rate_limit_per_minute=args.limit,
        rate_window_seconds=args.window,
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "config").mkdir()
        (work / "config" / "destinations.yaml").write_text(
            destinations_yaml(args.creates, name="Pacing", suffix="pacing")
        )
        with SandboxServer(work / "org.json", options) as server:
            env = sandbox_env(server.url, options)
            command = [
                sys.executable,
                "-m",
                "iac",
                "apply",
                "config",
                "--state-dir",
                "state",
                "--skip-probes",
                "--auto-approve",
                "--parallelism",
                str(parallelism),
            ]
            with Arrivals(server.url) as arrivals:
                started = time.perf_counter()
                done = subprocess.run(command, env=env, cwd=work, capture_output=True, text=True)
                wall = time.perf_counter() - started
            if done.returncode != 0:
                sys.exit(f"apply at --parallelism {parallelism} failed:\n{done.stdout[-3000:]}")
    return measure(arrivals.entries, args.limit, args.window), wall


def report(args: argparse.Namespace) -> Iterator[str]:
    """The table's lines, one run per --parallelism (each line printed as its run ends)."""
    yield (
        f"apply of {args.creates} creates, sandbox limit {args.limit} per {args.window:g} s "
        f"({args.limit * 60 / args.window:g}/min), activation {args.activation_delay:g} s"
    )
    yield (
        f"{'parallelism':>11} {'creates':>7} {'req/create':>10} {'API req':>7} {'429s':>5} "
        f"{'rate % of ceiling':>17} {'full windows %':>14} {'wall s':>7}"
    )
    for parallelism in (int(p) for p in args.parallelism.split(",")):
        r, wall = run_once(args, parallelism)
        full = f"{r.full_windows_pct:.1f}" if r.full_windows_pct is not None else "n/a"
        yield (
            f"{parallelism:>11} {r.creates:>7} {r.per_create:>10.2f} {r.api:>7} "
            f"{r.throttled:>5} {r.rate_pct:>17.1f} {full:>14} {wall:>7.1f}"
        )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=100)
    parser.add_argument("--parallelism", default="4,16")
    parser.add_argument("--limit", type=int, default=300, help="requests per window")
    parser.add_argument("--window", type=float, default=60.0, help="window seconds")
    parser.add_argument("--activation-delay", type=float, default=0.2)
    return parser


def main() -> None:
    for line in report(parser().parse_args()):
        print(line, flush=True)


if __name__ == "__main__":
    main()
