"""The audit trail in PostgreSQL: the file's chained lines, one row per record.

``audit_records.line`` holds each record byte for byte as ``<workspace>.audit.jsonl`` would
(``iac.audit.log.build_line``), so ``iac.audit.chain`` verifies a table exactly as it
verifies a file, and a trail copied between the two keeps its hashes. The table is
append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). An append locks the
workspace's row (SELECT ... FOR UPDATE) before reading the last record, so concurrent
writers extend one chain instead of forking it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

import psycopg

from iac.audit.chain import (
    GENESIS_HASH,
    check_line,
    continuing,
    encode_line,
    verify_lines,
)
from iac.audit.log import AuditRecord, build_line
from iac.errors import IacError
from iac.pg.session import Session


class AuditTable:
    def __init__(self, session: Session, workspace: str, *, run_id: str, actor: str) -> None:
        self.session = session
        self.workspace = workspace
        self.run_id = run_id
        self.actor = actor

    def check(self) -> None:
        """Raise IacError now unless the whole chain verifies (call before changing anything)."""
        report = verify_lines(read_lines(self.session, self.workspace))
        if not report.ok:
            where = f"record {report.first_bad_line}: {report.problem}"
            _damaged(self.session, self.workspace, where)

    def append(self, record: AuditRecord) -> dict[str, Any]:
        """Store one record chained to the last one; returns the line as stored."""
        with self.session.transaction() as cursor:
            prev_hash, last_seq = _locked_tail(cursor, self.session, self.workspace)
            line = build_line(
                record, run_id=self.run_id, actor=self.actor, seq=last_seq + 1, prev_hash=prev_hash
            )
            _insert(cursor, self.workspace, line["seq"], encode_line(line))
        return line


def read_lines(session: Session, workspace: str) -> list[bytes]:
    """The workspace's records in order, each as a file line (ending in a newline)."""
    if not session.present:
        return []
    rows = session.query(
        "SELECT line FROM audit_records WHERE workspace = %s ORDER BY seq", (workspace,)
    )
    return [line.encode() + b"\n" for (line,) in rows]


def append_lines(session: Session, workspace: str, lines: Iterable[bytes]) -> int:
    """Append records copied from another trail (e.g. a file being pushed) as they are.

    Each must be a valid record continuing the chain from the table's last one; otherwise
    nothing is appended. Returns how many were.
    """
    count = 0
    with session.transaction() as cursor:
        prev_hash, last_seq = _locked_tail(cursor, session, workspace)
        into = f"the audit trail of workspace {workspace} in {session.where}"
        for content, record in continuing(lines, last_seq, prev_hash, into=into):
            _insert(cursor, workspace, record["seq"], content)
            count += 1
    return count


def _locked_tail(cursor: psycopg.Cursor[Any], session: Session, workspace: str) -> tuple[str, int]:
    """Lock the workspace's chain until the transaction ends; its last hash and seq."""
    cursor.execute(
        "INSERT INTO workspaces (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (workspace,)
    )
    cursor.execute("SELECT 1 FROM workspaces WHERE name = %s FOR UPDATE", (workspace,))
    cursor.execute(
        "SELECT seq, line FROM audit_records WHERE workspace = %s ORDER BY seq DESC LIMIT 1",
        (workspace,),
    )
    last = cursor.fetchone()
    if last is None:
        return GENESIS_HASH, 0
    seq, line = last
    record, problem = check_line(line.encode())
    if record is None:
        _damaged(session, workspace, f"its last record is not valid: {problem}")
    if record["seq"] != seq:
        _damaged(session, workspace, f"its last record says seq {record['seq']}, stored as {seq}")
    return record["hash"], seq


def _insert(cursor: psycopg.Cursor[Any], workspace: str, seq: int, line: bytes) -> None:
    cursor.execute(
        "INSERT INTO audit_records (workspace, seq, line) VALUES (%s, %s, %s)",
        (workspace, seq, line.decode()),
    )


def _damaged(session: Session, workspace: str, why: str) -> NoReturn:
    raise IacError(
        f"The audit trail of workspace {workspace} in {session.where} is damaged: {why}. iac "
        "will not append to it, so that no change is recorded in a broken chain. Run `iac audit "
        f"verify --backend {session.where} --workspace {workspace}` to find the damage; keep "
        f"the records as evidence (table {session.url.schema}.audit_records is append-only: "
        "moving them aside to start a new trail takes the table's owner)."
    )
