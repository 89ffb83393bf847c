"""The plans a Terraform user asks for, through the CLI: a rename reviewed as "has moved"
(``moved:``), ``--target``, ``--replace``, ``plan --refresh-only``, and ``plan --destroy``
saved, shown with ``iac show`` and applied; a saved plan still refused when edited."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from iac_testing.cli_world import Sandbox, Workdir, config, destination
from iac_testing.postgres import Database

WRITES = ("POST", "PUT", "PATCH", "DELETE")
MOVED = "moved:\n  - from: orders\n    to: orders-eu\n"


def ok(result: Result, *codes: int) -> str:
    assert "Traceback" not in result.output
    assert result.exit_code in (codes or (0,)), result.output
    return result.output


def writes(sandbox: Sandbox) -> list[dict[str, object]]:
    """Requests that change integrations (a token is no change)."""
    return [
        r
        for r in sandbox.requests()
        if r["method"] in WRITES and str(r["path"]).startswith("/api/v2/integrations")
    ]


def two_applied(work: Workdir) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("billing", "bill")))
    ok(work.iac("apply", str(work.config), "--auto-approve"))


def test_a_key_renamed_with_moved_plans_has_moved_and_applies_in_state_only(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    integration = work.state()["resources"]["orders"]["id"]
    renamed = destination("orders-eu", "orders-prod", name="Orders")
    work.write(config(renamed, destination("billing", "bill")) + MOVED)
    before = writes(sandbox)

    planned = ok(work.iac("plan", str(work.config), "--detailed-exitcode"), 2)

    assert "  # destination.orders has moved to destination.orders-eu" in planned
    assert 'destination "orders-eu" {' in planned and "destroyed" not in planned
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in planned
    document = json.loads(ok(work.iac("plan", str(work.config), "--format", "json")))
    [moved] = [c for c in document["changes"] if c["previous_key"]]
    assert (moved["key"], moved["previous_key"], moved["action"]) == (
        "orders-eu",
        "orders",
        "no-op",
    )
    assert document["summary"]["moved"] == 1 and document["summary"]["has_changes"]
    markdown = ok(work.iac("plan", str(work.config), "--format", "markdown"))
    assert "| `orders-eu` | `moved` | — | moved from `destination.orders` |" in markdown

    applied = ok(work.iac("apply", str(work.config), "--auto-approve"))

    assert "destination.orders: Moved to destination.orders-eu in state" in applied
    assert "Apply complete! Resources: 0 added, 0 changed, 0 destroyed." in applied
    assert work.state()["resources"]["orders-eu"]["id"] == integration
    assert "orders" not in work.state()["resources"]
    assert writes(sandbox) == before  # not one write to Genesys
    record = work.audit()[-1]
    assert (record["action"], record["key"], record["genesys_id"]) == (
        "move",
        "orders-eu",
        integration,
    )
    # The entry may stay: state no longer knows "orders", so it is nothing to do.
    assert "No changes." in ok(work.iac("plan", str(work.config), "--detailed-exitcode"))


def test_a_move_with_an_edit_updates_the_integration_under_its_new_key(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    integration = work.state()["resources"]["orders"]["id"]
    work.write(
        config(
            destination("orders-eu", "orders-prod", name="Orders EU"),
            destination("billing", "bill"),
        )
        + MOVED
    )
    planned = ok(work.iac("plan", str(work.config)))
    assert (
        "  # destination.orders-eu will be updated in-place\n  # (moved from destination.orders)"
        in planned
    )
    ok(work.iac("apply", str(work.config), "--auto-approve"))
    assert work.state()["resources"]["orders-eu"] == {
        **work.state()["resources"]["orders-eu"],
        "id": integration,
    }
    assert sandbox.by_suffix()["orders-prod"]["id"] == integration
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Orders EU"
    assert [r["action"] for r in work.audit()[-2:]] == ["move", "update"]


def test_a_bad_moved_entry_is_one_message_naming_file_line_and_field(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(
        config(destination("orders-eu", "orders-prod"))
        + "moved:\n  - from: orders\n    to: order-eu\n"
    )
    result = work.iac("validate", str(work.config))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {work.config}/destinations.yaml:12: moved[0].to: destination 'order-eu' is not "
        "declared under destinations (did you mean 'orders-eu'?); a move must end at a "
        "declared destination\n"
    )


def test_target_limits_plan_and_apply_and_warns_that_they_are_partial(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    work.write(
        config(
            destination("orders", "orders-prod", name="Orders v2"),
            destination("billing", "bill", name="Billing v2"),
        )
    )

    planned = ok(work.iac("plan", str(work.config), "--target", "orders"))

    assert "destination.orders will be updated in-place" in planned
    assert "destination.billing" not in planned.split("iac will perform")[1]
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in planned
    assert "Warning: Resource targeting is in effect" in planned
    assert "the plan may be incomplete" in planned
    markdown = ok(work.iac("plan", str(work.config), "--target", "orders", "--format", "markdown"))
    assert "> **Warning: Resource targeting is in effect.**" in markdown

    applied = ok(
        work.iac("apply", str(work.config), "--target", "destination.orders", "--auto-approve")
    )

    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in applied
    assert "Warning: Applied changes may be incomplete" in applied
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Orders v2"
    assert sandbox.by_suffix()["bill"]["name"] == "Billing"  # left out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in ok(work.iac("plan", str(work.config)))


def test_an_unknown_target_is_an_error_with_did_you_mean(work: Workdir, sandbox: Sandbox) -> None:
    two_applied(work)
    before = len(sandbox.requests())
    result = work.iac("plan", str(work.config), "--target", "ordres")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: --target destination.ordres: no such destination in the configuration or the "
        "state (did you mean destination.orders?)."
    ), result.output
    assert len(sandbox.requests()) == before  # refused before Genesys was asked anything


def test_a_target_takes_the_delete_that_frees_its_identity_along(
    work: Workdir, sandbox: Sandbox
) -> None:
    """billing now uses the suffix orders had: its create must wait for that delete."""
    two_applied(work)
    work.write(config(destination("billing", "bill"), destination("audits", "orders-prod")))
    planned = ok(work.iac("plan", str(work.config), "--target", "audits"))
    assert "destination.orders will be destroyed" in planned
    assert "included although not targeted: destination.audits waits for it" in planned
    ok(work.iac("apply", str(work.config), "--target", "audits", "--auto-approve"))
    assert set(work.state()["resources"]) == {"billing", "audits"}


def test_replace_forces_a_new_integration_for_an_unchanged_destination(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    old = work.state()["resources"]["orders"]["id"]

    planned = ok(work.iac("plan", str(work.config), "--replace", "orders"))

    assert "destination.orders must be replaced" in planned
    assert "replaced as requested with --replace" in planned
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in planned
    ok(work.iac("apply", str(work.config), "--replace", "orders", "--auto-approve"))
    new = work.state()["resources"]["orders"]["id"]
    assert new != old
    assert sandbox.by_suffix()["orders-prod"]["id"] == new
    assert old not in {i["id"] for i in sandbox.integrations()}
    assert "No changes." in ok(work.iac("plan", str(work.config)))


def test_plan_refresh_only_shows_what_state_would_take_and_changes_nothing(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    integration = work.state()["resources"]["orders"]["id"]
    serial = work.state()["serial"]
    sandbox.edit(integration, name="Renamed in the UI")
    before = writes(sandbox)

    planned = ok(work.iac("plan", str(work.config), "--refresh-only", "--detailed-exitcode"), 2)

    assert f"# destination.orders (id {integration}) has changed" in planned
    assert '~ name = "Orders" -> "Renamed in the UI"' in planned
    assert "This is a refresh-only plan, so iac will not take any actions to undo these" in planned
    assert "iac apply --refresh-only" in planned
    assert "will be updated in-place" not in planned
    assert (work.state()["serial"], writes(sandbox)) == (serial, before)
    document = json.loads(
        ok(work.iac("plan", str(work.config), "--refresh-only", "--format", "json"))
    )
    assert (document["mode"], document["changes"], len(document["drift"])) == (
        "refresh-only",
        [],
        1,
    )
    saving = work.iac("plan", str(work.config), "--refresh-only", "--out", str(work.root / "r.iac"))
    assert saving.exit_code == 1 and "A refresh-only plan cannot be saved" in saving.output

    ok(work.iac("apply", str(work.config), "--refresh-only", "--auto-approve"))
    quiet = ok(work.iac("plan", str(work.config), "--refresh-only", "--detailed-exitcode"))
    assert "the refresh found no differences" in quiet


def test_a_saved_destroy_plan_is_shown_offline_then_applied(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    plan_file = work.root / "destroy.iac"
    planned = ok(
        work.iac(
            "plan", str(work.config), "--destroy", "--out", str(plan_file), "--detailed-exitcode"
        ),
        2,
    )
    assert "Plan: 0 to add, 0 to change, 2 to destroy." in planned
    before = len(sandbox.requests())

    shown = ok(work.iac("show", str(plan_file)))
    shown_json = work.iac("show", str(plan_file), "--format", "json")
    as_json = json.loads(shown_json.stdout)  # the note about the file goes to stderr
    markdown = ok(work.iac("show", str(plan_file), "--format", "markdown"))

    assert len(sandbox.requests()) == before  # nothing asked of Genesys
    assert "destination.orders will be destroyed" in shown
    assert "Plan: 0 to add, 0 to change, 2 to destroy." in shown
    assert f"{plan_file}: the destroy plan saved at" in shown  # stderr, mixed in by the runner
    assert as_json["mode"] == "destroy" and as_json["summary"]["destroy"] == 2
    assert "> **Destroy plan:** applying it deletes the destinations below." in markdown

    applied = ok(work.iac("apply", str(plan_file)))

    assert "Applying the destroy plan saved at" in applied
    assert "2 destroyed" in applied
    assert sandbox.integrations() == []
    assert work.state()["resources"] == {}


def test_a_saved_plan_records_its_request_and_an_edited_one_is_refused(
    work: Workdir, sandbox: Sandbox
) -> None:
    two_applied(work)
    work.write(
        config(
            destination("orders", "orders-prod", name="Orders v2"), destination("billing", "bill")
        )
    )
    targeted = work.root / "targeted.iac"
    ok(work.iac("plan", str(work.config), "--target", "orders", "--out", str(targeted)))
    saved = json.loads(targeted.read_text())
    assert (saved["plan"]["targets"], saved["plan"]["mode"]) == (["orders"], "normal")

    def forged(**plan_fields: object) -> Path:
        path = work.root / "forged.iac"
        path.write_text(json.dumps({**saved, "plan": {**saved["plan"], **plan_fields}}))
        return path

    for edit in (
        {"mode": "destroy"},  # the reviewed update, applied as a destroy plan
        {"targets": ["billing"]},
        {"targets": []},
        {"replace_requested": ["orders"]},
    ):
        refused = work.iac("apply", str(forged(**edit)))
        assert refused.exit_code == 1, (edit, refused.output)
        assert "the file was edited or damaged" in refused.output, (edit, refused.output)
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Orders"
    extra = work.iac("apply", str(targeted), "--target", "billing")
    assert extra.exit_code == 1 and "--target and --replace go with iac plan" in extra.output

    applied = ok(work.iac("apply", str(targeted)))
    assert "Applying the plan limited to destination.orders (--target) saved at" in applied
    assert "Warning: Applied changes may be incomplete" in applied
    assert sandbox.by_suffix()["orders-prod"]["name"] == "Orders v2"


def test_show_refuses_what_is_not_a_saved_plan(work: Workdir, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = work.iac("show", str(other))
    assert result.exit_code == 1
    assert result.output == f"Error: {other} is not a saved plan (not JSON).\n"


def test_a_rename_reviewed_as_a_saved_plan_is_applied_as_reviewed(
    work: Workdir, sandbox: Sandbox
) -> None:
    """The pull-request flow: plan --out on the PR, iac show in review, apply FILE on merge."""
    two_applied(work)
    integration = work.state()["resources"]["orders"]["id"]
    work.write(
        config(
            destination("orders-eu", "orders-prod", name="Orders"), destination("billing", "bill")
        )
        + MOVED
    )
    plan_file = work.root / "rename.iac"
    ok(work.iac("plan", str(work.config), "--out", str(plan_file), "--detailed-exitcode"), 2)
    assert json.loads(plan_file.read_text())["moved"] == [["orders", "orders-eu"]]
    shown = ok(work.iac("show", str(plan_file)))
    assert "# destination.orders has moved to destination.orders-eu" in shown
    before = writes(sandbox)

    applied = ok(work.iac("apply", str(plan_file)))

    assert "destination.orders: Moved to destination.orders-eu in state" in applied
    assert work.state()["resources"]["orders-eu"]["id"] == integration
    assert writes(sandbox) == before
    again = work.iac("apply", str(plan_file))  # the state moved on: the plan is stale now
    assert again.exit_code != 0 and "stale" in again.output


def test_destroy_takes_targets_too(work: Workdir, sandbox: Sandbox) -> None:
    two_applied(work)
    destroyed = ok(work.iac("destroy", str(work.config), "--target", "billing", "--auto-approve"))
    assert "destination.billing will be destroyed" in destroyed
    assert "Warning: Resource targeting is in effect" in destroyed
    assert set(sandbox.by_suffix()) == {"orders-prod"}
    assert set(work.state()["resources"]) == {"orders"}


def test_a_moved_entry_applies_on_a_postgresql_backend(
    work: Workdir, sandbox: Sandbox, pg: Database
) -> None:
    backend = ("--backend", pg.url())
    work.write(config(destination("orders", "orders-prod", name="Orders")))
    ok(work.iac("apply", str(work.config), "--auto-approve", *backend))
    work.write(config(destination("orders-eu", "orders-prod", name="Orders")) + MOVED)

    applied = ok(work.iac("apply", str(work.config), "--auto-approve", *backend))

    assert "destination.orders: Moved to destination.orders-eu in state" in applied
    [(document,)] = pg.rows("SELECT document FROM iac.states WHERE workspace = 'default'")
    assert set(json.loads(document)["resources"]) == {"orders-eu"}
    [(action,)] = pg.rows(
        "SELECT line::json->>'action' FROM iac.audit_records WHERE workspace = 'default' "
        "ORDER BY seq DESC LIMIT 1"
    )
    assert action == "move"
    assert "No changes." in ok(work.iac("plan", str(work.config), *backend))
