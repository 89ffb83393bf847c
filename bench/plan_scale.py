#!/usr/bin/env python3
"""How plan and validate scale with the number of destinations, and what a run costs.

Seeds a sandbox org with N configured EventBridge integrations (already in state, so the plan
is the steady-state "No changes" a PR or drift run usually sees), then times the real CLI in a
child process, end to end through the SDK over loopback HTTP, and reads its peak RSS.

    .venv/bin/python bench/plan_scale.py [--sizes 10,100,1000] [--repeat 3]

Prints figures, asserts nothing: the machines are shared and noisy, so compare ratios within
one run (e.g. plan time per 1,000 destinations vs the fixed start-up cost).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import TOPICS, destinations_yaml, sandbox_env

from iac.sandbox import SandboxOptions, SandboxServer
from iac.sandbox.activation import ActivationPolicy
from iac.sandbox.org import OrgStore
from iac.state import ResourceState, State
from iac.workspace import Workspace, backends


def seed(work: Path, n: int, url_holder: list[str]) -> None:
    """Org file, YAML and state for n destinations that all match: the plan says No changes."""
    store = OrgStore(None, ActivationPolicy(delay=0.0))
    resources = {}
    for i in range(n):
        suffix = f"bench-{i:05d}"
        record = store.create("amazon-eventbridge-source")
        store.put_config(
            record["id"],
            {
                "name": f"Bench {i}",
                "version": 1,
                "properties": {
                    "awsAccountId": "123456789012",
                    "awsAccountRegion": "us-east-1",
                    "eventSourceSuffix": suffix,
                    "eventFilter": TOPICS,
                },
                "advanced": {},
                "notes": "",
                "credentials": {},
            },
        )
        store.set_intended_state(record["id"], "ENABLED")
        attributes = {
            "name": f"Bench {i}",
            "aws_account_id": "123456789012",
            "aws_region": "us-east-1",
            "event_source_suffix": suffix,
            "topic_filters": sorted(TOPICS),
            "enabled": True,
            "notes": None,
        }
        resources[f"d{i:05d}"] = ResourceState(record["id"], attributes)
    (work / "config").mkdir()
    # A file of at most 1,000 destinations: iac refuses configuration files over 1 MiB.
    for number, start in enumerate(range(0, n, 1000)):
        yaml = destinations_yaml(min(1000, n - start), start=start)
        (work / "config" / f"destinations-{number:02d}.yaml").write_text(yaml)
    (work / "org.json").write_text(json.dumps(store.snapshot()))
    state = State(lineage="bench", serial=0, target=url_holder[0], resources=resources)
    backends(Workspace(work / "state")).state.write(state)


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    # ru_maxrss of children is the max over all children so far: only rises are informative.
    return elapsed, max(after, before) / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    iac = [sys.executable, "-m", "iac"]
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            options = SandboxOptions(rate_limit_per_minute=100_000)
            # The URL is part of the state's target: start the server first, seed, restart.
            with SandboxServer(None, options) as probe:
                port = int(probe.url.rsplit(":", 1)[1])
            url = f"http://127.0.0.1:{port}"
            seed(work, n, [url])
            with SandboxServer(work / "org.json", options, port=port) as server:
                env = sandbox_env(server.url, options)
                validate = [
                    timed([*iac, "validate", "config"], env, work) for _ in range(args.repeat)
                ]
                plan = [
                    timed([*iac, "plan", "config", "--skip-probes"], env, work)
                    for _ in range(args.repeat)
                ]
                assert "No changes." in plan[-1][2], plan[-1][2][-500:]
            rows.append(
                (
                    n,
                    min(t for t, _, _ in validate),
                    min(t for t, _, _ in plan),
                    max(m for _, m, _ in plan),
                )
            )
    print(
        f"{'destinations':>12} {'validate s':>11} {'plan s':>8} {'plan - startup s':>17} "
        f"{'peak RSS MB':>12}"
    )
    base = rows[0][2]
    for n, validate_s, plan_s, rss in rows:
        print(f"{n:>12} {validate_s:>11.2f} {plan_s:>8.2f} {plan_s - base:>17.2f} {rss:>12.0f}")
    print(
        f"\nplan at {rows[-1][0]} destinations costs {rows[-1][2] / base:.2f}x the plan at "
        f"{rows[0][0]}; validate runs {rows[0][2] / rows[0][1]:.0f}x faster than plan "
        "(no SDK import, no network)."
    )


if __name__ == "__main__":
    main()
