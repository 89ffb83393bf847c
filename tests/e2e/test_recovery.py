"""Recovery through the CLI against the sandbox, under the modes for what the real API leaves
unverified: an activation that does not restart after a write, the type's instance cap, and
applies cut off by Ctrl-C or SIGKILL half-way through a create or a replace.

Waits are on conditions (the sandbox's request log, a reported state) with generous
deadlines; the kill trials run ``python -m iac apply`` as a child process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from iac_testing.cli_world import DEADLINE, Sandbox, Workdir, config, destination, wait_until

LIST = "/api/v2/integrations"


def activation(sandbox: Sandbox, **settings: Any) -> None:
    httpx.put(f"{sandbox.url}/__sandbox/activation", json=settings).raise_for_status()


def reported(sandbox: Sandbox, suffix: str) -> dict[str, Any]:
    return dict(sandbox.by_suffix()[suffix]["reportedState"])


def patches(sandbox: Sandbox, integration_id: str) -> list[int]:
    return [
        r["status"]
        for r in sandbox.requests()
        if r["method"] == "PATCH" and r["path"] == f"{LIST}/{integration_id}"
    ]


def child_apply(work: Workdir, sandbox: Sandbox, *extra: str) -> subprocess.Popen[str]:
    """``python -m iac apply`` of the work folder as a separate process (so it can be killed)."""
    repo = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("IAC_VAR_")}
    env.update(work.env, PYTHONPATH=str(repo))
    command = [sys.executable, "-m", "iac", "apply", str(work.config), "--auto-approve"]
    command += ["--state-dir", str(work.state_dir), "--skip-probes", *extra]
    return subprocess.Popen(
        command,
        env=env,
        cwd=work.root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- activation that does not restart by itself ------------------------------------------


def test_a_config_change_that_does_not_reactivate_is_cycled_and_says_so(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    before = reported(sandbox, "orders-prod")["lastUpdated"]
    sandbox.behave(config_change_reactivates=False)
    work.write(config(destination("orders", "orders-prod", topics=("v2.operations.events.{id}",))))

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert (
        f"destination.orders: Re-enabling (activation did not restart)... [id={integration_id}]"
        in applied.output
    )
    assert patches(sandbox, integration_id)[-2:] == [200, 200]  # DISABLED, then ENABLED
    after = reported(sandbox, "orders-prod")
    assert after["code"] == "ACTIVE" and after["lastUpdated"] > before
    [record] = [r for r in work.audit() if r["action"] == "update"]
    assert record["verification"]["message"].endswith("(re-enabled: activation did not restart)")
    assert "No changes." in work.iac("plan", str(work.config)).output


@pytest.mark.parametrize(
    "delay",
    [
        pytest.param(1.0, id="seen-activating"),
        # Over before the first read after the PUT: reportedState.lastUpdated tells.
        pytest.param(0.0, id="too-quick-to-see"),
    ],
)
def test_a_config_change_that_reactivates_is_not_cycled(
    work: Workdir, sandbox: Sandbox, delay: float
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    activation(sandbox, delay=delay)
    work.write(config(destination("orders", "orders-prod", name="Orders v2")))

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert "Re-enabling" not in applied.output
    assert patches(sandbox, integration_id) == [200]  # the create's enable, nothing since
    assert reported(sandbox, "orders-prod")["code"] == "ACTIVE"


@pytest.mark.parametrize("restarts", [True, False], ids=["restarts", "does-not-restart"])
def test_an_activation_error_is_recovered_whether_or_not_enabling_again_restarts_it(
    work: Workdir, sandbox: Sandbox, restarts: bool
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    rule = {"event_source_suffix": "orders-*", "message": "AWS account not found"}
    activation(sandbox, failures=[rule])
    sandbox.edit(integration_id, intendedState="DISABLED")
    sandbox.edit(integration_id, intendedState="ENABLED")
    wait_until("activation ERROR", lambda: reported(sandbox, "orders-prod")["code"] == "ERROR")
    sandbox.behave(reenable_restarts_activation=restarts)
    activation(sandbox, failures=[])  # fixed on the AWS side

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert "Genesys reports activation ERROR (AWS account not found)" in applied.output
    assert ("Re-enabling (activation did not restart)" in applied.output) is not restarts
    assert reported(sandbox, "orders-prod")["code"] == "ACTIVE"
    assert sandbox.by_suffix()["orders-prod"]["id"] == integration_id
    assert "No changes." in work.iac("plan", str(work.config)).output


# -- the instance cap ---------------------------------------------------------------------


def test_a_plan_past_the_instance_cap_fails_the_rules_gate_with_the_numbers(
    work: Workdir, sandbox: Sandbox
) -> None:
    sandbox.behave(max_instances=3)
    # One integration another workspace manages: no configuration here knows it, it counts.
    work.write(config(destination("other", "other-prod")))
    other = work.iac("apply", str(work.config), "--auto-approve", "--workspace", "other")
    assert other.exit_code == 0, other.output
    work.write(config(*(destination(k, f"{k}-prod") for k in ("alpha", "beta", "gamma"))))

    planned = work.iac("plan", str(work.config))

    assert planned.exit_code == 1
    message = (
        "the org may have at most 3 amazon-eventbridge-source integrations; it has 1, and "
        "this plan creates 3"
    )
    assert planned.output.count(message) >= 3, planned.output
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 1
    assert set(sandbox.by_suffix()) == {"other-prod"}  # nothing half-done against the cap

    work.write(config(*(destination(k, f"{k}-prod") for k in ("alpha", "beta"))))
    fits = work.iac("apply", str(work.config), "--auto-approve")
    assert fits.exit_code == 0, fits.output
    assert set(sandbox.by_suffix()) == {"other-prod", "alpha-prod", "beta-prod"}


def test_a_token_that_may_not_read_the_type_is_told_the_cap_was_not_checked(
    work: Workdir, sandbox: Sandbox
) -> None:
    sandbox.behave(max_instances=1)
    sandbox.add_fault(
        method="GET", path="/api/v2/integrations/types/*", status=403, code="missing.permissions"
    )
    work.write(config(destination("alpha", "alpha-prod")))

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert "Not checked against the org's instance cap:" in applied.output
    assert "HTTP 403" in applied.output
    assert set(sandbox.by_suffix()) == {"alpha-prod"}


# -- Ctrl-C during a replace ----------------------------------------------------------------


def test_after_ctrl_c_during_a_replace_the_next_plan_deletes_the_old_integration(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-v1")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    old_id = sandbox.by_suffix()["orders-v1"]["id"]
    activation(sandbox, delay=60)  # the new integration will still be activating
    work.write(config(destination("orders", "orders-v2")))
    httpx.delete(f"{sandbox.url}/__sandbox/requests").raise_for_status()

    child = child_apply(work, sandbox)
    wait_until(
        "the new integration to be enabled",
        lambda: any(r["method"] == "PATCH" for r in sandbox.requests()),
    )
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=DEADLINE)
    assert child.returncode == 130, err
    entry = work.state()["resources"]["orders"]
    assert entry["deposed"] == [old_id] and entry["verified"] is False

    # Let the cut-off activation finish now rather than in a minute (as if it had meanwhile).
    activation(sandbox, delay=0.05)
    sandbox.edit(entry["id"], intendedState="DISABLED")
    sandbox.edit(entry["id"], intendedState="ENABLED")
    planned = work.iac("plan", str(work.config))
    assert f"(deposed object {old_id}) will be destroyed" in planned.output, planned.output
    assert "left behind by an earlier replace" in planned.output
    assert "Plan: 0 to add, 1 to change, 1 to destroy." in planned.output
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert set(sandbox.by_suffix()) == {"orders-v2"}
    assert "No changes." in work.iac("plan", str(work.config)).output


# -- SIGKILL between a create's POST and its state write -------------------------------------


def kill_after_a_committed_post(work: Workdir, sandbox: Sandbox) -> dict[str, Any]:
    """Apply alpha, beta and gamma one at a time; beta's POST lands but loses its answer, and
    the run is SIGKILLed while it is still finding out what that POST made (held there by a
    429). Returns the integration beta's POST made, which state does not name."""
    httpx.delete(f"{sandbox.url}/__sandbox/requests").raise_for_status()
    sandbox.add_fault(method="POST", path=LIST, action="drop_after_commit", on_calls=[2])
    # The first listing is the plan's; the next is the create's look for what it made.
    sandbox.add_fault(method="GET", path=LIST, status=429, retry_after=60, on_calls=[2])
    child = child_apply(work, sandbox, "--parallelism", "1")
    try:
        wait_until(
            "the look for the lost create to be throttled",
            lambda: any(r["method"] == "GET" and r["status"] == 429 for r in sandbox.requests()),
        )
        posts = [r for r in sandbox.requests() if (r["method"], r["path"]) == ("POST", LIST)]
        assert [r["dropped"] for r in posts] == [False, True]
    finally:
        child.kill()
        child.communicate(timeout=DEADLINE)
    assert child.returncode == -signal.SIGKILL
    httpx.delete(f"{sandbox.url}/__sandbox/faults").raise_for_status()
    left = work.state()
    assert set(left["pending_creates"]) == {"beta"}  # gamma never started
    assert set(left["resources"]) == {"alpha"}
    [orphan] = [i for i in sandbox.integrations() if i["id"] != left["resources"]["alpha"]["id"]]
    assert orphan["config"]["current"]["version"] == 1  # unconfigured, as the POST left it
    return orphan


def test_the_apply_after_a_kill_adopts_the_integration_the_cut_off_create_made(
    work: Workdir, sandbox: Sandbox
) -> None:
    sandbox.behave(honour_create_name=True)
    keys = ("alpha", "beta", "gamma")
    work.write(config(*(destination(k, f"{k}-prod") for k in keys)))

    orphan = kill_after_a_committed_post(work, sandbox)

    intent = work.state()["pending_creates"]["beta"]
    assert intent["name"].startswith("iac-pending-") and intent["name"].endswith("-beta")
    assert orphan["name"] == intent["name"]
    leftover = work.state_dir / ".default.json.4242.0badcafe.tmp"
    leftover.write_text("{half a state")  # as a write killed before its rename leaves it

    planned = work.iac("plan", str(work.config))
    assert (
        "resumes a create cut off before it was recorded: configures and verifies "
        f"integration {orphan['id']} instead of creating another" in planned.output
    ), planned.output
    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    live = sandbox.by_suffix()
    assert set(live) == {f"{k}-prod" for k in keys}  # three, not four: no duplicate
    assert live["beta-prod"]["id"] == orphan["id"]
    state = work.state()
    assert "pending_creates" not in state
    assert {k: r["id"] for k, r in state["resources"].items()} == {
        k: live[f"{k}-prod"]["id"] for k in keys
    }
    assert not leftover.exists()
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_where_genesys_ignores_the_name_the_kill_is_recovered_by_time(
    work: Workdir, sandbox: Sandbox
) -> None:
    sandbox.behave(honour_create_name=False)
    keys = ("alpha", "beta", "gamma")
    work.write(config(*(destination(k, f"{k}-prod") for k in keys)))

    orphan = kill_after_a_committed_post(work, sandbox)
    assert orphan["name"] == "Amazon EventBridge Source"  # not the name it asked for

    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert f"configures and verifies integration {orphan['id']}" in applied.output
    assert len(sandbox.integrations()) == 3
    assert sandbox.by_suffix()["beta-prod"]["id"] == orphan["id"]
    assert "No changes." in work.iac("plan", str(work.config)).output


def after_a_kill(work: Workdir, sandbox: Sandbox, key: str, pending_name: str) -> str:
    """What a run killed right after a create's POST leaves: state holding only the intent,
    and Genesys the integration it made under the pending name (its id is returned)."""
    sandbox.behave(honour_create_name=True)
    token = httpx.post(
        f"{sandbox.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(work.env["GENESYSCLOUD_OAUTHCLIENT_ID"], work.env["GENESYSCLOUD_OAUTHCLIENT_SECRET"]),
    ).json()["access_token"]
    made = httpx.post(
        f"{sandbox.url}{LIST}",
        json={"name": pending_name, "integrationType": {"id": "amazon-eventbridge-source"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    made.raise_for_status()
    write_intent_only_state(work, sandbox, key, pending_name, since="2020-01-01T00:00:00Z")
    return str(made.json()["id"])


def write_intent_only_state(
    work: Workdir, sandbox: Sandbox, key: str, pending_name: str, *, since: str
) -> None:
    """A state holding nothing but one create's intent, as a killed run leaves it."""
    org = httpx.get(f"{sandbox.url}/__sandbox/org").json()
    work.state_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "version": 1,
        "lineage": "0b0e7f0e-0000-4000-8000-000000000000",
        "serial": 3,
        "target": sandbox.url,
        "org_id": org["orgId"],
        "resources": {},
        "pending_creates": {key: {"name": pending_name, "since": since}},
    }
    (work.state_dir / "default.json").write_text(json.dumps(document))


def test_a_saved_plan_resumes_a_cut_off_create(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    made = after_a_kill(work, sandbox, "orders", "iac-pending-0a1b2c3d-orders")
    plan_file = work.root / "plan.iac"

    planned = work.iac("plan", str(work.config), "--out", str(plan_file))
    assert planned.exit_code == 0, planned.output
    assert f"configures and verifies integration {made} instead of creating another" in (
        planned.output
    )
    applied = work.iac("apply", str(plan_file))

    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in applied.output
    assert [i["id"] for i in sandbox.integrations()] == [made]
    state = work.state()
    assert state["resources"]["orders"]["id"] == made and "pending_creates" not in state
    adopted = [r for r in work.audit() if r["action"] == "refresh"]
    assert [(r["key"], r["genesys_id"]) for r in adopted] == [("orders", made)]
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_a_cut_off_create_of_a_destination_since_removed_is_deleted(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("audit", "audit-prod")))
    made = after_a_kill(work, sandbox, "orders", "iac-pending-0a1b2c3d-orders")

    applied = work.iac("apply", str(work.config), "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert f"integration {made} was made by an apply cut off before recording it" in applied.output
    assert "Apply complete! Resources: 1 added, 0 changed, 1 destroyed." in applied.output
    assert set(sandbox.by_suffix()) == {"audit-prod"}
    assert set(work.state()["resources"]) == {"audit"}


def test_a_state_document_with_an_intent_reads_back_in_the_cli(
    work: Workdir, sandbox: Sandbox
) -> None:
    """An intent that found nothing: the plan creates, the apply drops the stale intent."""
    work.write(config(destination("orders", "orders-prod")))
    write_intent_only_state(
        work, sandbox, "orders", "iac-pending-deadbeef-orders", since="2030-01-01T00:00:00Z"
    )

    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 0, planned.output
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in planned.output
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    assert "pending_creates" not in work.state()
    assert len(sandbox.integrations()) == 1
