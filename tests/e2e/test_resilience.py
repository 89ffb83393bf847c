"""Genesys misbehaving the ways it does in production: the run absorbs it or fails cleanly."""

from __future__ import annotations

import pytest
from iac_testing.cli_world import Sandbox, Workdir, config, destination

LIST = "/api/v2/integrations"
CONFIG = "/api/v2/integrations/*/config/current"


def test_rate_limit_429_is_waited_out(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    sandbox.add_fault(method="GET", path=LIST, status=429, retry_after=1, on_calls=[1, 2])
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "for rate limiting" in applied.output
    statuses = [r["status"] for r in sandbox.requests() if r["path"] == LIST]
    assert statuses[:3] == [429, 429, 200]
    assert list(sandbox.by_suffix()) == ["orders-prod"]


def test_server_errors_are_retried(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    sandbox.add_fault(method="PUT", path=CONFIG, status=503, on_calls=[1])
    sandbox.add_fault(method="PATCH", path="/api/v2/integrations/*", status=500, on_calls=[1])
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    live = sandbox.by_suffix()
    assert set(live) == {"orders-prod", "audit-prod"}
    assert all(i["intendedState"] == "ENABLED" for i in live.values())
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_create_whose_answer_is_lost_is_not_duplicated(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    sandbox.add_fault(method="POST", path=LIST, action="drop_after_commit", on_calls=[1])
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    posts = [r for r in sandbox.requests() if r["method"] == "POST" and r["path"] == LIST]
    assert posts[0]["dropped"] is True
    assert len(sandbox.integrations()) == 1
    assert work.state()["resources"]["orders"]["id"] == sandbox.integrations()[0]["id"]


@pytest.mark.parametrize("sandbox", [{"token_ttl_seconds": 1}], indirect=True)
def test_token_expiring_mid_run_is_renewed(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    # The config write is throttled for 2 s, longer than the token lives: the retry then
    # meets a 401, as a long apply does after Genesys' token expiry.
    sandbox.add_fault(method="PUT", path=CONFIG, status=429, retry_after=2, on_calls=[1])
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    calls = [(r["method"], r["path"], r["status"]) for r in sandbox.requests()]
    put_statuses = [status for method, path, status in calls if method == "PUT"]
    assert put_statuses == [429, 401, 200]
    assert sandbox.by_suffix()["orders-prod"]["config"]["current"]["properties"]


def test_one_failed_change_does_not_stop_the_others(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(*(destination(k, f"{k}-prod") for k in ("alpha", "beta", "gamma"))))
    # The 2nd config write is refused for good: that change fails, the others complete.
    sandbox.add_fault(
        method="PUT",
        path=CONFIG,
        status=400,
        on_calls=[2],
        message="Property eventFilter is refused by policy.",
    )
    applied = work.iac("apply", str(work.config), "--auto-approve", "--parallelism", "1")
    assert applied.exit_code == 1
    assert "Apply failed: 1 of 3 changes failed." in applied.output
    assert "HTTP 400" in applied.output and "refused by policy" in applied.output
    results = {r["key"]: r["result"] for r in work.audit()}
    assert results == {"alpha": "succeeded", "beta": "failed", "gamma": "succeeded"}

    # The half-made integration was deleted again: state and Genesys keep only what succeeded.
    assert set(work.state()["resources"]) == {"alpha", "gamma"}
    assert set(sandbox.by_suffix()) == {"alpha-prod", "gamma-prod"}
    planned = work.iac("plan", str(work.config))
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in planned.output
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    assert len(sandbox.integrations()) == 3
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_persistent_server_errors_fail_with_the_call_named(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    sandbox.add_fault(method="GET", path=LIST, status=503, message="Service is down")
    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 1
    assert "GET /api/v2/integrations failed: HTTP 503" in planned.output
    assert "Service is down" in planned.output


@pytest.mark.parametrize("sandbox", [{"expand_honoured": False}], indirect=True)
def test_config_is_fetched_per_entry_when_expand_is_ignored(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    import httpx

    httpx.delete(f"{sandbox.url}/__sandbox/requests").raise_for_status()
    planned = work.iac("plan", str(work.config))
    assert "No changes." in planned.output
    config_reads = [r for r in sandbox.requests() if r["path"].endswith("/config/current")]
    assert len(config_reads) == 2


def test_config_arriving_inline_is_not_fetched_again(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    import httpx

    httpx.delete(f"{sandbox.url}/__sandbox/requests").raise_for_status()
    assert "No changes." in work.iac("plan", str(work.config)).output
    api_calls = [
        (r["method"], r["path"]) for r in sandbox.requests() if r["path"] != "/oauth/token"
    ]
    assert api_calls == [("GET", "/api/v2/tokens/me"), ("GET", LIST)]  # the org, once


def test_config_write_whose_answer_is_lost_is_not_a_conflict(
    work: Workdir, sandbox: Sandbox
) -> None:
    """The retry of a PUT that landed meets its own write as a 409; reading back settles it."""
    work.write(config(destination("orders", "orders-prod")))
    sandbox.add_fault(method="PUT", path=CONFIG, action="drop_after_commit", on_calls=[1])
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    puts = [r["status"] for r in sandbox.requests() if r["method"] == "PUT"]
    assert 409 in puts
    assert len(sandbox.integrations()) == 1
    assert "No changes." in work.iac("plan", str(work.config)).output
