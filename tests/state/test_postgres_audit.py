"""The audit trail in PostgreSQL: the file's chain, row by row, append-only, checked."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from iac_testing.audit_trails import raw_lines, record, write_trail
from iac_testing.postgres import Database
from iac_testing.served_sandbox import DEADLINE

from iac.audit import AuditTrail
from iac.audit.chain import FIELDS, GENESIS_HASH, verify, verify_lines
from iac.audit.table import append_lines, read_lines
from iac.cli.audit import audit
from iac.errors import IacError
from iac.pg.session import Session
from iac.pg.url import parse_backend_url
from iac.workspace import Workspace, backends


def trail(pg: Database, workspace: str = "default", run_id: str = "run-1") -> AuditTrail:
    located = Workspace(Path("unused"), workspace, parse_backend_url(pg.url()))
    return backends(located).audit_log(run_id=run_id, actor="user:test")


def lines(pg: Database, workspace: str = "default") -> list[bytes]:
    with Session(parse_backend_url(pg.url()), create=False) as session:
        return read_lines(session, workspace)


def damage(pg: Database, seq: int, old: str, new: str) -> None:
    """Edit a stored record as a database superuser can (triggers off for the session)."""
    with pg.admin() as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "UPDATE iac.audit_records SET line = replace(line, %s, %s) WHERE seq = %s",
            (old, new, seq),
        )


def cli(*args: str) -> Result:
    return CliRunner().invoke(audit, list(args), catch_exceptions=False)


def test_records_are_the_lines_the_file_would_hold_and_chain_the_same(pg: Database) -> None:
    table = trail(pg)
    table.check()  # an empty trail is fine
    written = [table.append(record(key)) for key in ("orders", "billing", "audits")]

    stored = lines(pg)
    assert [tuple(line) for line in written] == [FIELDS] * 3
    assert written[0]["prev_hash"] == GENESIS_HASH
    assert [w["seq"] for w in written] == [1, 2, 3]
    report = verify_lines(stored)
    assert report.ok and report.records == 3 and report.last_hash == written[-1]["hash"]
    table.check()


def test_concurrent_appends_extend_one_chain(pg: Database) -> None:
    trail(pg).check()  # create the schema once, before the race
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        table = trail(pg, run_id=f"run-{n}")
        try:
            for i in range(5):
                table.append(record(f"key-{n}-{i}"))
        except BaseException as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)

    assert errors == []
    report = verify_lines(lines(pg))
    assert report.ok and report.records == 20, report


def test_a_trail_damaged_anywhere_is_refused_before_anything_is_written(pg: Database) -> None:
    table = trail(pg)
    for key in ("orders", "billing", "audits"):
        table.append(record(key))
    damage(pg, 2, "billing", "bi11ing")

    with pytest.raises(IacError) as caught:
        trail(pg).check()

    message = str(caught.value)
    assert "The audit trail of workspace default in postgresql://iac@127.0.0.1:" in message
    assert "is damaged: record 2: record was edited (hash mismatch)" in message
    assert "iac will not append to it" in message
    assert "iac audit verify --backend postgresql://iac@" in message
    assert "pg-Secret" not in message


def test_a_damaged_last_record_is_never_appended_to(pg: Database) -> None:
    table = trail(pg)
    table.append(record("orders"))
    damage(pg, 1, "orders", "ordera")

    with pytest.raises(IacError, match="its last record is not valid: record was edited"):
        table.append(record("billing"))
    assert len(lines(pg)) == 1


def test_the_table_is_append_only(pg: Database) -> None:
    table = trail(pg)
    table.append(record("orders"))
    with Session(parse_backend_url(pg.url())) as session:
        for statement in (
            "UPDATE audit_records SET line = 'x'",
            "DELETE FROM audit_records",
            "TRUNCATE audit_records",
        ):
            with pytest.raises(IacError, match="append-only"):
                session.query(statement)
    assert verify_lines(lines(pg)).records == 1


def test_a_file_trail_copies_into_the_table_byte_for_byte_and_goes_on(
    pg: Database, tmp_path: Path
) -> None:
    path = write_trail(tmp_path / "default.audit.jsonl", ["orders", "billing"])
    with Session(parse_backend_url(pg.url())) as session:
        assert append_lines(session, "default", raw_lines(path)) == 2
        with pytest.raises(IacError, match="does not continue the trail"):
            append_lines(session, "default", raw_lines(path)[1:])

    assert lines(pg) == raw_lines(path)
    trail(pg).append(record("audits"))
    assert verify_lines(lines(pg)).records == 3


def test_audit_verify_and_show_read_the_database(
    pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg.url()
    shown = f"postgresql://iac@127.0.0.1:{pg.server.port}/{pg.name}"
    empty = cli("verify", "--backend", url)
    assert empty.exit_code == 0, empty.output
    assert empty.output == f"No audit trail of workspace default in {shown}: nothing to verify.\n"

    table = trail(pg, "prod")
    last = [table.append(record(key)) for key in ("orders", "billing")][-1]
    monkeypatch.setenv("IAC_BACKEND", url)
    verified = cli("verify", "--workspace", "prod", "--state-dir", str(tmp_path))
    assert verified.exit_code == 0, verified.output
    assert verified.output.splitlines() == [
        f"Audit trail of workspace prod in {shown} is intact: 2 records, chain verified.",
        f"Last record hash: {last['hash']}",
    ]
    listed = cli("show", "--workspace", "prod", "--destination", "billing")
    assert listed.exit_code == 0, listed.output
    assert len(listed.output.splitlines()) == 1 and "billing" in listed.output

    damage(pg, 1, "orders", "ordera")
    broken = cli("verify", "--workspace", "prod")
    assert broken.exit_code == 1
    assert f"Audit trail of workspace prod in {shown} is broken at record 1: record was " in (
        broken.output
    )
    assert "pg-Secret" not in broken.output + verified.output + listed.output

    # --file still reads a file, and the file trail and the table verify alike
    path = write_trail(tmp_path / "copy.jsonl", ["orders"])
    assert cli("verify", "--file", str(path)).exit_code == 0
    assert verify(path).ok
