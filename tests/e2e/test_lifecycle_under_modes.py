"""The main lifecycle through the CLI under each non-default sandbox mode (issue 9): create,
update, replace, drift, delete and a lost create answer, where the real API is unverified.

Each step is what a user runs (``iac apply``, ``plan``, ``drift``) and checks what they would
notice: exit codes, output lines, and the integrations the org holds. Waits are on conditions
with generous deadlines.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from iac_testing.cli_world import Sandbox, Workdir, config, destination, wait_until

from iac.sandbox.behaviour import KEYS, Behaviour

LIST = "/api/v2/integrations"
ACTIVITY = "v2.users.{id}.activity"
PRESENCE = "v2.users.{id}.presence"

# One non-default value of each mode. The cap leaves room for the most the lifecycle holds at
# once (three, plus a replacement made before its old integration is deleted).
MODES: dict[str, dict[str, Any]] = {
    "no-page-count": {"omit_list_fields": ["pageCount", "nextUri", "total"]},
    "validate-at-activation": {"validate_properties_at": "activation"},
    "conflict-400": {"version_conflict_status": 400},
    "delete-visible-2s": {"delete_visible_seconds": 2},
    "config-change-keeps-state": {"config_change_reactivates": False},
    "reenable-keeps-error": {"reenable_restarts_activation": False},
    "create-name-honoured": {"honour_create_name": True},
    "max-instances-5": {"max_instances": 5},
    "expand-ignored": {"expand_honoured": False},
}


def test_every_mode_is_run_at_a_value_other_than_its_default() -> None:
    default = Behaviour().to_json()
    assert sorted(key for mode in MODES.values() for key in mode) == sorted(KEYS)
    assert all(value != default[key] for mode in MODES.values() for key, value in mode.items())


def applied(work: Workdir, summary: str) -> str:
    """``iac apply --auto-approve``; it succeeds with ``summary``; the plan after: no changes."""
    ran = work.iac("apply", str(work.config), "--auto-approve")
    assert ran.exit_code == 0, ran.output
    assert f"Apply complete! Resources: {summary}." in ran.output, ran.output
    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output, planned.output
    return ran.output


def held(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """The integrations the org holds, by event source suffix."""
    return {i["config"]["properties"]["eventSourceSuffix"]: i for i in sandbox.stored()}


def read(sandbox: Sandbox, integration_id: str) -> httpx.Response:
    """GET /api/v2/integrations/{id}, as any Genesys client reads it."""
    return httpx.get(
        f"{sandbox.url}{LIST}/{integration_id}",
        headers={"Authorization": f"Bearer {sandbox._token()}"},
    )


def check(sandbox: Sandbox, work: Workdir, expected: dict[str, dict[str, Any]]) -> None:
    """The org holds exactly ``expected`` (suffix -> name, topics, enabled), each enabled one
    reported ACTIVE, and state names each by its id."""
    live = held(sandbox)
    assert sorted(live) == sorted(expected)
    for suffix, want in expected.items():
        rec = live[suffix]
        assert rec["config"]["name"] == want["name"]
        assert rec["config"]["properties"]["eventFilter"] == want["topics"]
        assert rec["intendedState"] == ("ENABLED" if want["enabled"] else "DISABLED")
        code = read(sandbox, rec["id"]).json()["reportedState"]["code"]
        assert code == ("ACTIVE" if want["enabled"] else "INACTIVE"), (suffix, code)
    ids = {key: r["id"] for key, r in work.state()["resources"].items()}
    assert sorted(ids.values()) == sorted(r["id"] for r in live.values())


def posts(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The creates the sandbox was sent (POST /api/v2/integrations), oldest first."""
    return [r for r in sandbox.requests() if (r["method"], r["path"]) == ("POST", LIST)]


def gone(sandbox: Sandbox, integration_id: str) -> None:
    """A deleted integration stops answering (a while after, where deletes stay visible)."""
    wait_until(
        f"{integration_id} to answer 404", lambda: read(sandbox, integration_id).status_code == 404
    )
    assert integration_id not in {i["id"] for i in sandbox.stored()}


@pytest.mark.parametrize("mode", list(MODES.values()), ids=list(MODES))
def test_the_lifecycle_holds_under_the_mode(
    work: Workdir, sandbox: Sandbox, mode: dict[str, Any]
) -> None:
    sandbox.behave(**mode)
    orders = {"name": "Orders", "topics": [ACTIVITY], "enabled": True}
    audit = {"name": "Audit", "topics": [ACTIVITY], "enabled": False}
    billing = {"name": "Billing", "topics": [ACTIVITY], "enabled": True}

    # create: one enabled, one disabled, one more enabled
    work.write(
        config(
            destination("orders", "orders-prod"),
            destination("audit", "audit-prod", enabled=False),
            destination("billing", "billing-prod"),
        )
    )
    applied(work, "3 added, 0 changed, 0 destroyed")
    expected = {"orders-prod": orders, "audit-prod": audit, "billing-prod": billing}
    check(sandbox, work, expected)
    ids = {suffix: rec["id"] for suffix, rec in held(sandbox).items()}

    # update in place: a new name and one more topic
    orders = {"name": "Orders v2", "topics": [ACTIVITY, PRESENCE], "enabled": True}
    work.write(
        config(
            destination("orders", "orders-prod", name="Orders v2", topics=(ACTIVITY, PRESENCE)),
            destination("audit", "audit-prod", enabled=False),
            destination("billing", "billing-prod"),
        )
    )
    output = applied(work, "0 added, 1 changed, 0 destroyed")
    check(sandbox, work, {**expected, "orders-prod": orders})
    # Only where a config change leaves the reported state alone is it disabled and enabled.
    cycled = "destination.orders: Re-enabling (activation did not restart)" in output
    assert cycled is (mode == {"config_change_reactivates": False}), output
    assert held(sandbox)["orders-prod"]["id"] == ids["orders-prod"]

    # replace: a new event source suffix makes a new integration, the old one is deleted
    work.write(
        config(
            destination("orders", "orders-prod", name="Orders v2", topics=(ACTIVITY, PRESENCE)),
            destination("audit", "audit-prod", enabled=False),
            destination("billing", "billing-v2"),
        )
    )
    applied(work, "1 added, 0 changed, 1 destroyed")
    gone(sandbox, ids["billing-prod"])
    expected = {"orders-prod": orders, "audit-prod": audit, "billing-v2": billing}
    check(sandbox, work, expected)
    assert work.state()["resources"]["billing"]["id"] == held(sandbox)["billing-v2"]["id"]

    # drift: renamed and refiltered in the Genesys UI, reported, then put back by apply (on
    # the disabled one: the enabled one's update above already waited out a restart window)
    sandbox.edit(
        ids["audit-prod"], name="Renamed in the UI", properties={"eventFilter": [PRESENCE]}
    )
    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert f"# destination.audit (id {ids['audit-prod']}) has changed" in drift.output
    assert '"Audit" -> "Renamed in the UI"' in drift.output
    assert f'- "{ACTIVITY}",' in drift.output  # the topic taken away in the UI
    assert "Drift: 1 changed, 0 deleted outside iac, 0 not managed." in drift.output
    applied(work, "0 added, 1 changed, 0 destroyed")
    check(sandbox, work, expected)
    assert work.iac("drift", str(work.config), "--detailed-exitcode").exit_code == 0

    # delete: removed from the YAML
    work.write(
        config(
            destination("orders", "orders-prod", name="Orders v2", topics=(ACTIVITY, PRESENCE)),
            destination("billing", "billing-v2"),
        )
    )
    applied(work, "0 added, 0 changed, 1 destroyed")
    gone(sandbox, ids["audit-prod"])
    expected = {"orders-prod": orders, "billing-v2": billing}
    check(sandbox, work, expected)
    assert set(work.state()["resources"]) == {"orders", "billing"}

    # a lost create answer: the POST commits, its answer never arrives; no duplicate
    work.write(
        config(
            destination("orders", "orders-prod", name="Orders v2", topics=(ACTIVITY, PRESENCE)),
            destination("billing", "billing-v2"),
            destination("events", "events-prod"),
        )
    )
    posted_before = len(posts(sandbox))
    sandbox.add_fault(method="POST", path=LIST, action="drop_after_commit", on_calls=[1])
    applied(work, "1 added, 0 changed, 0 destroyed")
    # One POST, whose answer was lost, and no second one: what it made was found instead.
    assert [r["dropped"] for r in posts(sandbox)[posted_before:]] == [True]
    events = {"name": "Events", "topics": [ACTIVITY], "enabled": True}
    check(sandbox, work, {**expected, "events-prod": events})
    assert len(sandbox.stored()) == 3
