"""After the writes: read back, wait for ACTIVE, and keep in state only what succeeded."""

from __future__ import annotations

import time

import httpx
from iac_testing.cli_world import Sandbox, Workdir, config, destination

# How long a test waits for the sandbox to settle an activation before it gives up: far
# longer than the fixture's 0.05 s activation delay ever takes, even on a loaded machine.
SETTLE_DEADLINE_SECONDS = 30.0


def wait_for_reported_state(sandbox: Sandbox, suffix: str, code: str) -> dict[str, object]:
    """Poll the sandbox's public API until the integration reports ``code``; fail after a
    generous deadline, naming what it reported last."""
    deadline = time.monotonic() + SETTLE_DEADLINE_SECONDS
    while True:
        reported = sandbox.by_suffix()[suffix]["reportedState"]
        if reported["code"] == code:
            return dict(reported)
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"{suffix} still reports {reported} after {SETTLE_DEADLINE_SECONDS:g}s, not {code}"
            )
        time.sleep(0.02)  # a poll interval, not a wait for the outcome


def test_activation_error_fails_its_job_with_genesys_message(
    work: Workdir, sandbox: Sandbox
) -> None:
    httpx.put(
        f"{sandbox.url}/__sandbox/activation",
        json={
            "failures": [
                {"event_source_suffix": "bad-*", "message": "AWS rejected the partner event source"}
            ]
        },
    ).raise_for_status()
    work.write(
        config(
            destination("first", "first-prod"),
            destination("broken", "bad-suffix"),
            destination("third", "third-prod"),
        )
    )
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 1
    assert "Apply failed: 1 of 3 changes failed." in applied.output
    assert "AWS rejected the partner event source" in applied.output
    assert "destination.first: Creation complete" in applied.output
    assert "destination.third: Creation complete" in applied.output
    # State and Genesys keep only what succeeded.
    assert set(work.state()["resources"]) == {"first", "third"}
    assert set(sandbox.by_suffix()) == {"first-prod", "third-prod"}
    broken = next(r for r in work.audit() if r["key"] == "broken")
    assert broken["result"] == "failed"
    assert broken["verification"]["status"] == "failed"
    assert "AWS rejected the partner event source" in broken["verification"]["message"]
    first = next(r for r in work.audit() if r["key"] == "first")
    assert first["verification"]["status"] == "verified"
    assert first["job_id"]


def test_activation_slower_than_the_timeout_fails(work: Workdir, sandbox: Sandbox) -> None:
    httpx.put(f"{sandbox.url}/__sandbox/activation", json={"delay": 30}).raise_for_status()
    work.write(config(destination("orders", "orders-prod")))
    applied = work.iac("apply", str(work.config), "--auto-approve", "--activation-timeout", "0.5")
    assert applied.exit_code == 1
    assert "is still ACTIVATING after 0.5s (--activation-timeout)" in applied.output
    assert sandbox.integrations() == []


def test_jobs_report_verification_as_they_go(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    lines = [line for line in applied.output.splitlines() if line.startswith("destination.")]
    assert lines[0] == "destination.orders: Creating..."
    assert lines[1].startswith("destination.orders: Verifying... [id=")
    assert lines[2].startswith("destination.orders: Creation complete after ")


def test_audit_verify_finds_a_one_byte_edit(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(*(destination(k, f"{k}-prod") for k in ("a", "b", "c"))))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(*(destination(k, f"{k}-prod", name=f"{k} v2") for k in ("a", "b", "c"))))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    verified = work.iac("audit", "verify", "--state-dir", str(work.state_dir))
    assert verified.exit_code == 0, verified.output
    assert "intact: 6 records" in verified.output

    path = work.state_dir / "default.audit.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b'"succeeded"', b'"succeedeD"', 1)
    path.write_bytes(b"\n".join(lines))
    broken = work.iac("audit", "verify", "--state-dir", str(work.state_dir))
    assert broken.exit_code == 1
    assert "broken at line 4" in broken.output


def test_an_activation_that_fails_later_is_planned_and_recovered(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    rule = {"event_source_suffix": "orders-*", "message": "AWS account not found"}
    httpx.put(f"{sandbox.url}/__sandbox/activation", json={"failures": [rule]}).raise_for_status()
    sandbox.edit(integration_id, intendedState="DISABLED")
    sandbox.edit(integration_id, intendedState="ENABLED")  # now ends in ERROR
    # Activation settles asynchronously (ACTIVATING, then ERROR after the sandbox's delay);
    # until it has, Genesys reports nothing wrong and the plan rightly says "No changes.".
    # Plan only once Genesys reports the ERROR, as a real operator's plan would see it.
    reported = wait_for_reported_state(sandbox, "orders-prod", "ERROR")
    assert reported["detail"] == {"message": "AWS account not found"}

    planned = work.iac("plan", str(work.config))
    assert "Genesys reports activation ERROR (AWS account not found)" in planned.output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in planned.output
    failed = work.iac("apply", str(work.config), "--auto-approve")
    assert failed.exit_code == 1
    assert "AWS account not found" in failed.output

    httpx.put(f"{sandbox.url}/__sandbox/activation", json={"failures": []}).raise_for_status()
    fixed = work.iac("apply", str(work.config), "--auto-approve")
    assert fixed.exit_code == 0, fixed.output
    # The apply waited for ACTIVE before it succeeded, so this is settled, not a race.
    assert sandbox.by_suffix()["orders-prod"]["reportedState"]["code"] == "ACTIVE"
    assert sandbox.by_suffix()["orders-prod"]["id"] == integration_id
    assert "No changes." in work.iac("plan", str(work.config)).output
