"""The CLI with its state in PostgreSQL: a real server, the real SDK, the sandbox over HTTP.

Runs that must overlap (two applies, a killed runner) are child processes, as two CI jobs
are; the rest run in-process. Moments are chosen by waiting on conditions (a prompt, a lock
row, a statement reaching the proxy), never by sleeping.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from iac_testing.cli_world import CLIENT_SECRET, Sandbox, Workdir, config, destination
from iac_testing.postgres import IAC_PASSWORD, Database
from iac_testing.served_sandbox import clean_env
from iac_testing.tcp_proxy import TcpProxy

RUN_TIMEOUT = 180.0  # one CLI run in a child process, on a busy machine
# A create writes its intent (the first INSERT), then the POSTed id, then the verified entry:
# this catches the second, so Genesys has an integration that state does not name yet.
ID_STATE_WRITE = b"UPDATE states"


def on(pg: Database, work: Workdir, root: Path | None = None, port: int | None = None) -> Workdir:
    """``work``'s user, with ``IAC_BACKEND`` set and the password in ``PGPASSWORD``."""
    env = {**work.env, "IAC_BACKEND": pg.url(password=False, port=port), "PGPASSWORD": IAC_PASSWORD}
    moved = Workdir(root=root or work.root, env=env)
    moved.root.mkdir(exist_ok=True)
    moved.write(config(destination("orders", "orders-prod")))
    return moved


def document(pg: Database, workspace: str = "default") -> dict:
    [(text,)] = pg.rows("SELECT document FROM iac.states WHERE workspace = %s", (workspace,))
    return json.loads(text)


def issued_tokens(sandbox: Sandbox) -> list[str]:
    """Every access token the sandbox handed out (its private store: tokens are random)."""
    return list(sandbox.server._sandbox.tokens._expiry)


def spawn(work: Workdir, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "iac", *args, "--skip-probes"],
        cwd=work.root,
        env=clean_env(**work.env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {RUN_TIMEOUT:.0f} s for {what}", pytrace=False)
        time.sleep(0.05)


def test_apply_keeps_state_lock_and_audit_in_the_database_and_no_secret(
    pg: Database, work: Workdir, sandbox: Sandbox
) -> None:
    team = on(pg, work)
    team.write(config(destination("orders", "orders-prod"), destination("billing", "bill")))

    applied = team.iac("apply", str(team.config), "--auto-approve")
    again = team.iac("plan", str(team.config))
    verified = team.iac("audit", "verify")

    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 2 added" in applied.output
    assert "No changes." in again.output, again.output
    assert verified.exit_code == 0, verified.output
    intact = r"of workspace default in postgresql://iac@127\.0\.0\.1:\d+/\w+ is intact: 2 rec"
    assert re.search(intact, verified.output), verified.output
    ids = {i["id"] for i in sandbox.integrations()}
    assert {r["id"] for r in document(pg)["resources"].values()} == ids
    for name in ("default.json", "default.json.backup", "default.lock", "default.audit.jsonl"):
        assert not (team.state_dir / name).exists()
    assert pg.rows("SELECT count(*) FROM iac.locks") == [(0,)]
    stored = pg.table_text()
    secrets = [CLIENT_SECRET, IAC_PASSWORD, *issued_tokens(sandbox)]
    assert len(secrets) > 2
    for secret in secrets:
        assert secret not in stored
        assert secret not in applied.output + again.output + verified.output
    assert "bearer" not in stored.lower() and "access_token" not in stored.lower()


def test_two_applies_from_two_working_directories_one_proceeds_one_names_it(
    pg: Database, work: Workdir, sandbox: Sandbox, tmp_path: Path
) -> None:
    runners = [on(pg, work, tmp_path / name) for name in ("ci-job-1", "ci-job-2")]
    # Without --auto-approve each stops at the question, holding the lock if it got it.
    started = [spawn(r, "apply", "config") for r in runners]
    try:
        wait_for(lambda: any(p.poll() is not None for p in started), "one apply to be refused")
        [loser] = [p for p in started if p.poll() is not None]
        [winner] = [p for p in started if p is not loser]
        _, refused = loser.communicate(timeout=RUN_TIMEOUT)
        out, err = winner.communicate("yes\n", timeout=RUN_TIMEOUT)
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()

    assert loser.returncode == 1, refused
    assert "Traceback" not in refused
    assert re.search(
        r"State of workspace default in postgresql://iac@127\.0\.0\.1:\d+/\w+ is locked by "
        rf"\S+ \(pid {winner.pid}, running `iac apply` since ",
        refused,
    ), refused
    assert winner.returncode == 0, err
    assert "Apply complete! Resources: 1 added" in out
    assert len(sandbox.integrations()) == 1


def test_a_runner_killed_mid_apply_frees_the_lock_and_the_next_run_converges(
    pg: Database, work: Workdir, sandbox: Sandbox
) -> None:
    # The killed runner reaches the database through a proxy that holds its final state
    # write: the integration exists and state records it as not yet verified.
    with TcpProxy(pg.server.port, ID_STATE_WRITE, mode="stall") as proxy:
        doomed = on(pg, work, port=proxy.port)
        runner = spawn(doomed, "apply", "config", "--auto-approve")
        try:
            wait_for(lambda: proxy.triggered.is_set() or runner.poll() is not None, "the write")
            assert proxy.triggered.is_set(), runner.communicate(timeout=RUN_TIMEOUT)
            assert pg.rows("SELECT count(*) FROM iac.locks") == [(1,)]
            runner.send_signal(signal.SIGKILL)
            runner.communicate(timeout=RUN_TIMEOUT)
        finally:
            if runner.poll() is None:
                runner.kill()
    left = document(pg)  # killed at the write recording the POSTed id: only the intent is in
    assert left["resources"] == {} and list(left["pending_creates"]) == ["orders"]

    # No unlock: the lock went with the dead runner's connection (allow the server a moment).
    team = on(pg, work)
    resumed = team.iac("apply", str(team.config), "--auto-approve", "--lock-timeout", "60")
    again = team.iac("plan", str(team.config))

    assert resumed.exit_code == 0, resumed.output
    assert "No changes." in again.output, again.output
    [integration] = sandbox.integrations()  # verified, not created twice
    assert document(pg)["resources"]["orders"]["id"] == integration["id"]


def test_a_connection_lost_mid_apply_stops_cleanly_and_the_next_run_converges(
    pg: Database, work: Workdir, sandbox: Sandbox
) -> None:
    with TcpProxy(pg.server.port, ID_STATE_WRITE, mode="cut") as proxy:
        cut = on(pg, work, port=proxy.port)
        stopped = cut.iac("apply", str(cut.config), "--auto-approve")
        assert proxy.triggered.is_set()

    assert stopped.exit_code == 1, stopped.output
    assert "Traceback" not in stopped.output
    assert re.search(
        r"Error: Lost the connection to the state database postgresql://iac@127\.0\.0\.1:\d+/\w+ "
        r"\(.+\)\. The run stopped: each write is one transaction, so nothing was half-written, "
        r"and the state lock went with the connection\. Run it again",
        stopped.output,
    ), stopped.output
    left = document(pg)  # the cut write (recording the POSTed id) left no trace
    assert left["resources"] == {} and list(left["pending_creates"]) == ["orders"]

    team = on(pg, work)
    resumed = team.iac("apply", str(team.config), "--auto-approve", "--lock-timeout", "60")
    again = team.iac("plan", str(team.config))
    assert resumed.exit_code == 0, resumed.output
    assert "No changes." in again.output, again.output
    assert len(sandbox.integrations()) == 1
    assert team.iac("audit", "verify").exit_code == 0


def test_a_damaged_audit_row_is_refused_before_anything_is_written(
    pg: Database, work: Workdir, sandbox: Sandbox
) -> None:
    team = on(pg, work)
    assert team.iac("apply", str(team.config), "--auto-approve").exit_code == 0
    with pg.admin() as conn:
        conn.execute("SET session_replication_role = replica")  # past the append-only trigger
        conn.execute("UPDATE iac.audit_records SET line = replace(line, 'orders', 'ordera')")
    before = pg.rows("SELECT serial, document FROM iac.states")
    team.write(config(destination("orders", "orders-prod"), destination("billing", "bill")))

    refused = team.iac("apply", str(team.config), "--auto-approve")

    assert refused.exit_code == 1
    assert "is damaged: record 1: record was edited" in refused.output, refused.output
    assert len(sandbox.integrations()) == 1
    assert pg.rows("SELECT serial, document FROM iac.states") == before
    assert pg.rows("SELECT count(*) FROM iac.audit_records") == [(1,)]


def test_runs_on_local_files_never_load_the_database_driver(tmp_path: Path) -> None:
    """psycopg is for --backend only: not for local runs, `iac audit`, validate or --help."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "d.yaml").write_text(config(destination("orders", "orders-prod")))
    script = """
import sys
from click.testing import CliRunner
from iac.cli import cli
from iac.run.context import RunContext
from iac.workspace import Workspace, backends
backends(Workspace()).state.read()
for args in (["--help"], ["validate", "config"], ["audit", "verify"], ["audit", "show"],
             ["plan", "--help"]):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "iac") and (
    m.startswith("psycopg") or m.startswith("iac.pg.session") or m.endswith("postgres")
    or m.endswith("table"))))
"""
    env = {k: v for k, v in clean_env().items() if not k.startswith(("IAC_", "PG"))}
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]", ran.stdout


def test_a_role_that_may_only_read_is_refused_before_genesys_changes(
    pg: Database, work: Workdir, sandbox: Sandbox
) -> None:
    team = on(pg, work)
    assert team.iac("apply", str(team.config), "--auto-approve").exit_code == 0
    reader = f"reader_{pg.name}"
    with pg.admin() as conn:  # docs/ci.md's plan role: reads everything, holds the lock row
        conn.execute(f"CREATE ROLE {reader} LOGIN PASSWORD 'reader-pw'".encode())
        conn.execute(f"GRANT USAGE ON SCHEMA iac TO {reader}".encode())
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA iac TO {reader}".encode())
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON iac.locks TO {reader}".encode())
    url = pg.url(password=False).replace("postgresql://iac@", f"postgresql://{reader}@")
    env = {**team.env, "IAC_BACKEND": url, "PGPASSWORD": "reader-pw"}
    as_reader = Workdir(root=team.root, env=env)
    as_reader.write(config(destination("orders", "orders-prod"), destination("new", "new-prod")))
    before = {i["id"] for i in sandbox.integrations()}

    planned = as_reader.iac("plan", str(as_reader.config))
    refused = as_reader.iac("apply", str(as_reader.config), "--auto-approve")

    assert planned.exit_code == 0, planned.output  # reading is all a plan needs
    assert refused.exit_code == 1
    assert f"The database role {reader} may not write the state and audit trail" in (
        refused.output
    )
    assert {i["id"] for i in sandbox.integrations()} == before
