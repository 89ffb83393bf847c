"""An apply paces itself to the rate limit, and --parallelism sets its HTTP concurrency."""

from __future__ import annotations

import httpx
import pytest
from iac_testing.cli_world import Sandbox, Workdir, config, destination

CONFIG = "/api/v2/integrations/*/config/current"
# 20 requests per 8 s window: an apply of 12 creates (3-5 requests each) spans windows.
# Windows far longer than the reset header's 1 s resolution, as Genesys' 60 s are.
SMALL_LIMIT = {"rate_limit_per_minute": 20, "rate_window_seconds": 8.0}


def many(n: int) -> str:
    return config(*(destination(f"d{i:02d}", f"pacing-{i:02d}") for i in range(n)))


def api_calls(sandbox: Sandbox) -> list[dict[str, object]]:
    return [r for r in sandbox.requests() if str(r["path"]).startswith("/api/")]


@pytest.mark.parametrize("sandbox", [SMALL_LIMIT], indirect=True)
def test_an_apply_paced_by_the_headers_is_never_answered_429(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(many(12))
    applied = work.iac("apply", str(work.config), "--auto-approve", "--parallelism", "8")
    assert applied.exit_code == 0, applied.output
    calls = api_calls(sandbox)
    assert len(calls) > 20  # more than one window allows: it had to wait for a reset
    assert [c for c in calls if c["status"] == 429] == []
    assert len(sandbox.suffixes()) == 12


@pytest.mark.parametrize(
    "sandbox",
    [{**SMALL_LIMIT, "rate_window_seconds": 4.0, "rate_limit_headers": False}],
    indirect=True,
)
def test_without_the_headers_an_apply_still_completes_on_retry_after(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(many(8))  # more requests than one window allows
    applied = work.iac("apply", str(work.config), "--auto-approve", "--parallelism", "4")
    assert applied.exit_code == 0, applied.output
    assert "for rate limiting" in applied.output
    assert any(c["status"] == 429 for c in api_calls(sandbox))
    assert len(sandbox.suffixes()) == 8


def test_parallelism_sets_how_many_requests_are_in_flight(work: Workdir, sandbox: Sandbox) -> None:
    # The first 16 config writes are held until 16 wait at once (at most 30 s): a client that
    # sent fewer at a time would be let go only by the timeout, and the peak would say so.
    # (Not the POSTs: creates are sent one at a time, see creation.py.)
    sandbox.add_fault(method="PUT", path=CONFIG, action="delay", delay=30, gather=16, times=16)
    work.write(many(20))
    applied = work.iac("apply", str(work.config), "--auto-approve", "--parallelism", "16")
    assert applied.exit_code == 0, applied.output
    (rule,) = httpx.get(f"{sandbox.url}/__sandbox/faults").json()
    assert rule["fired"] == 16
    assert rule["peak_waiting"] == 16
    assert len(sandbox.suffixes()) == 20
