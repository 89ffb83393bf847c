#!/usr/bin/env python3
"""Whether the sandbox scales linearly: its own CPU per request at 1k and at 10k integrations.

Seeds an org file with N configured, enabled EventBridge integrations, serves it from a child
process (so its CPU is not mixed with the client's) and drives it with raw httpx, not the SDK:

- listing: every page of ``GET /api/v2/integrations?pageSize=100`` as a plan reads it
  (``integrationType`` and ``expand=config.current``), repeated so both sizes serve about
  the same number of pages;
- reads: ``GET .../{id}?expand=config.current``, ``GET .../{id}/config/current``,
  ``GET /api/v2/tokens/me`` and the integration type, on random ids;
- writes: create, PUT config and enable, with the org kept in a file (as ``iac sandbox serve``
  does), then delete them again: an apply of a few into a large org.

    .venv/bin/python bench/sandbox_scale.py [--sizes 1000,10000] [--pages 200] [--writes 30]

The child reports its own CPU (``time.process_time``) over a pipe before and after each step.
Prints figures, asserts nothing: per page and per request the ratio between sizes should be
about 1x (a whole listing about 10x); the machines are shared and noisy, so compare within one
run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from iac.atomic import write_atomic
from iac.sandbox import SandboxOptions, SandboxServer
from iac.sandbox.activation import ActivationPolicy
from iac.sandbox.org import OrgStore

TYPE_ID = "amazon-eventbridge-source"
TOPICS = ["v2.detail.events.conversation.{id}.customer.end", "v2.users.{id}.activity"]
OPTIONS = SandboxOptions(activation_delay=0.0, rate_limit_per_minute=10_000_000)


def properties(suffix: str) -> dict[str, Any]:
    return {
        "awsAccountId": "123456789012",
        "awsAccountRegion": "us-east-1",
        "eventSourceSuffix": suffix,
        "eventFilter": TOPICS,
    }


def seed(data_file: Path, n: int) -> float:
    """Write an org of n configured, enabled integrations; returns the seconds it took."""
    started = time.perf_counter()
    store = OrgStore(None, ActivationPolicy(delay=0.0))
    for i in range(n):
        record = store.create(TYPE_ID)
        doc = {"name": f"Bench {i}", "version": 1, "properties": properties(f"bench-{i:05d}")}
        store.put_config(record["id"], doc)
        store.set_intended_state(record["id"], "ENABLED")
    write_atomic(data_file, json.dumps(store.snapshot()))
    return time.perf_counter() - started


def serve(data_file: Path, port: int, conn: Connection) -> None:
    """The child: serve the org, and answer "cpu" with this process's CPU seconds and peak
    RSS (MB)."""
    with SandboxServer(data_file, OPTIONS, port=port) as server:
        conn.send(server.url)
        while conn.recv() == "cpu":
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            conn.send((time.process_time(), peak))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Step:
    name: str
    requests: int
    cpu: float  # sandbox CPU seconds
    wall: float


class Bench:
    def __init__(self, conn: Connection, client: httpx.Client) -> None:
        self.conn = conn
        self.client = client
        self.peak_rss = 0.0

    def cpu(self) -> float:
        self.conn.send("cpu")
        seconds, self.peak_rss = self.conn.recv()
        return float(seconds)

    def step(self, name: str, work: Callable[[], int]) -> Step:
        cpu, wall = self.cpu(), time.perf_counter()
        count = work()
        return Step(name, count, self.cpu() - cpu, time.perf_counter() - wall)

    def get(self, path: str, **params: Any) -> Any:
        resp = self.client.get(path, params=params)
        resp.raise_for_status()
        return resp.json()

    def send(self, method: str, path: str, doc: dict[str, Any] | None = None) -> Any:
        resp = self.client.request(method, path, json=doc)
        resp.raise_for_status()
        return resp.json()


def list_all(bench: Bench, rounds: int, seen: list[str]) -> int:
    pages = 0
    for _ in range(rounds):
        seen.clear()
        number = 1
        while True:
            page = bench.get(
                "/api/v2/integrations",
                pageSize=100,
                pageNumber=number,
                integrationType=TYPE_ID,
                expand="config.current",
            )
            pages += 1
            seen.extend(e["id"] for e in page["entities"])
            if "nextUri" not in page:
                break
            number += 1
    return pages


def read_some(bench: Bench, ids: list[str], count: int) -> int:
    chosen = random.Random(7).sample(ids, count)
    for iid in chosen:
        bench.get(f"/api/v2/integrations/{iid}", expand="config.current")
        bench.get(f"/api/v2/integrations/{iid}/config/current")
        bench.get("/api/v2/tokens/me")
        bench.get(f"/api/v2/integrations/types/{TYPE_ID}")
    return 4 * count


def write_some(bench: Bench, count: int, made: list[str]) -> int:
    for i in range(count):
        iid = bench.send("POST", "/api/v2/integrations", {"integrationType": {"id": TYPE_ID}})["id"]
        doc = {"name": f"New {i}", "version": 1, "properties": properties(f"new-{i:05d}")}
        bench.send("PUT", f"/api/v2/integrations/{iid}/config/current", doc)
        bench.send("PATCH", f"/api/v2/integrations/{iid}", {"intendedState": "ENABLED"})
        made.append(iid)
    return 3 * count


def delete_all(bench: Bench, made: list[str]) -> int:
    for iid in made:
        bench.send("DELETE", f"/api/v2/integrations/{iid}")
    return len(made)


@dataclass
class Result:
    seed_seconds: float
    peak_rss: float  # MB, the sandbox process's
    steps: list[Step]


def measure(n: int, pages: int, writes: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "org.json"
        seconds = seed(data_file, n)
        parent, child = multiprocessing.get_context("spawn").Pipe()
        port = free_port()
        process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(data_file, port, child)
        )
        process.start()
        try:
            url = parent.recv()
            token = httpx.post(
                f"{url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(OPTIONS.client_id, OPTIONS.client_secret),
            ).json()["access_token"]
            headers = {"Authorization": f"bearer {token}"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
                bench = Bench(parent, client)
                ids: list[str] = []
                rounds = max(1, round(pages / (n / 100)))
                steps = [bench.step("list page", lambda: list_all(bench, rounds, ids))]
                if len(ids) != n or len(set(ids)) != n:
                    raise SystemExit(f"listing of {n} returned {len(ids)} ids")
                steps.append(bench.step("read", lambda: read_some(bench, ids, 100)))
                made: list[str] = []
                steps.append(bench.step("write (file)", lambda: write_some(bench, writes, made)))
                steps.append(bench.step("delete (file)", lambda: delete_all(bench, made)))
        finally:
            parent.send("stop")
            process.join(timeout=30)
    return Result(seconds, bench.peak_rss, steps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--pages", type=int, default=200, help="list pages served per size")
    parser.add_argument("--writes", type=int, default=30, help="integrations created per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {n: measure(n, args.pages, args.writes) for n in sizes}
    print(
        f"{'org size':>8} {'seed s':>7} {'peak RSS MB':>12} {'step':>14} {'requests':>9} "
        f"{'sandbox CPU ms/req':>19} {'wall ms/req':>12}"
    )
    for n, result in results.items():
        for step in result.steps:
            cpu, wall = (1000 * t / step.requests for t in (step.cpu, step.wall))
            print(
                f"{n:>8} {result.seed_seconds:>7.1f} {result.peak_rss:>12.0f} {step.name:>14} "
                f"{step.requests:>9} {cpu:>19.3f} {wall:>12.3f}"
            )
    small, large = results[sizes[0]], results[sizes[-1]]
    scale = sizes[-1] / sizes[0]
    print(f"\n{sizes[-1]} vs {sizes[0]} integrations ({scale:g}x the org):")
    for a, b in zip(small.steps, large.steps, strict=True):
        ratio = (b.cpu / b.requests) / (a.cpu / a.requests)
        print(f"  {a.name:>14}: {ratio:6.2f}x sandbox CPU per request")
    # A whole listing is n / 100 pages.
    first, last = small.steps[0], large.steps[0]
    whole = (last.cpu / last.requests) / (first.cpu / first.requests) * scale
    print(f"  {'whole listing':>14}: {whole:6.2f}x sandbox CPU (linear: {scale:g}x)")
    seeding = large.seed_seconds / small.seed_seconds
    print(f"  {'seeding':>14}: {seeding:6.2f}x wall (in-process OrgStore, no file)")


if __name__ == "__main__":
    main()
