"""``iac state list``, ``show``, ``rm`` and ``mv`` through the CLI: state read and edited by
hand, Genesys left alone, every edit locked, audited and a new serial; with the local files
and with PostgreSQL (``--backend``)."""

from __future__ import annotations

import json
from pathlib import Path

from iac_testing.cli_world import Sandbox, Workdir, config, destination
from iac_testing.postgres import IAC_PASSWORD, Database

from iac.state import StateLock

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def applied(work: Workdir, *extra: str) -> dict[str, str]:
    """orders and billing applied; their integration ids by key."""
    work.write(config(destination("orders", "orders-prod"), destination("billing", "bill")))
    result = work.iac("apply", str(work.config), "--auto-approve", *extra)
    assert result.exit_code == 0, result.output
    listed = work.iac(
        "state", "list", "--state-dir", str(work.state_dir), "--format", "json", *extra
    )
    assert listed.exit_code == 0, listed.output
    return {row["key"]: row["id"] for row in json.loads(listed.output)}


def state_cmd(work: Workdir, *args: str) -> tuple[int, str]:
    result = work.iac("state", *args, "--state-dir", str(work.state_dir))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def writes(sandbox: Sandbox) -> list[dict[str, object]]:
    """Requests that change integrations (a token is no change)."""
    return [
        r
        for r in sandbox.requests()
        if r["method"] in WRITES and str(r["path"]).startswith("/api/v2/integrations")
    ]


def test_list_and_show_read_the_state_as_terraform_prints_it(
    work: Workdir, sandbox: Sandbox
) -> None:
    ids = applied(work)

    code, listed = state_cmd(work, "list")
    assert (code, listed) == (0, "destination.billing\ndestination.orders\n")
    code, only = state_cmd(work, "list", "--id", ids["orders"])
    assert (code, only) == (0, "destination.orders\n")

    code, shown = state_cmd(work, "show", "destination.orders")  # Terraform's address works
    assert code == 0, shown
    assert shown.splitlines()[:4] == [
        "# destination.orders:",
        'destination "orders" {',
        f'    id                  = "{ids["orders"]}"',
        '    name                = "Orders"',
    ]
    assert '    event_source_suffix = "orders-prod"' in shown.splitlines()
    code, as_json = state_cmd(work, "show", "orders", "--format", "json")
    assert json.loads(as_json)["attributes"]["event_source_suffix"] == "orders-prod"

    code, missing = state_cmd(work, "show", "ordrs")
    assert code == 1
    assert missing.startswith(
        f"Error: destination.ordrs: no such destination in {work.state_dir}/default.json "
        "(did you mean destination.orders?)."
    ), missing


def test_rm_forgets_a_destination_and_leaves_its_integration_in_genesys(
    work: Workdir, sandbox: Sandbox
) -> None:
    ids = applied(work)
    serial = work.state()["serial"]
    before = writes(sandbox)

    dry_code, dry = state_cmd(work, "rm", "orders", "--dry-run")
    assert dry_code == 0 and "Would remove destination.orders" in dry
    assert work.state()["serial"] == serial

    code, removed = state_cmd(work, "rm", "orders")

    assert code == 0, removed
    assert removed.splitlines()[:3] == [
        f"Removed destination.orders (integration {ids['orders']}): Genesys keeps it.",
        "Successfully removed 1 destination(s).",
        f"State {work.state_dir}/default.json: serial {serial} -> {serial + 1}; the previous "
        f"version is kept in {work.state_dir}/default.json.backup. The audit trail records it.",
    ]
    assert f"iac import orders {ids['orders']}" in removed
    assert set(work.state()["resources"]) == {"billing"}
    backup = json.loads((work.state_dir / "default.json.backup").read_text())
    assert set(backup["resources"]) == {"orders", "billing"}
    assert writes(sandbox) == before  # Genesys was not called to change anything
    assert set(sandbox.by_suffix()) == {"orders-prod", "bill"}
    forgotten = work.audit()[-1]
    assert (forgotten["action"], forgotten["key"], forgotten["genesys_id"]) == (
        "forget",
        "orders",
        ids["orders"],
    )
    assert forgotten["before"]["event_source_suffix"] == "orders-prod"
    shown = work.iac("audit", "show", "--state-dir", str(work.state_dir), "--action", "forget")
    assert shown.exit_code == 0 and "forget" in shown.output

    # The configuration still declares it: the plan offers to adopt the integration again.
    planned = work.iac("plan", str(work.config))
    assert f"run: iac import orders {ids['orders']}" in planned.output
    assert (
        work.iac("import", "orders", ids["orders"], "--config-dir", str(work.config)).exit_code == 0
    )
    assert "No changes." in work.iac("plan", str(work.config)).output


def test_mv_renames_a_key_so_the_renamed_configuration_plans_no_change(
    work: Workdir, sandbox: Sandbox
) -> None:
    ids = applied(work)
    serial = work.state()["serial"]

    code, moved = state_cmd(work, "mv", "orders", "destination.orders-eu")

    assert code == 0, moved
    assert moved.splitlines()[:2] == [
        'Move "destination.orders" to "destination.orders-eu"',
        "Successfully moved 1 destination.",
    ]
    assert work.state()["serial"] == serial + 1
    assert work.state()["resources"]["orders-eu"]["id"] == ids["orders"]
    record = work.audit()[-1]
    assert (record["action"], record["key"], record["before"], record["after"]) == (
        "move",
        "orders-eu",
        {"key": "orders"},
        {"key": "orders-eu"},
    )
    work.write(
        config(
            destination("orders-eu", "orders-prod", name="Orders"), destination("billing", "bill")
        )
    )
    assert "No changes." in work.iac("plan", str(work.config)).output

    for args, message in [
        (("mv", "orders-eu", "billing"), "state already holds destination.billing"),
        (("mv", "nope", "x"), "destination.nope: no such destination"),
        (("mv", "orders-eu", "not a key"), "'not a key' is not a destination key"),
        (("rm", "billing", "ordrs-eu"), "(did you mean destination.orders-eu?)"),
    ]:
        code, refused = state_cmd(work, *args)
        assert code == 1 and message in refused, refused
    assert work.state()["serial"] == serial + 1  # nothing half-written


def test_an_edit_waits_for_the_lock_and_never_writes_without_it(
    work: Workdir, sandbox: Sandbox
) -> None:
    applied(work)
    serial = work.state()["serial"]
    with StateLock(work.state_dir / "default.lock", "apply"):
        code, refused = state_cmd(work, "rm", "orders")
    assert code == 1
    assert f"State {work.state_dir}/default.json is locked" in refused, refused
    assert work.state()["serial"] == serial


def test_no_state_is_said_plainly(work: Workdir, tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    listed = work.iac("state", "list", "--state-dir", str(empty))
    assert listed.exit_code == 0 and f"No state at {empty}/default.json." in listed.output
    removed = work.iac("state", "rm", "orders", "--state-dir", str(empty))
    assert removed.exit_code == 1
    assert f"No state at {empty}/default.json: nothing to change" in removed.output
    assert not empty.exists()  # a mistyped folder is not created


def test_surgery_on_a_postgresql_backend(work: Workdir, sandbox: Sandbox, pg: Database) -> None:
    backend = ("--backend", pg.url())
    ids = applied(work, *backend)
    shown = f"workspace default in postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name}"

    code, listed = state_cmd(work, "list", *backend)
    assert (code, listed) == (0, "destination.billing\ndestination.orders\n")
    [(serial,)] = pg.rows("SELECT serial FROM iac.states WHERE workspace = 'default'")

    code, moved = state_cmd(work, "mv", "orders", "orders-eu", *backend)
    assert code == 0, moved
    assert f"State {shown}: serial {serial} -> {serial + 1}" in moved
    code, removed = state_cmd(work, "rm", "billing", *backend)
    assert code == 0, removed

    assert IAC_PASSWORD not in moved + removed
    [(serial_now, document)] = pg.rows(
        "SELECT serial, document FROM iac.states WHERE workspace = 'default'"
    )
    assert serial_now == serial + 2
    assert {k: v["id"] for k, v in json.loads(document)["resources"].items()} == {
        "orders-eu": ids["orders"]
    }
    actions = pg.rows(
        "SELECT line::json->>'action', line::json->>'key' FROM iac.audit_records "
        "WHERE workspace = 'default' ORDER BY seq"
    )
    assert actions[-2:] == [("move", "orders-eu"), ("forget", "billing")]
    verified = work.iac("audit", "verify", "--backend", pg.url())
    assert verified.exit_code == 0, verified.output
    code, shown_entry = state_cmd(work, "show", "orders-eu", *backend)
    assert code == 0 and ids["orders"] in shown_entry
    assert set(sandbox.by_suffix()) == {"orders-prod", "bill"}
