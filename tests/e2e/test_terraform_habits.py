"""Small things a Terraform user trips over, each driven through the CLI as they would: single-
dash options, destroy's last line, the policy gate's labels, JSON logs, a closed pipe, audit
filters, a stale plan's exit code, a failed replace's tally, the offline probe hint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from iac_testing.audit_trails import record, write_trail
from iac_testing.cli_world import (
    Sandbox,
    Workdir,
    config,
    destination,
    replace_keeping_the_old,
)
from iac_testing.served_sandbox import REPO_ROOT, clean_env

from iac.audit import AuditLog
from iac.cli import cli

NO_CREDENTIALS = {
    "GENESYSCLOUD_OAUTHCLIENT_ID": None,
    "GENESYSCLOUD_OAUTHCLIENT_SECRET": None,
    "GENESYSCLOUD_API_REGION": None,
    "CI": None,
}


def test_single_dash_long_options_suggest_their_two_dash_spelling() -> None:
    examples = str(REPO_ROOT / "examples")
    result = CliRunner().invoke(cli, ["plan", examples, "-out", "plan.tfplan"])
    assert result.exit_code == 1
    assert "No such option '-out'. Did you mean --out?" in result.output
    spelled = CliRunner().invoke(cli, ["plan", examples, "-var-file=prod.yaml"])
    assert "Did you mean --var-file=prod.yaml?" in spelled.output
    unknown = CliRunner().invoke(cli, ["plan", examples, "-x"])
    assert unknown.exit_code == 1
    assert "Did you mean" not in unknown.output


def test_destroy_ends_with_destroy_complete(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    destroyed = work.iac("destroy", str(work.config), "--auto-approve")
    assert destroyed.exit_code == 0, destroyed.output
    assert "Destroy complete! Resources: 0 added, 0 changed, 1 destroyed." in destroyed.output
    assert "Apply complete!" not in destroyed.output


def test_each_broken_policy_rule_is_labelled_with_that_rule(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    policy = work.root / "policy.yaml"
    policy.write_text('allowed_aws_account_ids: ["123456789012"]\nallow_replace: false\n')
    work.write(config(destination("orders", "orders-prod")).replace("123456789012", "999999999999"))
    planned = work.iac("plan", str(work.config), "--policy", str(policy))
    assert planned.exit_code == 1
    assert "FAIL  policy        allow_replace: rule allow_replace:" in planned.output
    assert (
        "FAIL  policy        allowed_aws_account_ids: rule allowed_aws_account_ids: account "
        "'999999999999' is not allowed" in planned.output
    )


def test_json_logs_keep_the_sandbox_notice_json(tmp_path: Path) -> None:
    state_dir = str(tmp_path / "state")
    result = CliRunner().invoke(
        cli,
        ["plan", str(REPO_ROOT / "examples"), "--state-dir", state_dir, "--log-format", "json"],
        env=NO_CREDENTIALS,
    )
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines, "no notice at all"
    notices = [json.loads(line) for line in lines]  # every stderr line is JSON
    assert any("using the built-in sandbox" in n["message"] for n in notices)
    assert {n["logger"] for n in notices} == {"iac.notice"}


def test_a_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    """``iac audit show | head -1``: the reader is gone before iac writes (deterministic)."""
    trail = write_trail(tmp_path / "t.audit.jsonl", [f"k{n}" for n in range(50)])
    for command in (["audit", "show"], ["audit", "verify"]):
        child = subprocess.Popen(
            [sys.executable, "-m", "iac", *command, "--file", str(trail)],
            cwd=tmp_path,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # nobody reads: every write is EPIPE
        stderr = child.stderr.read()
        assert child.wait(timeout=60) == 141, stderr  # as a tool killed by SIGPIPE
        assert stderr == b"", stderr


def test_audit_show_filters_refresh_and_import_records(tmp_path: Path) -> None:
    trail = tmp_path / "t.audit.jsonl"
    log = AuditLog(trail, run_id="run-1", actor="user:test")
    for action, key in (("create", "a"), ("refresh", "b"), ("import", "c")):
        log.append(record(key, action=action))
    for action, key in (("refresh", "b"), ("import", "c")):
        shown = CliRunner().invoke(cli, ["audit", "show", "--file", str(trail), "--action", action])
        assert shown.exit_code == 0, shown.output
        [line] = shown.output.splitlines()
        assert f"  {action}" in line and f"  {key} " in line


def test_a_stale_saved_plan_exits_3(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    plan_file = work.root / "plan.iac"
    assert work.iac("plan", str(work.config), "--out", str(plan_file)).exit_code == 0
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0  # moves on
    stale = work.iac("apply", str(plan_file))
    assert stale.exit_code == 3, stale.output
    assert "The saved plan is stale and was not applied" in stale.output
    # Other refusals stay 1: a usage error, or a plan file that is not one.
    (work.root / "junk.iac").write_text("{}")
    assert work.iac("apply", str(work.root / "junk.iac")).exit_code == 1


def test_a_replace_whose_old_integration_stays_counts_the_one_added(
    work: Workdir, sandbox: Sandbox
) -> None:
    old_id, applied = replace_keeping_the_old(work, sandbox)
    assert applied.exit_code == 1
    assert "Resources: 1 added, 0 changed, 0 destroyed." in applied.output
    assert work.state()["resources"]["orders"]["deposed"] == [old_id]


def test_a_failed_probe_says_how_to_run_offline(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    planned = work.iac("plan", str(work.config), "--probe-endpoint", "https://127.0.0.1:9")
    assert planned.exit_code == 1
    assert "blocked by failed gates" in planned.output
    assert "pass --skip-probes" in planned.output
