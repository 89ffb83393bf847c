"""``iac workspace list/show/new/select/delete`` as a Terraform user reaches for them: the
selection is remembered per state folder, and --workspace, then IAC_WORKSPACE, win over it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result
from iac_testing.cli_world import Sandbox, Workdir, config, destination
from iac_testing.postgres import IAC_PASSWORD, Database
from iac_testing.served_sandbox import REPO_ROOT, clean_env

from iac.cli import cli


def ws(work: Workdir, *args: str, env: dict[str, str] | None = None) -> Result:
    """``iac workspace ...`` in ``work``'s state folder."""
    command = ["workspace", *args, "--state-dir", str(work.state_dir)]
    return CliRunner().invoke(cli, command, env={**work.env, **(env or {})})


def test_new_select_show_and_the_order_of_precedence(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert ws(work, "show").output == "default\n"

    created = ws(work, "new", "staging")
    assert created.exit_code == 0, created.output
    assert 'Created and switched to workspace "staging".' in created.output
    assert (work.state_dir / ".iac-workspace").read_text() == "staging\n"
    assert ws(work, "show").output == "staging\n"

    # Runs use the selected workspace: its own state file and audit trail.
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "workspace staging" in applied.output
    assert (work.state_dir / "staging.json").exists()
    assert not (work.state_dir / "default.json").exists()
    assert work.iac("audit", "verify", "--state-dir", str(work.state_dir)).output.startswith(
        f"Audit trail {work.state_dir}/staging.audit.jsonl is intact"
    )

    # IAC_WORKSPACE wins over the selection, --workspace over both.
    forced = {"IAC_WORKSPACE": "default"}
    assert ws(work, "show", env=forced).output == "default\n"
    env_run = Workdir(work.root, {**work.env, **forced}).iac("plan", str(work.config))
    # (default's state is empty: it plans to create orders, which staging's integration holds)
    assert "workspace default" in env_run.output and "destination.orders" in env_run.output
    flag_run = Workdir(work.root, {**work.env, **forced}).iac(
        "plan", str(work.config), "--workspace", "staging"
    )
    assert "workspace staging" in flag_run.output and "No changes." in flag_run.output

    listed = ws(work, "list")
    assert "* staging" in listed.output, listed.output

    selected = ws(work, "select", "default", env={"IAC_WORKSPACE": "staging"})
    assert selected.exit_code == 0
    assert 'Switched to workspace "default".' in selected.output
    assert "IAC_WORKSPACE=staging is set, and wins over the selected workspace" in selected.output
    assert ws(work, "show").output == "default\n"


def test_select_refuses_an_unknown_workspace_unless_asked_to_create_it(work: Workdir) -> None:
    refused = ws(work, "select", "prod")
    assert refused.exit_code == 1
    assert "Workspace 'prod' does not exist in" in refused.output
    assert "iac workspace new prod" in refused.output
    assert not (work.state_dir / ".iac-workspace").exists()

    made = ws(work, "select", "--or-create", "prod")
    assert made.exit_code == 0, made.output
    assert 'Created and switched to workspace "prod".' in made.output
    again = ws(work, "new", "prod")
    assert again.exit_code == 1
    assert "Workspace 'prod' already exists" in again.output

    bad = ws(work, "new", "no/slash")
    assert bad.exit_code == 1
    assert "Invalid workspace name 'no/slash'" in bad.output
    (work.state_dir / ".iac-workspace").write_text("not a name!\n")
    broken = ws(work, "show")
    assert broken.exit_code == 1
    assert ".iac-workspace names no valid workspace" in broken.output
    assert "Traceback" not in broken.output


def test_delete_refuses_current_default_and_managed_states_unless_forced(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert ws(work, "new", "old").exit_code == 0
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0

    current = ws(work, "delete", "old")
    assert current.exit_code == 1
    assert "'old' is the current workspace" in current.output
    assert ws(work, "delete", "default").exit_code == 1
    assert ws(work, "delete", "never-made").exit_code == 1

    assert ws(work, "select", "default").exit_code == 0
    managed = ws(work, "delete", "old")
    assert managed.exit_code == 1
    assert "still manages 1 destination(s) (orders)" in managed.output
    assert "Nothing was deleted." in managed.output
    assert (work.state_dir / "old.json").exists()

    forced = ws(work, "delete", "old", "--force")
    assert forced.exit_code == 0, forced.output
    assert 'Deleted workspace "old".' in forced.output
    assert "stay in Genesys, no longer managed: orders." in forced.output
    assert not (work.state_dir / "old.json").exists()
    [kept] = work.state_dir.glob("old.audit.jsonl.deleted-*")
    assert f"Its audit trail (1 records) is kept as {kept}." in forced.output
    assert "old" not in ws(work, "list").output
    # The integration it managed is now just an integration nothing manages.
    drift = work.iac("drift", str(work.config), "--detailed-exitcode")
    assert drift.exit_code == 2
    assert "1 not managed" in drift.output


def test_an_empty_workspace_is_deleted_and_forgets_its_selection(work: Workdir) -> None:
    assert ws(work, "new", "scratch").exit_code == 0
    assert ws(work, "select", "default").exit_code == 0
    deleted = ws(work, "delete", "scratch")
    assert deleted.exit_code == 0, deleted.output
    assert not list(work.state_dir.glob("scratch*"))


def test_with_a_backend_the_selection_is_remembered_in_the_state_folder(
    pg: Database, work: Workdir, sandbox: Sandbox
) -> None:
    env = {"IAC_BACKEND": pg.url(password=False), "PGPASSWORD": IAC_PASSWORD}
    user = Workdir(work.root, {**work.env, **env})
    user.write(config(destination("orders", "orders-prod")))

    created = ws(user, "new", "prod")
    assert created.exit_code == 0, created.output
    assert pg.rows("SELECT name FROM iac.workspaces") == [("prod",)]
    assert (user.state_dir / ".iac-workspace").read_text() == "prod\n"
    applied = user.iac("apply", str(user.config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert pg.rows("SELECT workspace FROM iac.states") == [("prod",)]
    assert "* prod" in ws(user, "list").output

    assert ws(user, "select", "default").exit_code == 0
    refused = ws(user, "delete", "prod")
    assert refused.exit_code == 1 and "still manages 1 destination(s)" in refused.output
    deleted = ws(user, "delete", "prod", "--force")
    assert deleted.exit_code == 0, deleted.output
    assert pg.rows("SELECT count(*) FROM iac.states") == [(0,)]
    # Audit records are append-only: the workspace stays, with its trail and no state.
    assert "where audit records are append-only" in deleted.output
    assert pg.rows("SELECT name FROM iac.workspaces") == [("prod",)]


def test_workspace_commands_never_load_the_genesys_sdk(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from iac.cli import cli\n"
        "for args in (['new', 'a'], ['select', 'default'], ['show'], ['list'],"
        " ['delete', 'a']):\n"
        "    try:\n"
        "        cli(['workspace', *args], prog_name='iac')\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, (args, exit.code)\n"
        "assert 'PureCloudPlatformClientV2' not in sys.modules, 'SDK imported'\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=tmp_path,
        env=clean_env(PYTHONPATH=str(REPO_ROOT)),
        timeout=120,
    )
