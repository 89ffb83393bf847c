"""The whole life of destinations through the CLI: create, no-op, update, replace, delete."""

from __future__ import annotations

from iac_testing.cli_world import Sandbox, Workdir, config, destination

ACTIVITY = "v2.users.{id}.activity"
PRESENCE = "v2.users.{id}.presence"


def test_create_then_plan_shows_no_changes(work: Workdir, sandbox: Sandbox) -> None:
    work.write(
        config(
            destination("orders", "orders-prod"), destination("audit", "audit-prod", enabled=False)
        )
    )
    planned = work.iac("plan", str(work.config))
    assert planned.exit_code == 0, planned.output
    assert '+ destination "orders"' in planned.output
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in planned.output
    assert sandbox.integrations() == []  # plan changes nothing

    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in applied.output

    live = sandbox.by_suffix()
    assert set(live) == {"orders-prod", "audit-prod"}
    orders = live["orders-prod"]
    assert orders["name"] == "Orders"
    assert orders["intendedState"] == "ENABLED"
    assert live["audit-prod"]["intendedState"] == "DISABLED"
    assert orders["config"]["current"]["properties"] == {
        "awsAccountId": "123456789012",
        "awsAccountRegion": "us-east-1",
        "eventSourceSuffix": "orders-prod",
        "eventFilter": [ACTIVITY],
    }
    state = work.state()
    assert state["resources"]["orders"]["id"] == orders["id"]
    assert state["target"] == sandbox.url

    again = work.iac("plan", str(work.config))
    assert again.exit_code == 0
    assert "No changes." in again.output


def test_topic_change_updates_in_place(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    work.iac("apply", str(work.config), "--auto-approve")
    before = sandbox.by_suffix()["orders-prod"]

    work.write(config(destination("orders", "orders-prod", topics=(ACTIVITY, PRESENCE))))
    planned = work.iac("plan", str(work.config))
    assert '~ destination "orders"' in planned.output
    assert f'+ "{PRESENCE}",' in planned.output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in planned.output

    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    after = sandbox.by_suffix()["orders-prod"]
    assert after["id"] == before["id"]
    assert sorted(after["config"]["current"]["properties"]["eventFilter"]) == [ACTIVITY, PRESENCE]
    assert after["config"]["current"]["version"] == before["config"]["current"]["version"] + 1
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_enable_toggle_is_an_update_that_patches(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod", enabled=False)))
    work.iac("apply", str(work.config), "--auto-approve")
    work.write(config(destination("orders", "orders-prod", enabled=True)))
    planned = work.iac("plan", str(work.config))
    assert "~ enabled             = false -> true" in planned.output
    work.iac("apply", str(work.config), "--auto-approve")
    assert sandbox.by_suffix()["orders-prod"]["intendedState"] == "ENABLED"


def test_suffix_change_replaces(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    work.iac("apply", str(work.config), "--auto-approve")
    old_id = sandbox.by_suffix()["orders-prod"]["id"]

    work.write(config(destination("orders", "orders-v2")))
    planned = work.iac("plan", str(work.config))
    assert '-/+ destination "orders"' in planned.output
    assert "# forces replacement" in planned.output
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in planned.output

    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    live = sandbox.by_suffix()
    assert set(live) == {"orders-v2"}
    assert live["orders-v2"]["id"] != old_id
    assert work.state()["resources"]["orders"]["id"] == live["orders-v2"]["id"]
    assert "deposed" not in work.state()["resources"]["orders"]
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_removal_deletes(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    work.iac("apply", str(work.config), "--auto-approve")

    work.write(config(destination("orders", "orders-prod")))
    planned = work.iac("plan", str(work.config))
    assert '- destination "audit"' in planned.output
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in planned.output

    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert set(sandbox.by_suffix()) == {"orders-prod"}
    assert set(work.state()["resources"]) == {"orders"}
    deletes = [r for r in work.audit() if r["action"] == "delete"]
    assert [(r["key"], r["result"]) for r in deletes] == [("audit", "succeeded")]


def test_suffix_moves_between_keys_in_one_apply(work: Workdir, sandbox: Sandbox) -> None:
    """Genesys refuses two integrations with one account+region+suffix, so the delete that
    frees the suffix must land before the create that takes it."""
    work.write(config(destination("old-name", "orders-prod")))
    work.iac("apply", str(work.config), "--auto-approve")
    work.write(config(destination("new-name", "orders-prod")))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert set(work.state()["resources"]) == {"new-name"}
    assert list(sandbox.by_suffix()) == ["orders-prod"]


def test_drift_is_reported_and_corrected(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    work.iac("apply", str(work.config), "--auto-approve")
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    sandbox.edit(integration_id, name="Renamed in the Genesys UI")

    planned = work.iac("plan", str(work.config))
    assert "Objects have changed outside of iac" in planned.output
    assert '"Orders" -> "Renamed in the Genesys UI"' in planned.output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in planned.output
    work.iac("apply", str(work.config), "--auto-approve")
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Orders"


def test_integration_deleted_outside_is_created_again(work: Workdir, sandbox: Sandbox) -> None:
    import httpx

    work.write(config(destination("orders", "orders-prod")))
    work.iac("apply", str(work.config), "--auto-approve")
    gone = sandbox.by_suffix()["orders-prod"]["id"]
    httpx.delete(
        f"{sandbox.url}/api/v2/integrations/{gone}",
        headers={"Authorization": f"Bearer {sandbox._token()}"},
    ).raise_for_status()

    planned = work.iac("plan", str(work.config))
    assert "has been deleted" in planned.output
    assert "deleted outside iac; creates it again" in planned.output
    work.iac("apply", str(work.config), "--auto-approve")
    assert sandbox.by_suffix()["orders-prod"]["id"] != gone


def test_two_keys_swap_suffixes_in_one_apply(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("a", "suffix-x"), destination("b", "suffix-y")))
    work.iac("apply", str(work.config), "--auto-approve")
    work.write(config(destination("a", "suffix-y"), destination("b", "suffix-x")))
    applied = work.iac("apply", str(work.config), "--auto-approve", "--parallelism", "1")
    assert applied.exit_code == 0, applied.output
    live = sandbox.by_suffix()
    assert live["suffix-y"]["name"] == "A"
    assert live["suffix-x"]["name"] == "B"
    assert "No changes." in work.iac("plan", str(work.config)).output
