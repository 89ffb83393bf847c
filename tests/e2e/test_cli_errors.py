"""What a user sees when something is wrong: one clear message, exit code 1, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from iac_testing.cli_world import CLIENT_SECRET, Sandbox, Workdir, config, destination


def run_iac(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a child process, as a shell or CI job runs it."""
    # Neither the developer's credentials nor CI=true (which refuses the sandbox fallback).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GENESYSCLOUD_") and k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "iac", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_credentials_give_one_line_and_exit_1(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    env = {**work.env, "GENESYSCLOUD_OAUTHCLIENT_SECRET": "wrong-secret"}
    result = run_iac("plan", str(work.config), "--skip-probes", env=env, cwd=work.root)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: Genesys login (POST ")
    assert "HTTP 401" in lines[0]
    assert "GENESYSCLOUD_OAUTHCLIENT_SECRET" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert "wrong-secret" not in result.stderr + result.stdout


def test_validate_names_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "prod.yaml").write_text(
        "destinations:\n"
        "  orders:\n"
        "    name: Orders\n"
        '    aws_account_id: "12345"\n'
        "    aws_region: us-east-1\n"
        "    event_source_suffix: orders\n"
        '    topic_filters: ["v2.users.{id}.activity"]\n'
    )
    result = run_iac("validate", str(tmp_path), env={}, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / 'prod.yaml'}:4: destinations.orders.aws_account_id:" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_does_not_import_the_sdk(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    code = (
        "import sys\n"
        "from iac.cli import cli\n"
        "try:\n"
        f"    cli(['validate', {str(repo / 'examples')!r}], prog_name='iac')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "assert 'PureCloudPlatformClientV2' not in sys.modules, 'SDK imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=60)


def test_state_of_one_org_is_not_applied_to_another(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    # The same state folder, now pointed at the in-process sandbox: a different org.
    result = work.iac("plan", str(work.config), "--sandbox")
    assert result.exit_code == 1
    assert f"describes destinations in {sandbox.url}" in result.output
    assert "separate --workspace" in result.output


def test_apply_asks_and_changes_nothing_unless_yes(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    declined = work.iac("apply", str(work.config), input="no\n")
    assert declined.exit_code == 1
    assert "Only 'yes' will be accepted" in declined.output
    assert "Cancelled: the answer was not 'yes'. Nothing was changed." in declined.output
    assert sandbox.integrations() == []
    approved = work.iac("apply", str(work.config), input="yes\n")
    assert approved.exit_code == 0, approved.output
    assert len(sandbox.integrations()) == 1


def test_a_second_run_fails_fast_naming_the_lock_holder(work: Workdir, sandbox: Sandbox) -> None:
    from iac.workspace import Workspace, backends

    work.write(config(destination("orders", "orders-prod")))
    with backends(Workspace(work.state_dir)).state.lock("apply"):
        result = work.iac("plan", str(work.config))
    assert result.exit_code == 1
    assert "is locked by" in result.output
    assert f"pid {os.getpid()}" in result.output
    assert "--lock-timeout" in result.output
    assert work.iac("plan", str(work.config)).exit_code == 0  # released


def test_without_credentials_the_builtin_sandbox_is_used(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    result = run_iac("apply", str(repo / "examples"), "--auto-approve", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "using the built-in sandbox" in result.stderr
    assert "Apply complete! Resources: 3 added" in result.stdout
    assert (tmp_path / "state" / "sandbox-org.json").exists()
    again = run_iac("plan", str(repo / "examples"), env={}, cwd=tmp_path)
    assert "No changes." in again.stdout


def test_secrets_reach_no_file_and_no_output(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    applied = work.iac("apply", str(work.config), "--auto-approve")
    assert applied.exit_code == 0
    assert CLIENT_SECRET not in applied.output
    for path in work.state_dir.iterdir():
        text = path.read_text()
        assert CLIENT_SECRET not in text, path
        assert "access_token" not in text.lower() and "bearer" not in text.lower(), path


def test_sandbox_serve_runs_standalone_and_stops_on_interrupt(tmp_path: Path) -> None:
    _serve_answer_and_stop(tmp_path, "SIGINT")


def test_sandbox_serve_stops_on_sigterm(tmp_path: Path) -> None:
    _serve_answer_and_stop(tmp_path, "SIGTERM")


def test_sandbox_serve_started_with_sigint_ignored_still_stops_on_interrupt(
    tmp_path: Path,
) -> None:
    """A shell starts background jobs (``iac sandbox serve &``) with SIGINT ignored."""
    _serve_answer_and_stop(tmp_path, "SIGINT", ignore_sigint=True)


def _serve_answer_and_stop(
    tmp_path: Path, signal_name: str, *, ignore_sigint: bool = False
) -> None:
    """Serve, log in with the printed credentials, stop with a signal: exit 0, org kept."""
    import signal

    import httpx
    from iac_testing.served_sandbox import DEADLINE, served_sandbox

    with served_sandbox(tmp_path, ignore_sigint=ignore_sigint) as served:
        assert f"listening on http://127.0.0.1:{served.port}" in served.lines[0], served.output()
        assert served.url == f"http://127.0.0.1:{served.port}"
        token = httpx.post(
            f"{served.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(
                served.variables["GENESYSCLOUD_OAUTHCLIENT_ID"],
                served.variables["GENESYSCLOUD_OAUTHCLIENT_SECRET"],
            ),
            timeout=DEADLINE,
            trust_env=False,
        )
        assert token.status_code == 200, token.text
        assert token.json()["access_token"]
        code = served.stop(signal.Signals[signal_name])
        assert code == 0, f"exit code {code} after {signal_name}\n{served.output()}"
    assert served.data_file.exists()


def test_in_ci_a_run_without_credentials_fails_instead_of_using_the_sandbox(
    tmp_path: Path,
) -> None:
    repo = Path(__file__).resolve().parents[2]
    result = run_iac(
        "apply", str(repo / "examples"), "--auto-approve", env={"CI": "true"}, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "No Genesys credentials" in result.stderr and "in a CI run" in result.stderr
    assert not (tmp_path / "state" / "sandbox-org.json").exists()
    forced = run_iac("plan", str(repo / "examples"), "--sandbox", env={"CI": "true"}, cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


def test_usage_errors_exit_1_not_2(work: Workdir) -> None:
    result = work.iac("plan", "--no-such-flag")
    assert result.exit_code == 1
    assert "No such option" in result.output


def test_ctrl_c_mid_apply_exits_130_and_leaves_a_trail(tmp_path: Path) -> None:
    import json
    import signal
    import time

    import httpx

    from iac.sandbox import SandboxOptions, SandboxServer

    repo = Path(__file__).resolve().parents[2]
    options = SandboxOptions(activation_delay=60)  # the jobs will still be verifying
    with SandboxServer(tmp_path / "org.json", options) as server:
        env = {
            **{k: v for k, v in os.environ.items() if k != "CI"},
            "GENESYSCLOUD_API_REGION": server.url,
            "GENESYSCLOUD_OAUTHCLIENT_ID": options.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": options.client_secret,
        }
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "iac",
                "apply",
                str(repo / "examples"),
                "--auto-approve",
                "--skip-probes",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until both enabled ones were switched on
            log = httpx.get(f"{server.url}/__sandbox/requests").json()
            if sum(r["method"] == "PATCH" for r in log) >= 2:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
        # The cut-off creates were never verified: the next plan says so instead of
        # accepting them as "No changes".
        replanned = subprocess.run(
            [sys.executable, "-m", "iac", "plan", str(repo / "examples"), "--skip-probes"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert child.returncode == 130, err
    assert replanned.stdout.count("made by a run cut off before verifying it") == 2, (
        replanned.stdout
    )
    assert "Plan: 0 to add, 2 to change, 0 to destroy." in replanned.stdout
    assert "Interrupted. State records every step that finished" in err
    assert "Traceback" not in err
    records = [json.loads(line) for line in (tmp_path / "state" / "default.audit.jsonl").open()]
    cut = [r for r in records if r["result"] == "failed"]
    assert {r["key"] for r in cut} == {"audit-trail", "conversation-end-datalake"}
    assert all("interrupted" in r["error"] for r in cut)
    state = json.loads((tmp_path / "state" / "default.json").read_text())
    assert len(state["resources"]) == 3  # every integration made is known: no orphan


def test_answering_no_writes_neither_state_nor_audit(work: Workdir, sandbox: Sandbox) -> None:
    work.write(config(destination("orders", "orders-prod")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    sandbox.edit(sandbox.by_suffix()["orders-prod"]["id"], name="Edited outside")
    work.write(config(destination("orders", "orders-prod"), destination("new", "new-prod")))
    state_before = (work.state_dir / "default.json").read_text()
    audit_before = (work.state_dir / "default.audit.jsonl").read_text()
    declined = work.iac("apply", str(work.config), input="no\n")
    assert declined.exit_code == 1
    assert (work.state_dir / "default.json").read_text() == state_before
    assert (work.state_dir / "default.audit.jsonl").read_text() == audit_before


def test_an_audit_trail_damaged_above_its_last_line_stops_the_apply(
    work: Workdir, sandbox: Sandbox
) -> None:
    work.write(
        config(
            destination("orders", "orders-prod"),
            destination("billing", "billing-prod"),
            destination("audit", "audit-prod"),
        )
    )
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    trail = work.state_dir / "default.audit.jsonl"
    lines = trail.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 3
    lines[2] = lines[2].replace(b'"succeeded"', b'"failed"')  # someone rewrites history
    trail.write_bytes(b"".join(lines))
    damaged, ids_before = trail.read_bytes(), {i["id"] for i in sandbox.integrations()}
    work.write(config(destination("orders", "orders-prod")))  # would delete two

    refused = work.iac("apply", str(work.config), "--auto-approve")

    assert refused.exit_code == 1
    assert f"The audit file {trail} is damaged: line 3:" in refused.output
    assert trail.read_bytes() == damaged
    assert {i["id"] for i in sandbox.integrations()} == ids_before
