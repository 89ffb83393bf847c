"""Plain-data helpers for audit tests: records, trails written by AuditLog, raw line surgery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iac.audit import GENESIS_HASH, AuditLog, AuditRecord
from iac.audit.chain import FIELDS, encode_line, record_hash


def record(key: str = "orders", **overrides: Any) -> AuditRecord:
    values: dict[str, Any] = {
        "action": "update",
        "key": key,
        "genesys_id": "i-1",
        "before": {"name": "Orders"},
        "after": {"name": "Orders v2"},
        "result": "succeeded",
        "error": None,
        "duration_seconds": 0.123456,
    }
    values.update(overrides)
    return AuditRecord(**values)


def write_trail(path: Path, keys: list[str], *, run_id: str = "run-1") -> Path:
    """A trail of len(keys) records appended by AuditLog, one per key."""
    log = AuditLog(path, run_id=run_id, actor="user:test")
    for n, key in enumerate(keys):
        log.append(record(key, duration_seconds=1.25 + n, job_id=f"job-{n + 1}"))
    return path


def raw_lines(path: Path) -> list[bytes]:
    """The file's lines with their newlines, split on b"\\n" only."""
    return path.read_bytes().splitlines(keepends=True)


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in raw_lines(path)]


def save_lines(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(lines))


def forge(fields: dict[str, Any]) -> bytes:
    """A line whose hash is recomputed: self-consistent, as a careful forger would write it."""
    line = {name: fields.get(name) for name in FIELDS if name != "hash"}
    line["hash"] = record_hash(line)
    return encode_line(line) + b"\n"


def chained_file(path: Path, entries: list[dict[str, Any]]) -> Path:
    """A valid trail built from partial records (e.g. with chosen times), for query tests."""
    prev, lines = GENESIS_HASH, []
    for seq, entry in enumerate(entries, start=1):
        fields = {
            "time": "2026-11-29T05:23:37.440+00:00",
            "run_id": "abcd1234-0000-0000-0000-000000000000",
            "actor": "user:root",
            "action": "create",
            "key": "orders",
            "genesys_id": "i-1",
            "result": "succeeded",
            "duration_seconds": 1.234,
            **entry,
            "seq": seq,
            "prev_hash": prev,
        }
        line = forge(fields)
        prev = json.loads(line)["hash"]
        lines.append(line)
    save_lines(path, lines)
    return path
