"""``iac state push`` / ``iac state pull`` and ``iac workspace list`` through the CLI, against a
real PostgreSQL server (and, for the round trip, the real SDK and the sandbox over HTTP).

States and trails other than the applied one are written with the stores themselves
(``LocalStateStore``, ``AuditLog``, ``PostgresStateStore``, ``AuditTable``), as runs on either
side would leave them: no Genesys round trip is needed to test how they are copied.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from iac_testing.audit_trails import raw_lines, record, write_trail
from iac_testing.cli_world import Sandbox, Workdir, config, destination
from iac_testing.postgres import IAC_PASSWORD, Database
from iac_testing.served_sandbox import clean_env

from iac.audit import AuditLog
from iac.cli import cli
from iac.pg.session import Session
from iac.pg.url import parse_backend_url
from iac.state import LocalStateStore, ResourceState, State, StateLock
from iac.state.postgres import PostgresStateStore
from iac.workspace import Workspace, backends, postgres_backends

RUN_TIMEOUT = 180.0
LAST_HASH = re.compile(r"^Last record hash: ([0-9a-f]{64})$", re.MULTILINE)


def iac(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)
    assert "Traceback" not in result.output
    assert IAC_PASSWORD not in result.output  # the URLs below carry it: it is never shown
    return result


def shown(pg: Database) -> str:
    """How messages name the database: the URL without its password."""
    return f"postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name}"


def local(state_dir: Path, workspace: str = "default") -> LocalStateStore:
    store = backends(Workspace(state_dir, workspace)).state
    assert isinstance(store, LocalStateStore)
    return store


def remote(pg: Database, workspace: str = "default") -> PostgresStateStore:
    store = backends(Workspace(Path("unused"), workspace, parse_backend_url(pg.url()))).state
    assert isinstance(store, PostgresStateStore)
    return store


def sample(*keys: str) -> State:
    state = State.new("sandbox")
    for key in keys:
        state = state.with_resource(key, ResourceState(f"id-{key}", {"name": key.title()}))
    return state


def stored_lines(pg: Database, workspace: str = "default") -> list[bytes]:
    rows = pg.rows(
        "SELECT line FROM iac.audit_records WHERE workspace = %s ORDER BY seq", (workspace,)
    )
    return [line.encode() + b"\n" for (line,) in rows]


def stored_serial(pg: Database, workspace: str = "default") -> list[tuple[Any, ...]]:
    return pg.rows(
        "SELECT lineage, serial, previous_serial FROM iac.states WHERE workspace = %s",
        (workspace,),
    )


def move(command: str, pg: Database, state_dir: Path, *extra: str) -> Result:
    return iac("state", command, "--backend", pg.url(), "--state-dir", str(state_dir), *extra)


def test_an_applied_workspace_pushed_serves_plan_and_verify_and_pulls_back_byte_for_byte(
    pg: Database, work: Workdir, sandbox: Sandbox, tmp_path: Path
) -> None:
    work.write(config(destination("orders", "orders-prod"), destination("billing", "bill")))
    assert work.iac("apply", str(work.config), "--auto-approve").exit_code == 0
    local_verify = work.iac("audit", "verify", "--state-dir", str(work.state_dir))
    [local_hash] = LAST_HASH.findall(local_verify.output)
    serial = work.state()["serial"]

    pushed = move("push", pg, work.state_dir)

    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.splitlines()[:3] == [
        f"Pushed {work.state_dir}/default.json to workspace default in {shown(pg)}.",
        f"State: serial {serial} of lineage {work.state()['lineage']}, copied as it is "
        "(there was no state).",
        "Audit trail: copied 2 records, byte for byte.",
    ]
    assert LAST_HASH.findall(pushed.output) == [local_hash]
    assert stored_serial(pg) == [(work.state()["lineage"], serial, None)]  # not serial + 1
    planned = work.iac("plan", str(work.config), "--backend", pg.url())
    assert planned.exit_code == 0 and "No changes." in planned.output, planned.output
    verified = iac("audit", "verify", "--backend", pg.url())
    assert verified.exit_code == 0, verified.output
    assert "is intact: 2 records, chain verified." in verified.output
    assert LAST_HASH.findall(verified.output) == [local_hash]

    elsewhere = tmp_path / "elsewhere"
    pulled = move("pull", pg, elsewhere)

    assert pulled.exit_code == 0, pulled.output
    assert pulled.output.startswith(
        f"Pulled workspace default in {shown(pg)} to {elsewhere}/default.json.\n"
    )
    for name in ("default.json", "default.audit.jsonl"):
        assert (elsewhere / name).read_bytes() == (work.state_dir / name).read_bytes(), name
        assert (elsewhere / name).stat().st_mode & 0o777 == 0o600, name  # owner only
    again = {
        f"workspace default in {shown(pg)}": move("push", pg, work.state_dir),
        f"{elsewhere}/default.json": move("pull", pg, elsewhere),
    }
    for destination_, result in again.items():
        assert result.exit_code == 0, result.output
        assert " ".join(result.output.split()).startswith(
            f"Nothing to do: {destination_} already holds serial {serial} of lineage "
            f"{work.state()['lineage']}, the same document, and every record of its audit "
            "trail (2 records)."
        ), result.output
    assert pg.rows("SELECT count(*) FROM iac.locks") == [(0,)]


def test_a_newer_serial_or_another_lineage_is_refused_unless_forced(
    pg: Database, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    first = local(mine).write(sample("orders"))
    assert move("push", pg, mine).exit_code == 0
    # Another runner applies on the backend: it holds serial 2 now.
    newer = remote(pg).write(first.with_resource("billing", ResourceState("id-b", {})))

    refused = move("push", pg, mine)

    assert refused.exit_code == 1
    assert (
        f"Error: Refusing to push: workspace default in {shown(pg)} holds serial 2 of lineage "
        f"{first.lineage}, newer than serial 1 of lineage {first.lineage} in {mine}/default.json."
        " Nothing was copied. If it is the one to keep, pull it instead (iac state pull); or "
        "pass --force to overwrite it with the older state (the replaced version is kept in "
        "column previous_document of table iac.states)."
    ) in " ".join(refused.output.split()), refused.output
    assert remote(pg).read() == newer

    forward = move("pull", pg, mine)  # an older local serial of the lineage: just copied
    assert forward.exit_code == 0, forward.output
    assert "copied as it is over serial 1;" in forward.output
    assert local(mine).read() == newer
    ahead = local(mine).write(newer.without_resource("orders"))  # serial 3, local only
    refused_pull = move("pull", pg, mine)
    assert refused_pull.exit_code == 1
    assert (
        f"Refusing to pull: {mine}/default.json holds serial 3 of lineage {first.lineage}, "
        f"newer than serial 2 of lineage {first.lineage} in workspace default in {shown(pg)}."
    ) in " ".join(refused_pull.output.split()), refused_pull.output
    forced_pull = move("pull", pg, mine, "--force")
    assert forced_pull.exit_code == 0, forced_pull.output
    assert (
        f"copied as it is over serial 3 (--force); the replaced version is kept in "
        f"{mine}/default.json.backup."
    ) in forced_pull.output
    assert local(mine).read() == newer
    assert LocalStateStore(mine / "default.json.backup", Path("x"), Path("y")).read() == ahead

    theirs = tmp_path / "theirs"
    other = local(theirs).write(sample("audits"))  # another history: its own lineage
    refused_lineage = move("push", pg, theirs)
    assert refused_lineage.exit_code == 1
    assert (
        f"workspace default in {shown(pg)} holds another state history (lineage "
        f"{first.lineage}, serial 2) than {theirs}/default.json (lineage {other.lineage}, "
        "serial 1). Nothing was copied. Pass --force to replace it"
    ) in " ".join(refused_lineage.output.split()), refused_lineage.output
    forced = move("push", pg, theirs, "--force")
    assert forced.exit_code == 0, forced.output
    assert f"over lineage {first.lineage}, serial 2 (--force)" in forced.output
    assert stored_serial(pg) == [(other.lineage, 1, 2)]  # the replaced version is kept
    assert remote(pg).read() == other


def test_audit_records_are_appended_to_a_prefix_and_a_diverged_trail_is_never_rewritten(
    pg: Database, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    trail = mine / "default.audit.jsonl"
    state = local(mine).write(sample("orders"))
    write_trail(trail, ["orders", "billing"])
    assert move("push", pg, mine).exit_code == 0
    log = AuditLog(trail, run_id="run-2", actor="user:test")
    for key in ("audits", "orders"):
        log.append(record(key))
    state = local(mine).write(state.with_resource("audits", ResourceState("id-a", {})))

    appended = move("push", pg, mine)

    assert appended.exit_code == 0, appended.output
    assert "Audit trail: appended 2 records after the 2 already there." in appended.output
    assert stored_lines(pg) == raw_lines(trail)
    assert remote(pg).read() == state

    # Each side goes on alone: one more record and state version on each.
    with Session(parse_backend_url(pg.url())) as session:
        table = postgres_backends(session, "default").audit_log(run_id="db-run", actor="ci:job")
        table.append(record("billing"))
    db_state = remote(pg).write(state.without_resource("orders"))
    log.append(record("events"))
    local(mine).write(state.with_resource("events", ResourceState("id-e", {})))
    db_lines, local_lines = stored_lines(pg), raw_lines(trail)

    push_forced = move("push", pg, mine, "--force")

    assert push_forced.exit_code == 1
    message = " ".join(push_forced.output.split())
    assert (
        f"Refusing to push: the audit records of workspace default in {shown(pg)} (5 records) "
        f"and {trail} (5 records) differ from record 5 on: they recorded different histories. "
        "Nothing was copied. The database's audit records are append-only (a trigger refuses "
        "UPDATE, DELETE and TRUNCATE), so iac never rewrites them, not even with --force."
    ) in message, message
    assert (stored_lines(pg), remote(pg).read()) == (db_lines, db_state)

    refused_pull = move("pull", pg, mine)
    assert refused_pull.exit_code == 1
    assert "the two copies were changed apart" in refused_pull.output
    local(mine).import_state(db_state, over=local(mine).read())  # the states agree again
    refused_trail = move("pull", pg, mine)
    assert refused_trail.exit_code == 1
    assert (
        f"Refusing to pull: {trail} (5 records) and the audit records of workspace default in "
        f"{shown(pg)} (5 records) differ from record 5 on: they recorded different histories. "
        f"Nothing was copied. With --force, iac moves {trail} aside (to "
        "default.audit.jsonl.replaced-<UTC time>, kept as evidence)"
    ) in " ".join(refused_trail.output.split()), refused_trail.output
    assert raw_lines(trail) == local_lines
    pulled = move("pull", pg, mine, "--force")
    assert pulled.exit_code == 0, pulled.output
    [aside] = mine.glob("default.audit.jsonl.replaced-*")
    assert f"moved it aside to {aside} (kept as evidence) and copied all 5 records." in (
        " ".join(pulled.output.split())
    )
    assert raw_lines(aside) == local_lines
    assert raw_lines(trail) == db_lines
    assert local(mine).read() == db_state


def test_a_damaged_source_trail_is_refused_naming_its_line(pg: Database, tmp_path: Path) -> None:
    local(tmp_path, "broken").write(sample("orders"))
    trail = write_trail(tmp_path / "broken.audit.jsonl", ["orders", "billing", "audits"])
    lines = raw_lines(trail)
    trail.write_bytes(lines[0] + lines[1].replace(b"billing", b"bi11ing") + lines[2])

    refused = move("push", pg, tmp_path, "--workspace", "broken", "--force")

    assert refused.exit_code == 1
    assert (
        f"Refusing to push: {trail} is damaged at line 2: record was edited (hash mismatch). "
        "Nothing was copied"
    ) in " ".join(refused.output.split()), refused.output
    assert pg.rows("SELECT count(*) FROM iac.states") == [(0,)]


def test_a_lock_held_on_either_side_refuses_and_nothing_is_copied(
    pg: Database, tmp_path: Path
) -> None:
    local(tmp_path).write(sample("orders"))
    with StateLock(tmp_path / "default.lock", "apply"):
        refused_local = move("push", pg, tmp_path)
    with remote(pg).lock("apply"):  # another connection: a run applying on the backend
        refused_remote = move("push", pg, tmp_path)
        refused_pull = move("pull", pg, tmp_path)

    assert refused_local.exit_code == 1
    assert re.search(
        rf"Error: State {re.escape(str(tmp_path))}/default\.json is locked by \S+ \(pid \d+, "
        r"running `iac apply` since ",
        refused_local.output,
    ), refused_local.output
    for refused in (refused_remote, refused_pull):
        assert refused.exit_code == 1
        assert re.search(
            rf"Error: State of workspace default in {re.escape(shown(pg))} is locked by \S+ "
            r"\(pid \d+, running `iac apply` since ",
            refused.output,
        ), refused.output
    assert pg.rows("SELECT count(*) FROM iac.states") == [(0,)]
    with StateLock(tmp_path / "default.lock", "plan"):  # the push let the local lock go
        pass
    assert move("push", pg, tmp_path).exit_code == 0
    assert pg.rows("SELECT count(*) FROM iac.locks") == [(0,)]


def test_workspace_list_shows_the_backend_and_the_local_folder(
    pg: Database, tmp_path: Path
) -> None:
    empty = iac("workspace", "list", "--backend", pg.url())
    assert empty.output == f"No workspaces in {shown(pg)} (schema iac).\n", empty.output
    assert pg.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'iac'") == []  # none created
    default = local(tmp_path).write(local(tmp_path).write(sample("orders")))
    write_trail(tmp_path / "default.audit.jsonl", ["orders", "billing", "audits"])
    prod = local(tmp_path, "prod").write(sample())
    (tmp_path / "sandbox-org.json").write_text("{}")
    (tmp_path / "notes.json").write_text("{not json")
    write_trail(tmp_path / "dev.audit.jsonl", ["orders"])

    listed = iac("workspace", "list", "--state-dir", str(tmp_path), "--workspace", "prod")

    assert listed.exit_code == 0, listed.output
    rows = [line.split() for line in listed.output.splitlines()]
    assert rows[0] == ["Workspaces", "in", f"{tmp_path}:"]
    assert " ".join(rows[1]) == "WORKSPACE SERIAL LAST WRITTEN (UTC) AUDIT RECORDS LINEAGE"
    assert [r[:2] + r[-2:] for r in rows[2:6]] == [
        ["default", "2", "3", default.lineage],
        ["dev", "-", "1", "-"],
        ["notes", "?", "0", "-"],
        ["*", "prod", "0", prod.lineage],
    ]
    assert rows[5][2] == "1"  # prod's serial
    assert f"(notes: {tmp_path}/notes.json is not a state document iac can read)" in (listed.output)

    for workspace in ("default", "prod"):
        assert move("push", pg, tmp_path, "--workspace", workspace).exit_code == 0
    in_db = iac("workspace", "list", "--backend", pg.url(), "--format", "json")
    assert in_db.exit_code == 0, in_db.output
    document = json.loads(in_db.output)
    assert document["where"] == f"{shown(pg)} (schema iac)"
    assert [
        (w["name"], w["serial"], w["lineage"], w["audit_records"]) for w in document["workspaces"]
    ] == [("default", 2, default.lineage, 3), ("prod", 1, prod.lineage, 0)]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", w["written_at"])
        for w in (document["workspaces"])
    )


def test_state_commands_load_no_genesys_sdk_and_psycopg_only_for_a_backend(
    pg: Database, tmp_path: Path
) -> None:
    local(tmp_path).write(sample("orders"))
    script = """
import json, sys
from click.testing import CliRunner
from iac.cli import cli

def run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)

def loaded():
    return sorted(m for m in sys.modules if m.split(".")[0] in (
        "psycopg", "PureCloudPlatformClientV2") or m == "iac.pg.session")

run("workspace", "list", "--state-dir", ".")
run("state", "push", "--help")
run("state", "pull", "--state-dir", ".", code=1)  # no backend: refused, nothing loaded
before = loaded()
run("state", "push", "--state-dir", ".", "--backend", sys.argv[1])
run("workspace", "list", "--backend", sys.argv[1])
print(json.dumps([before, loaded()]))
"""
    env = {k: v for k, v in clean_env().items() if not k.startswith(("IAC_", "PG"))}
    ran = subprocess.run(
        [sys.executable, "-c", script, pg.url()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert ran.returncode == 0, ran.stderr
    before, after = json.loads(ran.stdout)
    assert before == [], before
    assert "psycopg" in after and "iac.pg.session" in after, after
    assert not [m for m in after if m.startswith("PureCloudPlatformClientV2")], after
