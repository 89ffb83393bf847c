#!/usr/bin/env python3
"""Issue 10's figures, side by side in one run: how close iac runs to the physical limit.

    .venv/bin/python bench/performance.py [--quick] [--repeat 3] [--skip-apply]

Prints, against the sandbox over loopback (the figures the README quotes):

1. cold start: CPU and peak RSS of `iac validate examples` and `iac plan examples`;
2. a steady-state plan of 1,000 destinations against a 40-line raw-httpx script doing the
   same calls and comparison (bench/baseline_plan.py): CPU and wall ratios, and the calls a
   plan makes against the 2N of a read-per-destination tool;
3. a steady-state plan of 10,000: peak RSS and time, and how iac's and the sandbox's CPU grow
   from 1,000 to 10,000 (10x is linear);
4. an apply of 100 creates at the default rate limit (300 requests a minute): requests per
   create, answers 429, and the request rate reached as a share of the ceiling
   (bench/apply_pacing.py; a few minutes).

Asserts nothing: the machines are shared and noisy, so read ratios within one run. CPU is
user+system seconds of the child process alone (the sandbox runs in this process).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import sandbox_env
from plan_scale import seed

from iac.sandbox import SandboxOptions, SandboxServer

ROOT = Path(__file__).resolve().parent.parent
IAC = [sys.executable, "-m", "iac"]
BASELINE = [sys.executable, str(ROOT / "bench" / "baseline_plan.py")]


@dataclass(frozen=True)
class Run:
    """One child process: CPU seconds (user+system), wall seconds, peak RSS in MB."""

    cpu: float
    wall: float
    rss_mb: float
    stdout: str
    sandbox_cpu: float = 0.0  # this process's CPU while the child ran: the sandbox's share


def measure(command: list[str], env: dict[str, str], cwd: Path) -> Run:
    sandbox_before = time.process_time()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        # wait4, not wait: it gives this child's own rusage, peak RSS included.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        sandbox_cpu = time.process_time() - sandbox_before
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode not in (0, 2):
        sys.exit(f"{' '.join(command)} exited {child.returncode}:\n{stderr[-2000:]}")
    return Run(
        cpu=usage.ru_utime + usage.ru_stime,
        wall=wall,
        rss_mb=usage.ru_maxrss / 1024,
        stdout=stdout,
        sandbox_cpu=sandbox_cpu,
    )


def best(runs: list[Run]) -> Run:
    """The least disturbed run: the one that spent the least CPU."""
    return min(runs, key=lambda r: r.cpu)


def clean_env() -> dict[str, str]:
    """No variable that would point iac at an org: the built-in sandbox it is."""
    return {
        k: v
        for k, v in os.environ.items()
        if k != "CI" and not k.startswith(("GENESYSCLOUD_", "IAC_"))
    }


def cold_start(repeat: int) -> tuple[Run, Run]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        validate_cmd = [*IAC, "validate", str(ROOT / "examples")]
        validate = best([measure(validate_cmd, clean_env(), work) for _ in range(repeat)])
        plans = []
        for i in range(repeat):
            state = work / f"state-{i}"
            plans.append(
                measure(
                    [*IAC, "plan", str(ROOT / "examples"), "--sandbox", "--state-dir", str(state)],
                    clean_env(),
                    work,
                )
            )
    return validate, best(plans)


@dataclass(frozen=True)
class SteadyPlan:
    n: int
    iac: Run
    baseline: Run | None
    calls: int


def steady_plan(n: int, repeat: int, with_baseline: bool) -> SteadyPlan:
    """A plan of n destinations that all match (No changes), and the baseline beside it."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        options = SandboxOptions(rate_limit_per_minute=1_000_000)
        with SandboxServer(None, options) as probe:  # the state records the server's URL
            port = int(probe.url.rsplit(":", 1)[1])
        seed(work, n, [f"http://127.0.0.1:{port}"])
        with SandboxServer(work / "org.json", options, port=port) as server:
            env = sandbox_env(server.url, options)
            plan = [*IAC, "plan", "config", "--skip-probes"]
            baseline_cmd = [*BASELINE, str(work / "config")]
            iac_runs, baseline_runs, calls = [], [], 0
            for _ in range(repeat):  # interleaved, so both see the same machine
                before = _request_count(server.url)
                iac_runs.append(measure(plan, env, work))
                calls = _request_count(server.url) - before
                assert "No changes." in iac_runs[-1].stdout, iac_runs[-1].stdout[-500:]
                if with_baseline:
                    baseline_runs.append(measure(baseline_cmd, env, work))
                    assert "No changes." in baseline_runs[-1].stdout, baseline_runs[-1].stdout
    return SteadyPlan(n, best(iac_runs), best(baseline_runs) if baseline_runs else None, calls)


def _request_count(url: str) -> int:
    return len(httpx.get(f"{url}/__sandbox/requests").json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 instead of 10,000")
    parser.add_argument("--skip-apply", action="store_true", help="leave out the apply of 100")
    args = parser.parse_args()
    large = 1_000 if args.quick else 10_000
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")

    validate, plan = cold_start(args.repeat)
    print("\n1. cold start (examples/, 3 destinations)")
    print(f"   iac validate: {validate.cpu:.2f} s CPU, {validate.rss_mb:.0f} MB peak RSS")
    print(f"   iac plan:     {plan.cpu:.2f} s CPU, {plan.rss_mb:.0f} MB peak RSS")

    thousand = steady_plan(1_000, args.repeat, with_baseline=True)
    assert thousand.baseline is not None
    iac, raw = thousand.iac, thousand.baseline
    print("\n2. steady-state plan of 1,000 (No changes), iac vs raw httpx")
    print(f"   iac plan:  {iac.cpu:.2f} s CPU, {iac.wall:.2f} s wall, {iac.rss_mb:.0f} MB")
    print(f"   baseline:  {raw.cpu:.2f} s CPU, {raw.wall:.2f} s wall, {raw.rss_mb:.0f} MB")
    print(f"   ratio:     {iac.cpu / raw.cpu:.2f}x CPU, {iac.wall / raw.wall:.2f}x wall")
    print(f"   calls:     {thousand.calls} per plan, against 2N = 2,000")

    small = steady_plan(10, args.repeat, with_baseline=False)  # start-up, about
    big = steady_plan(large, 1, with_baseline=False)
    print(f"\n3. steady-state plan of {large:,}")
    print(
        f"   iac plan:  {big.iac.cpu:.2f} s CPU, {big.iac.wall:.2f} s wall, "
        f"{big.iac.rss_mb:.0f} MB peak RSS, {big.calls} calls"
    )
    growth = large / 1_000
    print(
        f"   growth from 1,000 ({growth:g}x destinations): iac CPU "
        f"{big.iac.cpu / iac.cpu:.1f}x, iac CPU above a plan of 10 "
        f"{(big.iac.cpu - small.iac.cpu) / max(iac.cpu - small.iac.cpu, 1e-9):.1f}x, sandbox CPU "
        f"{big.iac.sandbox_cpu / max(iac.sandbox_cpu, 1e-9):.1f}x"
    )

    if not args.skip_apply:
        import apply_pacing

        print("\n4. apply of 100 creates at the default limit (300 requests a minute)")
        pacing = apply_pacing.parser().parse_args(["--activation-delay", "1.0"])
        for line in apply_pacing.report(pacing):
            print(f"   {line}", flush=True)


if __name__ == "__main__":
    main()
