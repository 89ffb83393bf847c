"""Scheduled drift runs, accepting drift into state, and adopting integrations iac did not make."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import httpx
import jsonschema
from iac_testing.cli_world import (
    Sandbox,
    Workdir,
    config,
    destination,
    replace_keeping_the_old,
)
from iac_testing.org_edits import make_unmanaged

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())


def delete_directly(sandbox: Sandbox, integration_id: str) -> None:
    httpx.delete(
        f"{sandbox.url}/api/v2/integrations/{integration_id}",
        headers={"Authorization": f"Bearer {sandbox._token()}"},
    ).raise_for_status()


def test_drift_reports_changed_deleted_and_unmanaged_with_exit_2(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    live = sandbox.by_suffix()
    sandbox.edit(live["orders-prod"]["id"], name="Renamed in the UI")
    delete_directly(sandbox, live["audit-prod"]["id"])
    stray = make_unmanaged(sandbox, "stray")

    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert '~ name = "Orders" -> "Renamed in the UI"' in drift.output
    assert f"destination.audit (id {live['audit-prod']['id']}) has been deleted" in drift.output
    assert f'# {stray} "Made in the UI"' in drift.output
    assert "Drift: 1 changed, 1 deleted outside iac, 1 not managed." in drift.output

    as_json = work.iac("drift", str(work.config), "--format", "json")
    document = json.loads(as_json.output)
    jsonschema.validate(document, SCHEMA)
    assert {d["key"] for d in document["drift"]} == {"orders", "audit"}
    assert [u["id"] for u in document["unmanaged"]] == [stray]

    as_markdown = work.iac("drift", str(work.config), "--format", "markdown")
    assert as_markdown.exit_code == 0
    assert "Renamed in the UI" in as_markdown.output


def test_no_drift_exits_0(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 0
    assert "No drift." in drift.output


def test_refresh_only_accepts_live_values_without_changing_genesys(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    sandbox.edit(integration_id, name="Renamed in the UI")
    before = sandbox.requests()

    refreshed = work.iac("apply", str(work.config), "--refresh-only", "--auto-approve")
    assert refreshed.exit_code == 0, refreshed.output
    assert work.state()["resources"]["orders"]["attributes"]["name"] == "Renamed in the UI"
    writes = [
        r for r in sandbox.requests()[len(before) :] if r["method"] in ("PUT", "PATCH", "DELETE")
    ]
    assert writes == []
    assert work.iac("drift", str(work.config), "--detailed-exitcode").exit_code == 0
    assert [r["action"] for r in work.audit()][-1] == "refresh"


def test_import_then_plan_shows_no_changes(work: Workdir, sandbox: Sandbox) -> None:
    existing = make_unmanaged(sandbox, "legacy", name="Legacy")
    work.write(config(destination("legacy", "legacy", name="Legacy")))
    planned = work.iac("plan", str(work.config))
    assert f"run: iac import legacy {existing}" in planned.output  # the plan suggests it

    imported = work.iac("import", "legacy", existing, "--config-dir", str(work.config))
    assert imported.exit_code == 0, imported.output
    assert work.state()["resources"]["legacy"]["id"] == existing
    assert "No changes." in work.iac("plan", str(work.config)).output
    assert len(sandbox.integrations()) == 1


def test_import_refuses_unknown_keys_and_ids(work: Workdir, sandbox: Sandbox) -> None:
    existing = make_unmanaged(sandbox, "legacy")
    work.write(config(destination("orders", "orders-prod")))
    no_key = work.iac("import", "legacy", existing, "--config-dir", str(work.config))
    assert no_key.exit_code == 1
    assert "'legacy' is not in the configuration" in no_key.output
    no_id = work.iac("import", "orders", "no-such-id", "--config-dir", str(work.config))
    assert no_id.exit_code == 1
    assert "no Amazon EventBridge Source integration no-such-id" in no_id.output


def export_and_import(work: Workdir) -> list[list[str]]:
    out = work.root / "exported"
    exported = work.iac("export", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    (work.config).mkdir(exist_ok=True)
    (work.config / "exported.yaml").write_text((out / "exported.yaml").read_text())
    commands = [
        shlex.split(line)[1:]
        for line in exported.stderr.splitlines()
        if line.strip().startswith("iac import")
    ]
    for command in commands:  # as printed: they name --config-dir and --state-dir themselves
        assert command[1:5] == ["--config-dir", str(out), "--state-dir", str(work.state_dir)]
        result = work.iac(*command)
        assert result.exit_code == 0, result.output
    return commands


def test_export_then_import_round_trips(work: Workdir, sandbox: Sandbox) -> None:
    ids = [make_unmanaged(sandbox, s, name=f"Team {s}") for s in ("alpha.one", "beta_two")]
    commands = export_and_import(work)
    assert sorted(c[-1] for c in commands) == sorted(ids)
    planned = work.iac("plan", str(work.config))
    assert "No changes." in planned.output, planned.output
    assert set(work.state()["resources"]) == {"alpha-one", "beta_two"}


def test_export_of_selected_ids_prints_yaml(work: Workdir, sandbox: Sandbox) -> None:
    first = make_unmanaged(sandbox, "first")
    make_unmanaged(sandbox, "second")
    exported = work.iac("export", "--id", first)
    assert exported.exit_code == 0
    assert "first:" in exported.stdout and "second" not in exported.stdout


def test_integrations_of_other_types_are_never_managed(work: Workdir, sandbox: Sandbox) -> None:
    other = httpx.post(
        f"{sandbox.url}/__sandbox/integrations", json={"typeId": "purecloud-data-actions"}
    ).json()["id"]
    work.write(config(destination("orders", "orders-prod")))
    imported = work.iac("import", "orders", other, "--config-dir", str(work.config))
    assert imported.exit_code == 1
    assert f"no Amazon EventBridge Source integration {other}" in imported.output
    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 0, drift.output  # not "unmanaged": not ours to manage
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    assert work.iac("destroy", str(work.config), "--auto-approve").exit_code == 0
    assert httpx.get(f"{sandbox.url}/__sandbox/org").json()["integrations"][0]["id"] == other


def test_apply_takes_matching_live_values_into_state_so_drift_settles(
    work: Workdir, sandbox: Sandbox
) -> None:
    """Someone made the very change the YAML now asks for: nothing to do, and no drift after."""
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    sandbox.edit(sandbox.by_suffix()["orders-prod"]["id"], name="New name")
    work.write(config(destination("orders", "orders-prod", name="New name")))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0
    assert "No changes." in applied.output
    assert work.state()["resources"]["orders"]["attributes"]["name"] == "New name"
    assert work.iac("drift", str(work.config), "--detailed-exitcode").exit_code == 0
    assert work.audit()[-1]["action"] == "refresh"


def test_refresh_only_keeps_leftovers_a_failed_replace_must_delete(
    work: Workdir, sandbox: Sandbox
) -> None:
    old_id, replaced = replace_keeping_the_old(work, sandbox)
    assert replaced.exit_code == 1
    assert work.state()["resources"]["orders"]["deposed"] == [old_id]
    delete_directly(sandbox, sandbox.by_suffix()["orders-v2"]["id"])

    refreshed = work.iac("apply", str(work.config), "--refresh-only", "--auto-approve")
    assert refreshed.exit_code == 0, refreshed.output
    assert "kept in state" in refreshed.output
    assert work.state()["resources"]["orders"]["deposed"] == [old_id]
