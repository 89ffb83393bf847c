"""The hash chain: canonical encoding, record hashes, and verification of a whole trail.

Each line is one JSON object. Its ``hash`` is the SHA-256 (hex) of the record's canonical
encoding without the ``hash`` field: JSON with sorted keys, no whitespace, UTF-8, non-ASCII
kept as is. ``prev_hash`` is the previous line's ``hash`` (``GENESIS_HASH`` for the first
line) and ``seq`` is the 1-based line number, so editing, removing, inserting or reordering
records breaks the chain at a line ``verify`` can name.

A chain only proves the file is consistent with itself: whoever rewrites every record after
an edit, or drops the newest records, produces a valid chain. Keep the head hash that
``verify`` reports somewhere the writer cannot change (a CI log, a ticket) to detect that.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iac.errors import IacError

GENESIS_HASH = hashlib.sha256(b"iac-audit-genesis-v1").hexdigest()
"""The ``prev_hash`` of the first record of every audit file: sha256("iac-audit-genesis-v1")."""

# The order fields are written in (the hash does not depend on it; readers appreciate it).
FIELDS = (
    "seq",
    "time",
    "run_id",
    "actor",
    "action",
    "key",
    "genesys_id",
    "before",
    "after",
    "result",
    "error",
    "duration_seconds",
    "job_id",
    "gates",
    "verification",
    "prev_hash",
    "hash",
)

_HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash covers: every field but ``hash``, in canonical JSON."""
    body = {name: value for name, value in record.items() if name != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def encode_line(record: Mapping[str, Any]) -> bytes:
    """A record as written to the file (without the newline), in its own field order.

    Verification re-encodes each parsed line and compares bytes, so even edits the hash
    cannot see (added whitespace, ``1.0`` written as ``1.00``, a duplicated key) are caught.
    """
    return json.dumps(dict(record), separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    records: int  # records verified before the first bad line (all of them when ok)
    first_bad_line: int | None = None  # 1-based line number in the file
    problem: str | None = None
    # The last verified record's hash: when ok, the chain's head, worth recording elsewhere.
    last_hash: str | None = None
    missing: bool = False  # the file does not exist


def check_line(content: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Parse one line (newline stripped) and check it on its own: fields, hash, bytes.

    Returns ``(record, None)`` or ``(None, problem)``; chaining is the caller's job.
    """
    if not content.strip():
        return None, "empty line (inserted or edited)"
    try:
        record = json.loads(content.decode())
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "line is not valid JSON (truncated or edited)"
    if not isinstance(record, dict):
        return None, "line is not a JSON object (edited)"
    absent = [name for name in FIELDS if name not in record]
    if absent:
        if {"seq", "prev_hash", "hash"} <= set(absent) and "action" in record:
            return None, "record has no hash chain (written by an iac before audit chaining)"
        return None, f"record is missing fields: {', '.join(absent)}"
    seq = record["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return None, "record has an invalid seq (edited)"
    for name in ("hash", "prev_hash"):
        if not isinstance(record[name], str) or not _HEX64.fullmatch(record[name]):
            return None, f"record has an invalid {name} (edited)"
    if record_hash(record) != record["hash"]:
        return None, "record was edited (hash mismatch)"
    if encode_line(record) != content:
        return None, "record was edited (its bytes differ from what iac wrote)"
    return record, None


def continuation_problem(record: Mapping[str, Any], last_seq: int, prev_hash: str) -> str | None:
    """Why a record copied from another trail does not follow a trail ending at ``last_seq``
    (whose last hash is ``prev_hash``); None when it does."""
    if (record["seq"], record["prev_hash"]) == (last_seq + 1, prev_hash):
        return None
    return (
        f"it does not continue the trail (it is seq {record['seq']}, chained to "
        f"{record['prev_hash'][:12]}; the trail ends at seq {last_seq}, {prev_hash[:12]})"
    )


def continuing(
    lines: Iterable[bytes], last_seq: int, prev_hash: str, *, into: str
) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Each copied line (without its newline) with its record, checked to continue a trail
    ending at ``last_seq``/``prev_hash``; the first that does not raises IacError naming
    ``into``, before the caller has written anything it could not take back."""
    for number, raw in enumerate(lines, start=1):
        content = raw[:-1] if raw.endswith(b"\n") else raw
        record, problem = check_line(content)
        if record is not None:
            problem = continuation_problem(record, last_seq, prev_hash)
        if record is None or problem is not None:
            raise IacError(
                f"Record {number} to copy into {into} is refused: {problem}. Nothing was copied."
            )
        yield content, record
        prev_hash, last_seq = record["hash"], record["seq"]


def _line_of_seq(rest: Iterator[tuple[int, bytes]], seq: int) -> int | None:
    """The line holding record ``seq`` among the lines still to come, to tell reordering
    from removal (verification stops at this line, so it may consume the rest)."""
    for number, raw in rest:
        try:
            record = json.loads(raw.decode())
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        if isinstance(record, dict) and record.get("seq") == seq:
            return number
    return None


def _chain_problem(
    number: int, record: Mapping[str, Any], prev: str, rest: Iterator[tuple[int, bytes]]
) -> str | None:
    """Why a self-consistent record at line ``number`` does not follow the line before it."""
    seq = record["seq"]
    if seq > number:
        later = _line_of_seq(rest, number)
        if later is not None:
            return (
                f"records are out of order (expected seq {number}, found seq {seq}; "
                f"seq {number} is at line {later})"
            )
        if seq == number + 1:
            return f"record seq {number} is missing (removed before this line)"
        return f"records seq {number}-{seq - 1} are missing (removed before this line)"
    if seq < number:
        return (
            f"record seq {seq} appears again (first at line {seq}): a record was inserted or "
            "copied at or before this line"
        )
    if record["prev_hash"] != prev:
        if number == 1:
            return "first record does not chain to the genesis hash (prev_hash mismatch)"
        return (
            f"record does not chain to line {number - 1} (prev_hash mismatch): a record was "
            "replaced or inserted"
        )
    return None


def verify(path: Path) -> VerifyReport:
    """Check every line of the file and the chain; report the first bad line, 1-based."""
    path = Path(path)
    if not path.exists():
        return VerifyReport(ok=True, records=0, problem="no audit file", missing=True)
    with path.open("rb") as file:
        # Binary iteration splits on b"\n" only: JSON escapes it inside strings, whereas
        # str.splitlines would also split on U+2028 and friends, which JSON leaves raw.
        return verify_lines(file)


def verify_lines(lines: Iterable[bytes]) -> VerifyReport:
    """Check a trail given as its lines, each with its b"\n" ending (as a binary file yields
    them; a database table's rows with one added), streaming: big trails cost no memory."""
    numbered = enumerate(lines, start=1)
    prev, good = GENESIS_HASH, 0
    for number, raw in numbered:
        terminated = raw.endswith(b"\n")
        content = raw[:-1] if terminated else raw
        record, problem = check_line(content)
        if record is not None:
            problem = _chain_problem(number, record, prev, numbered)
        if problem is None and not terminated:
            problem = "record is not terminated by a newline (truncated write or edited)"
        if problem is not None:
            return VerifyReport(
                ok=False, records=good, first_bad_line=number, problem=problem, last_hash=prev
            )
        assert record is not None
        prev, good = record["hash"], good + 1
    return VerifyReport(ok=True, records=good, last_hash=prev if good else None)
