"""PR review -> CD: apply exactly the reviewed plan, and refuse it once the world moved on."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from iac_testing.cli_world import CLIENT_SECRET, Sandbox, Workdir, config, destination


def save(work: Workdir, name: str = "plan.iac") -> str:
    path = work.root / name
    result = work.iac("plan", str(work.config), "--out", str(path))
    assert result.exit_code == 0, result.output
    return str(path)


def test_apply_of_a_saved_plan_makes_exactly_the_reviewed_changes(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    plan_file = save(work)
    applied = work.iac("apply", plan_file)
    assert applied.exit_code == 0, applied.output
    reviewed = json.loads(Path(plan_file).read_text())["basis"]["config_hash"]
    assert f"from configuration {reviewed[:12]} in {work.config}" in applied.output
    assert "Apply complete! Resources: 1 added" in applied.output
    assert set(sandbox.by_suffix()) == {"orders-prod"}
    assert set(work.state()["resources"]) == {"orders"}


def test_a_saved_plan_is_refused_once_its_configuration_moved_on(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    plan_file = save(work)
    work.write(config(destination("orders", "orders-prod"), destination("extra", "extra-prod")))

    applied = work.iac("apply", plan_file)

    assert applied.exit_code == 3  # stale: nothing changed, plan again
    assert "The saved plan is stale and was not applied" in applied.output
    assert f"the configuration in {work.config} is not the one it was reviewed from" in (
        applied.output
    )
    assert sandbox.integrations() == []
    assert not (work.state_dir / "default.json").exists()


def test_a_reviewed_no_op_plan_filled_with_a_delete_plan_is_refused(
    work: Workdir, sandbox: Sandbox
) -> None:
    """The attack of issue 8: the reviewed file keeps its configuration hash, but carries the
    configuration and changes of another plan that deletes a destination."""
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    reviewed = Path(save(work, "reviewed.iac"))  # no changes
    work.write(config(destination("orders", "orders-prod")))
    deleting = json.loads(Path(save(work, "deleting.iac")).read_text())
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    forged = json.loads(reviewed.read_text())
    for key in ("desired", "plan", "protected"):
        forged[key] = deleting[key]
    reviewed.write_text(json.dumps(forged))

    applied = work.iac("apply", str(reviewed))

    assert applied.exit_code == 1
    assert "the file was edited or damaged" in applied.output
    assert "Applying the plan" not in applied.output
    assert set(sandbox.by_suffix()) == {"orders-prod", "audit-prod"}


def test_a_saved_plan_finds_its_folder_from_where_plan_ran_or_from_config_dir(
    work: Workdir, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    monkeypatch.chdir(work.root)
    plan_file = work.root / "plan.iac"
    assert work.iac("plan", "config", "--out", str(plan_file)).exit_code == 0
    assert json.loads(plan_file.read_text())["config_dir"] == "config"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    lost = work.iac("apply", str(plan_file))
    assert lost.exit_code == 1
    assert "was made from the configuration folder config, which is not here" in lost.output

    applied = work.iac("apply", str(plan_file), "--config-dir", str(work.config))
    assert applied.exit_code == 0, applied.output
    assert set(sandbox.by_suffix()) == {"orders-prod"}


def test_saved_plan_is_refused_after_a_live_change(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(destination("orders", "orders-prod", name="Reviewed name")))
    plan_file = save(work)
    integration_id = sandbox.by_suffix()["orders-prod"]["id"]
    sandbox.edit(integration_id, name="Changed in the UI meanwhile")

    applied = work.iac("apply", plan_file)
    assert applied.exit_code == 3
    assert "The saved plan is stale and was not applied" in applied.output
    assert f"integration {integration_id} was changed in Genesys since" in applied.output
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Changed in the UI meanwhile"


def test_saved_plan_is_refused_after_another_apply(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(destination("orders", "orders-prod", name="Second")))
    plan_file = save(work)
    work.write(config(destination("orders", "orders-prod", name="Third")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(destination("orders", "orders-prod", name="Second")))  # as reviewed

    applied = work.iac("apply", plan_file)
    assert applied.exit_code == 3
    assert "the state changed since" in applied.output
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Third"


def test_a_saved_plan_made_before_any_state_is_refused_once_one_exists(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    first, second = save(work, "first.iac"), save(work, "second.iac")
    assert work.iac("apply", first).exit_code == 0
    applied = work.iac("apply", second)
    assert applied.exit_code == 3
    assert "a state was written since" in applied.output
    assert len(sandbox.integrations()) == 1


def test_plan_files_hold_no_secrets_and_name_their_basis(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    plan_file = save(work)
    text = Path(plan_file).read_text()
    assert CLIENT_SECRET not in text
    assert "access_token" not in text.lower()
    saved = json.loads(text)
    assert saved["basis"]["workspace"] == "default"
    assert len(saved["basis"]["config_hash"]) == 64
    assert saved["plan"]["summary"]["add"] == 1


def test_a_saved_plan_applies_to_its_own_workspace(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    path = work.root / "prod.iac"
    planned = work.iac("plan", str(work.config), "--workspace", "prod", "--out", str(path))
    assert planned.exit_code == 0, planned.output
    applied = work.iac("apply", str(path))
    assert applied.exit_code == 0, applied.output
    assert (work.state_dir / "prod.json").exists()
    assert not (work.state_dir / "default.json").exists()


def test_saved_plan_for_another_workspace_is_refused(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    plan_file = save(work)
    applied = work.iac("apply", plan_file, "--workspace", "prod")
    assert applied.exit_code == 1
    assert "The saved plan is for workspace 'default'" in applied.output


def test_a_file_that_is_not_a_plan_is_refused_clearly(work: Workdir, sandbox: Sandbox) -> None:
    bogus = work.root / "notes.txt"
    bogus.write_text("hello")
    applied = work.iac("apply", str(bogus))
    assert applied.exit_code == 1
    assert "is not a saved plan" in applied.output


def test_gates_run_again_when_a_saved_plan_is_applied(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    plan_file = save(work)
    httpx.put(
        f"{sandbox.url}/__sandbox/grants", json={"permissions": ["integrations:integration:view"]}
    ).raise_for_status()
    applied = work.iac("apply", plan_file)
    assert applied.exit_code == 1
    assert "lacks integrations:integration:add" in applied.output
    assert sandbox.integrations() == []


def test_an_edited_plan_file_is_refused_even_when_fresh(work: Workdir, sandbox: Sandbox) -> None:
    protected = destination("audit", "audit-prod") + "    prevent_destroy: true\n"
    work.write(config(destination("orders", "orders-prod"), protected))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    work.write(config(destination("orders", "orders-prod", name="Renamed"), protected))
    plan_file = save(work)
    saved = json.loads(Path(plan_file).read_text())
    for change in saved["plan"]["changes"]:
        if change["key"] == "audit":  # forge a delete of the protected destination
            change["action"], change["after"] = "delete", None
    Path(plan_file).write_text(json.dumps(saved))
    applied = work.iac("apply", plan_file)
    assert applied.exit_code == 1
    assert "the file was edited or damaged" in applied.output
    assert "Traceback" not in applied.output
    assert set(sandbox.by_suffix()) == {"orders-prod", "audit-prod"}


def test_applying_a_saved_plan_reads_the_org_s_integrations_once(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("audit", "audit-prod")))
    plan_file = save(work)
    httpx.delete(f"{sandbox.url}/__sandbox/requests").raise_for_status()

    applied = work.iac("apply", plan_file)

    assert applied.exit_code == 0, applied.output
    listings = [
        r
        for r in sandbox.requests()
        if (r["method"], r["path"]) == ("GET", "/api/v2/integrations")
    ]
    assert len(listings) == 1, listings  # the staleness check's reading serves the apply too
