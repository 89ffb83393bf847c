"""Writing the audit trail: one chained JSON line per change attempt.

Records carry attributes (no secrets by construction: credentials never enter the
configuration model) and Genesys' error messages. ``redact`` is a second line of defence
in case a secret-looking field ever slips into before/after, gate or verification data.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn, Protocol

from iac.audit.chain import (
    FIELDS,
    GENESIS_HASH,
    check_line,
    continuing,
    encode_line,
    record_hash,
    verify,
)
from iac.errors import IacError
from iac.redact import redact

# Error texts come from HTTP layers, which have been known to echo an Authorization header.
_TAIL_CHUNK = 64 * 1024


@dataclass(frozen=True)
class AuditRecord:
    action: str
    key: str
    genesys_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    result: str  # an iac.vocabulary.ChangeResult value
    error: str | None
    duration_seconds: float
    job_id: str | None = None
    gates: list[dict[str, Any]] | None = None  # gate results for this destination
    verification: dict[str, Any] | None = None  # e.g. {"status": "verified", "message": ...}


class AuditTrail(Protocol):
    """Where a run's records go: the file below, or a database table (``iac.audit.table``)."""

    def check(self) -> None:
        """Raise IacError unless the whole trail verifies (before anything changes)."""

    def append(self, record: AuditRecord) -> dict[str, Any]:
        """Chain ``record`` to the last one; return the line as stored."""
        ...


def build_line(
    record: AuditRecord, *, run_id: str, actor: str, seq: int, prev_hash: str
) -> dict[str, Any]:
    """The record as one chained line, in ``FIELDS`` order: what every trail stores."""
    values: dict[str, Any] = {
        "seq": seq,
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "run_id": run_id,
        "actor": actor,
        "action": record.action,
        "key": record.key,
        "genesys_id": record.genesys_id,
        "before": redact(record.before),
        "after": redact(record.after),
        "result": record.result,
        "error": redact(record.error),
        "duration_seconds": round(record.duration_seconds, 3),
        "job_id": record.job_id,
        "gates": redact(record.gates),
        "verification": redact(record.verification),
        "prev_hash": prev_hash,
    }
    # Round-trip through JSON so the hash covers exactly what a reader will parse back
    # (tuples become lists, odd values become strings, non-string keys become strings).
    line: dict[str, Any] = json.loads(json.dumps(values, ensure_ascii=False, default=str))
    line["hash"] = record_hash(line)
    assert tuple(line) == FIELDS
    return line


class AuditLog:
    """Appends chained records to ``path``; safe for several writers on one file."""

    def __init__(self, path: Path, *, run_id: str, actor: str) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.actor = actor

    def check(self) -> None:
        """Raise IacError now unless the whole chain verifies (call before changing anything).

        Appending checks only the last line; a record edited further up would otherwise be
        buried under new ones, and the trail's promise is that no change lands in a chain
        that is already broken.
        """
        if not self.path.exists():
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            report = verify(self.path)
        finally:
            os.close(fd)
        if not report.ok:
            _damaged(self.path, f"line {report.first_bad_line}: {report.problem}")

    def append(self, record: AuditRecord) -> dict[str, Any]:
        """Write one record chained to the file's last one; returns the line as written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND keeps every write at the end; 0600 because records name people and systems.
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # The tail is read under the lock on every append, so two processes writing one
            # file still produce one chain rather than a fork (reading it costs one seek).
            fcntl.flock(fd, fcntl.LOCK_EX)
            prev_hash, last_seq = _tail(fd, self.path)
            line = build_line(
                record, run_id=self.run_id, actor=self.actor, seq=last_seq + 1, prev_hash=prev_hash
            )
            data = encode_line(line) + b"\n"
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)  # also releases the lock
        return line


def read_lines(path: Path) -> list[bytes]:
    """The file's records as lines, each with its b"\n" (split on it only, as ``verify``
    reads them); [] when there is no file."""
    try:
        with Path(path).open("rb") as file:
            return list(file)
    except FileNotFoundError:
        return []


def append_lines(path: Path, lines: Iterable[bytes]) -> int:
    """Append records copied from another trail (``iac state pull``) as they are.

    Each must be a valid record continuing the chain from the file's last one; otherwise
    nothing is appended. Returns how many were.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        prev_hash, last_seq = _tail(fd, path)
        into = f"the audit file {path}"
        copied = [c + b"\n" for c, _ in continuing(lines, last_seq, prev_hash, into=into)]
        data = b"".join(copied)
        while data:  # one write: readers see all the records or (on a crash) a torn tail
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    return len(copied)


def _tail(fd: int, path: Path) -> tuple[str, int]:
    """The last record's hash and seq, reading only the end of the file."""
    size = os.fstat(fd).st_size
    if size == 0:
        return GENESIS_HASH, 0
    if os.pread(fd, 1, size - 1) != b"\n":
        _damaged(path, "its last line is incomplete (no newline at the end)")
    chunks: list[bytes] = []
    end = size - 1  # the last line's newline
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        chunk = os.pread(fd, end - start, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            chunks.append(chunk[newline + 1 :])
            break
        chunks.append(chunk)
        end = start
    record, problem = check_line(b"".join(reversed(chunks)))
    if record is None:
        _damaged(path, f"its last line is not a valid record: {problem}")
    return record["hash"], record["seq"]


def _damaged(path: Path, why: str) -> NoReturn:
    raise IacError(
        f"The audit file {path} is damaged: {why}. iac will not append to it, so that "
        f"no change is recorded in a broken chain. Run `iac audit verify --file {path}` "
        "to find the damage; keep the file as evidence and move it aside to start a new "
        "trail."
    )
