"""``iac audit verify`` and ``iac audit show`` through click's test runner."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from iac_testing.audit_trails import (
    chained_file,
    raw_lines,
    record,
    records,
    save_lines,
    write_trail,
)

from iac.audit import AuditLog
from iac.cli.audit import audit


def run(*args: str) -> Result:
    return CliRunner().invoke(audit, list(args), catch_exceptions=False)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_group_help_describes_the_trail() -> None:
    result = run("--help")

    assert result.exit_code == 0
    assert "Inspect the tamper-evident audit trail." in result.output
    assert "verify" in result.output and "show" in result.output


# --- verify -------------------------------------------------------------------------------


def test_verify_reports_an_intact_trail(state_dir: Path) -> None:
    path = write_trail(state_dir / "default.audit.jsonl", ["orders", "billing", "audit"])

    result = run("verify", "--state-dir", str(state_dir))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Audit trail {path} is intact: 3 records, chain verified.",
        f"Last record hash: {records(path)[-1]['hash']}",
    ]


def test_verify_takes_a_workspace_or_a_file(state_dir: Path, tmp_path: Path) -> None:
    write_trail(state_dir / "prod.audit.jsonl", ["orders"])
    elsewhere = write_trail(tmp_path / "copy.jsonl", ["orders", "billing"])

    by_workspace = run("verify", "--state-dir", str(state_dir), "--workspace", "prod")
    by_file = run("verify", "--file", str(elsewhere))

    assert "prod.audit.jsonl is intact: 1 record, chain verified." in by_workspace.output
    assert f"{elsewhere} is intact: 2 records, chain verified." in by_file.output


def test_verify_says_when_there_is_no_trail(state_dir: Path) -> None:
    result = run("verify", "--state-dir", str(state_dir))

    assert result.exit_code == 0
    path = state_dir / "default.audit.jsonl"
    assert result.output == f"No audit trail at {path}: nothing to verify.\n"


def test_verify_rejects_a_bad_workspace_name(state_dir: Path) -> None:
    result = run("verify", "--state-dir", str(state_dir), "--workspace", "../etc")

    assert result.exit_code == 2
    assert "Invalid value for '--workspace'" in result.output


def test_editing_one_byte_of_an_audit_file_makes_verify_fail_at_that_record(
    state_dir: Path,
) -> None:
    path = state_dir / "default.audit.jsonl"
    log = AuditLog(path, run_id="run-1", actor="github:octocat")
    for n, key in enumerate(["orders", "billing", "audit", "leads", "refunds"]):
        log.append(record(key, action="create", genesys_id=f"id-{key}", duration_seconds=0.5 + n))
    assert run("verify", "--state-dir", str(state_dir)).exit_code == 0
    lines = raw_lines(path)
    assert len(lines) == 5
    # One byte: record 4's duration 3.5 becomes 3.6.
    assert lines[3].count(b'"duration_seconds":3.5,') == 1
    lines[3] = lines[3].replace(b'"duration_seconds":3.5,', b'"duration_seconds":3.6,')
    save_lines(path, lines)

    result = run("verify", "--state-dir", str(state_dir))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: Audit trail {path} is broken at line 4: record was edited (hash mismatch)\n"
    )


def test_verify_names_a_removed_record(state_dir: Path) -> None:
    path = write_trail(state_dir / "default.audit.jsonl", ["a", "b", "c", "d"])
    lines = raw_lines(path)
    del lines[1]
    save_lines(path, lines)

    result = run("verify", "--state-dir", str(state_dir))

    assert result.exit_code == 1
    assert (
        f"Audit trail {path} is broken at line 2: record seq 2 is missing "
        "(removed before this line)"
    ) in result.output


# --- show ---------------------------------------------------------------------------------


@pytest.fixture
def shown(state_dir: Path) -> Path:
    return chained_file(
        state_dir / "default.audit.jsonl",
        [
            {"time": "2026-11-29T05:23:37.440+00:00", "key": "orders", "genesys_id": "i-1"},
            {
                "time": "2026-11-29T06:00:00.000+00:00",
                "key": "billing-eu",
                "action": "update",
                "genesys_id": "i-2",
                "result": "failed",
                "error": "PUT config failed:\n  HTTP 409",
                "duration_seconds": 0.04,
                "verification": {"status": "failed", "message": "still ACTIVATING"},
            },
            {
                "time": "2026-11-30T01:00:00.000+00:00",
                "key": "orders",
                "action": "delete",
                "genesys_id": None,
                "actor": "github:octocat",
            },
            {
                "time": "2026-11-30T02:00:00.000+00:00",
                "key": "leads",
                "result": "blocked",
                "error": "preflight permission: role lacks integrations:integration:add",
                "duration_seconds": 0.0,
                "genesys_id": None,
                "gates": [{"kind": "preflight", "check": "permission", "outcome": "failed"}],
            },
        ],
    )


def test_show_prints_one_line_per_record(state_dir: Path, shown: Path) -> None:
    result = run("show", "--state-dir", str(state_dir))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2026-11-29T05:23:37.440Z  create   orders      succeeded  id=i-1  1.2s  "
        "run=abcd1234 actor=user:root",
        "2026-11-29T06:00:00.000Z  update   billing-eu  failed     id=i-2  0.0s  "
        "run=abcd1234 actor=user:root  verification=failed  error: PUT config failed: HTTP 409",
        "2026-11-30T01:00:00.000Z  delete   orders      succeeded  id=-  1.2s  "
        "run=abcd1234 actor=github:octocat",
        "2026-11-30T02:00:00.000Z  create   leads       blocked    id=-  0.0s  "
        "run=abcd1234 actor=user:root  error: preflight permission: role lacks "
        "integrations:integration:add",
    ]


def test_show_filters(state_dir: Path, shown: Path) -> None:
    def keys(*args: str) -> list[str]:
        result = run("show", "--state-dir", str(state_dir), *args)
        assert result.exit_code == 0, result.output
        return [line.split()[2] for line in result.output.splitlines()]

    assert keys("--destination", "orders") == ["orders", "orders"]
    assert keys("--action", "update") == ["billing-eu"]
    assert keys("--result", "failed") == ["billing-eu"]
    assert keys("--result", "blocked") == ["leads"]
    assert keys("--since", "2026-11-29T06:00:00Z") == ["billing-eu", "orders", "leads"]
    assert keys("--until", "2026-11-29T06:00:00Z") == ["orders"]
    assert keys("--since", "2026-11-29", "--until", "2026-11-30") == ["orders", "billing-eu"]


def test_show_json_is_an_array_of_full_records(state_dir: Path, shown: Path) -> None:
    result = run("show", "--state-dir", str(state_dir), "--format", "json", "--action", "delete")

    assert result.exit_code == 0
    [record] = json.loads(result.output)
    assert record == records(shown)[2]


def test_show_json_with_no_match_is_an_empty_array(state_dir: Path, shown: Path) -> None:
    result = run("show", "--state-dir", str(state_dir), "--format", "json", "--destination", "x")

    assert json.loads(result.output) == []


def test_show_text_with_no_match_says_so(state_dir: Path, shown: Path) -> None:
    result = run("show", "--state-dir", str(state_dir), "--destination", "nope")

    assert result.exit_code == 0
    assert "No audit records in" in result.output


def test_show_warns_about_bad_lines_and_shows_the_rest(state_dir: Path, shown: Path) -> None:
    lines = raw_lines(shown)
    lines.insert(1, b"garbage\n")
    save_lines(shown, lines)

    result = run("show", "--state-dir", str(state_dir))

    assert result.exit_code == 0
    assert f"Warning: line 2 of {shown} is not a valid audit record; skipped." in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("2026")]) == 4


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_bad_time_is_a_clean_usage_error(state_dir: Path, shown: Path, option: str) -> None:
    result = run("show", "--state-dir", str(state_dir), option, "yesterday")

    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert "'yesterday' is not an ISO-8601 date or time" in result.output
    assert "Traceback" not in result.output


def test_show_rejects_an_unknown_action(state_dir: Path, shown: Path) -> None:
    result = run("show", "--state-dir", str(state_dir), "--action", "upsert")

    assert result.exit_code == 2
    assert re.search(
        r"'upsert' is not one of 'create', 'update', 'replace', 'delete'", result.output
    )


def test_the_commands_import_nothing_heavy() -> None:
    code = (
        "import sys, iac.cli.audit; "
        "heavy = {'PureCloudPlatformClientV2', 'pydantic', 'httpx', 'iac.run', 'iac.apply'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout

    assert output.strip() == "[]"
