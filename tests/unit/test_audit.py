"""The audit trail: one JSON line per change attempt, appended, private, naming who ran it."""

from __future__ import annotations

import getpass
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from iac.audit import AuditLog, AuditRecord, detect_actor

FIELDS = [
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
]


def record(key: str = "orders", **overrides: object) -> AuditRecord:
    values: dict[str, object] = {
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
    return AuditRecord(**values)  # type: ignore[arg-type]


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_append_writes_one_json_line_with_documented_fields(tmp_path: Path) -> None:
    path = tmp_path / "state" / "default.audit.jsonl"
    log = AuditLog(path, run_id="run-1", actor="github:octocat")

    log.append(record(result="failed", error="PUT config failed: HTTP 409"))

    [line] = lines(path)
    assert list(line) == FIELDS
    assert line["run_id"] == "run-1"
    assert line["actor"] == "github:octocat"
    assert (line["action"], line["key"], line["genesys_id"]) == ("update", "orders", "i-1")
    assert (line["before"], line["after"]) == ({"name": "Orders"}, {"name": "Orders v2"})
    assert (line["result"], line["error"]) == ("failed", "PUT config failed: HTTP 409")
    assert line["duration_seconds"] == 0.123
    when = datetime.fromisoformat(str(line["time"]))
    assert when.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - when) < timedelta(minutes=1)


def test_append_never_truncates_earlier_runs(tmp_path: Path) -> None:
    path = tmp_path / "default.audit.jsonl"
    AuditLog(path, run_id="run-1", actor="user:a").append(record("orders"))
    AuditLog(path, run_id="run-2", actor="user:b").append(record("billing"))
    AuditLog(path, run_id="run-2", actor="user:b").append(record("billing", action="delete"))

    assert [(r["run_id"], r["key"], r["action"]) for r in lines(path)] == [
        ("run-1", "orders", "update"),
        ("run-2", "billing", "update"),
        ("run-2", "billing", "delete"),
    ]


def test_audit_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "default.audit.jsonl"
    AuditLog(path, run_id="r", actor="user:a").append(record())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


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
