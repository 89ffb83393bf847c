"""Writing the trail: one chained JSON line per change attempt, private, naming who ran it."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from iac_testing.audit_trails import (
    chained_file,
    raw_lines,
    record,
    records,
    save_lines,
    write_trail,
)

from iac.audit import GENESIS_HASH, AuditLog, detect_actor, verify
from iac.audit.chain import canonical
from iac.errors import IacError

FIELDS = [
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
]


def test_append_writes_one_json_line_with_documented_fields(tmp_path: Path) -> None:
    path = tmp_path / "state" / "default.audit.jsonl"
    log = AuditLog(path, run_id="run-1", actor="github:octocat")

    log.append(
        record(
            result="failed",
            error="PUT config failed: HTTP 409",
            job_id="update.orders",
            gates=[{"gate": "policy", "status": "passed"}],
            verification={"status": "failed", "message": "still ACTIVATING"},
        )
    )

    [line] = records(path)
    assert list(line) == FIELDS
    assert (line["seq"], line["run_id"], line["actor"]) == (1, "run-1", "github:octocat")
    assert (line["action"], line["key"], line["genesys_id"]) == ("update", "orders", "i-1")
    assert (line["before"], line["after"]) == ({"name": "Orders"}, {"name": "Orders v2"})
    assert (line["result"], line["error"]) == ("failed", "PUT config failed: HTTP 409")
    assert line["duration_seconds"] == 0.123
    assert line["job_id"] == "update.orders"
    assert line["gates"] == [{"gate": "policy", "status": "passed"}]
    assert line["verification"] == {"status": "failed", "message": "still ACTIVATING"}
    when = datetime.fromisoformat(str(line["time"]))
    assert when.utcoffset() == timedelta(0)
    assert str(line["time"]).endswith(f".{when.microsecond // 1000:03d}+00:00")
    assert abs(datetime.now(timezone.utc) - when) < timedelta(minutes=1)


def test_new_fields_default_to_null(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    AuditLog(path, run_id="r", actor="user:a").append(record())

    [line] = records(path)
    assert (line["job_id"], line["gates"], line["verification"]) == (None, None, None)


def test_first_record_chains_to_the_documented_genesis(tmp_path: Path) -> None:
    path = write_trail(tmp_path / "a.audit.jsonl", ["orders"])

    [line] = records(path)
    assert hashlib.sha256(b"iac-audit-genesis-v1").hexdigest() == GENESIS_HASH
    assert line["prev_hash"] == GENESIS_HASH


def test_hash_is_sha256_of_the_canonical_record_without_its_hash(tmp_path: Path) -> None:
    path = write_trail(tmp_path / "a.audit.jsonl", ["orders", "café"])

    for line in records(path):
        body = {k: v for k, v in line.items() if k != "hash"}
        encoded = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert canonical(line) == encoded.encode("utf-8")
        assert line["hash"] == hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def test_records_chain_across_appends_and_runs(tmp_path: Path) -> None:
    path = tmp_path / "default.audit.jsonl"
    first = AuditLog(path, run_id="run-1", actor="user:a")
    first.append(record("orders"))
    first.append(record("billing"))
    second = AuditLog(path, run_id="run-2", actor="user:b")
    second.append(record("billing", action="delete"))
    first.append(record("orders", action="delete"))  # an old instance still chains onto the tail

    lines = records(path)
    assert [(r["seq"], r["run_id"], r["key"], r["action"]) for r in lines] == [
        (1, "run-1", "orders", "update"),
        (2, "run-1", "billing", "update"),
        (3, "run-2", "billing", "delete"),
        (4, "run-1", "orders", "delete"),
    ]
    assert [r["prev_hash"] for r in lines] == [GENESIS_HASH] + [r["hash"] for r in lines[:-1]]
    assert verify(path).ok and verify(path).records == 4


def test_append_returns_the_line_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    written = AuditLog(path, run_id="r", actor="user:a").append(record())

    assert records(path) == [written]


def test_audit_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "default.audit.jsonl"
    AuditLog(path, run_id="r", actor="user:a").append(record())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_values_json_cannot_hold_are_written_as_text_and_still_verify(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    AuditLog(path, run_id="r", actor="user:a").append(
        record(after={"tags": ("a", "b"), "since": when, 3: "three"})
    )

    [line] = records(path)
    assert line["after"] == {"tags": ["a", "b"], "since": str(when), "3": "three"}
    assert verify(path).ok


def test_a_raw_line_separator_in_a_value_does_not_split_the_record(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    log = AuditLog(path, run_id="r", actor="user:a")
    log.append(record(after={"notes": "one\u2028two\x85three"}))
    log.append(record())

    assert len(raw_lines(path)) == 2
    assert verify(path).records == 2


# --- refusing to extend a damaged file ---------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "why", "bad_line"),
    [
        (lambda lines: [*lines[:-1], lines[-1][:-20]], "no newline at the end", 2),
        (lambda lines: [*lines[:-1], lines[-1][:-20] + b"\n"], "not valid JSON", 2),
        (
            lambda lines: [*lines[:-1], lines[-1].replace(b"orders", b"ordera")],
            "hash mismatch",
            2,
        ),
        (lambda lines: [*lines, b"\n"], "empty line", 3),
        (lambda lines: [*lines, b'{"action": "update", "key": "x"}\n'], "no hash chain", 3),
    ],
    ids=["truncated", "truncated-with-newline", "edited", "blank-line", "unchained-legacy"],
)
def test_append_refuses_to_extend_a_damaged_file(
    tmp_path: Path, damage, why: str, bad_line: int
) -> None:
    path = write_trail(tmp_path / "default.audit.jsonl", ["billing", "orders"])
    save_lines(path, damage(raw_lines(path)))
    before = path.read_bytes()
    log = AuditLog(path, run_id="r", actor="user:a")

    with pytest.raises(IacError) as caught:
        log.check()
    with pytest.raises(IacError) as appended:
        log.append(record())

    for message in (str(caught.value), str(appended.value)):
        assert f"The audit file {path} is damaged" in message
        assert "iac audit verify" in message
    assert f"line {bad_line}:" in str(caught.value)  # the whole chain was checked
    assert why in str(appended.value)
    assert path.read_bytes() == before  # nothing was added, no new chain was started


def test_check_verifies_the_whole_chain_not_only_the_last_line(tmp_path: Path) -> None:
    path = write_trail(tmp_path / "default.audit.jsonl", ["billing", "orders", "audits", "ops"])
    lines = raw_lines(path)
    save_lines(path, [*lines[:2], lines[2].replace(b"audits", b"audit5"), *lines[3:]])
    before = path.read_bytes()

    with pytest.raises(IacError, match=r"damaged: line 3: record was edited"):
        AuditLog(path, run_id="r", actor="user:a").check()
    assert path.read_bytes() == before


def test_a_file_from_before_chaining_is_refused_with_a_way_out(tmp_path: Path) -> None:
    path = tmp_path / "default.audit.jsonl"
    legacy = {"time": "2025-01-01T00:00:00.000+00:00", "action": "create", "key": "orders"}
    path.write_text(json.dumps(legacy) + "\n")

    with pytest.raises(IacError, match=r"before audit chaining.*move it aside"):
        AuditLog(path, run_id="r", actor="user:a").append(record())


def test_check_passes_on_an_absent_empty_or_healthy_file(tmp_path: Path) -> None:
    AuditLog(tmp_path / "absent.audit.jsonl", run_id="r", actor="user:a").check()
    (tmp_path / "empty.audit.jsonl").write_bytes(b"")
    AuditLog(tmp_path / "empty.audit.jsonl", run_id="r", actor="user:a").check()
    healthy = write_trail(tmp_path / "ok.audit.jsonl", ["orders"])
    AuditLog(healthy, run_id="r", actor="user:a").check()

    assert not (tmp_path / "absent.audit.jsonl").exists()  # check never creates the file


def test_append_reads_only_the_tail_of_a_big_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = chained_file(
        tmp_path / "big.audit.jsonl",
        [{"key": f"d{n}", "after": {"blob": "x" * 200}} for n in range(20_000)],
    )
    assert path.stat().st_size > 5_000_000
    read = []
    real_pread = os.pread

    def counting_pread(fd: int, n: int, offset: int) -> bytes:
        data = real_pread(fd, n, offset)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "pread", counting_pread)
    written = AuditLog(path, run_id="r", actor="user:a").append(record())

    assert written["seq"] == 20_001
    assert sum(read) <= 65 * 1024
    monkeypatch.undo()
    assert verify(path).records == 20_001


def test_a_last_line_longer_than_one_read_is_still_found(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    log = AuditLog(path, run_id="r", actor="user:a")
    log.append(record("small"))
    log.append(record("big", after={"blob": "y" * 200_000}))
    log.append(record("big", after={"blob": "z" * 300_000}))
    log.append(record("after"))

    assert [r["seq"] for r in records(path)] == [1, 2, 3, 4]
    assert verify(path).ok


# --- secrets ------------------------------------------------------------------------------


def test_secret_named_keys_are_redacted_at_any_depth(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    AuditLog(path, run_id="r", actor="user:a").append(
        record(
            before={"name": "Orders", "clientSecret": "s3cr3t-1"},
            after={
                "name": "Orders",
                "nested": {"api_TOKEN": "t0k3n-2", "items": [{"Password": "p4ss-3", "ok": 1}]},
                "Authorization": "Basic YWxhZGRpbg==",
                "tokenCount": 5,
            },
            gates=[{"gate": "preflight", "details": {"access_token": "t0k3n-4"}}],
            verification={"status": "verified", "headers": {"authorization": "x-5"}},
        )
    )

    text = path.read_text()
    for secret in ("s3cr3t-1", "t0k3n-2", "p4ss-3", "YWxhZGRpbg==", "t0k3n-4", "x-5"):
        assert secret not in text
    [line] = records(path)
    assert line["before"] == {"name": "Orders", "clientSecret": "[redacted]"}
    assert line["after"] == {
        "name": "Orders",
        "nested": {"api_TOKEN": "[redacted]", "items": [{"Password": "[redacted]", "ok": 1}]},
        "Authorization": "[redacted]",
        "tokenCount": "[redacted]",  # over-redacting a count is cheaper than leaking a token
    }
    assert line["gates"] == [{"gate": "preflight", "details": {"access_token": "[redacted]"}}]
    assert line["verification"] == {
        "status": "verified",
        "headers": {"authorization": "[redacted]"},
    }
    assert verify(path).ok


def test_bearer_tokens_in_messages_are_redacted(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    AuditLog(path, run_id="r", actor="user:a").append(
        record(
            result="failed",
            error="HTTP 401 for request with Authorization: Bearer eyJhbGci.eyJzdWIi.sig",
            verification={"status": "failed", "message": "probe sent bearer abc123"},
        )
    )

    [line] = records(path)
    assert line["error"] == "HTTP 401 for request with Authorization: Bearer [redacted]"
    assert line["verification"]["message"] == "probe sent bearer [redacted]"


def test_the_callers_data_is_not_modified(tmp_path: Path) -> None:
    after = {"name": "Orders", "secret": "keep-me-in-memory"}
    AuditLog(tmp_path / "a.audit.jsonl", run_id="r", actor="user:a").append(record(after=after))

    assert after == {"name": "Orders", "secret": "keep-me-in-memory"}


# --- actor --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "actor"),
    [
        ({"GITHUB_ACTOR": "octocat", "USER": "runner"}, "github:octocat"),
        ({"GITLAB_USER_LOGIN": "jdoe"}, "gitlab:jdoe"),
        ({"GITHUB_ACTOR": "octocat", "GITLAB_USER_LOGIN": "jdoe"}, "github:octocat"),
        ({"GITHUB_ACTOR": "", "GITLAB_USER_LOGIN": "jdoe"}, "gitlab:jdoe"),
    ],
)
def test_actor_prefers_ci_variables(env: dict[str, str], actor: str) -> None:
    assert detect_actor(env) == actor


def test_actor_falls_back_to_os_user_outside_ci() -> None:
    assert detect_actor({}) == f"user:{getpass.getuser()}"
