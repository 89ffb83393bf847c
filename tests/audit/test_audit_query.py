"""query: the records behind ``iac audit show``, filtered by destination, action, result, time."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from iac_testing.audit_trails import chained_file, raw_lines, save_lines, write_trail

from iac.audit import query
from iac.audit.query import parse_time
from iac.errors import IacError


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    return chained_file(
        tmp_path / "default.audit.jsonl",
        [
            {"time": "2026-11-28T23:59:59.999+00:00", "key": "orders", "action": "create"},
            {"time": "2026-11-29T05:00:00.000+00:00", "key": "billing", "action": "create"},
            {
                "time": "2026-11-29T06:00:00.000+00:00",
                "key": "orders",
                "action": "update",
                "result": "failed",
                "error": "HTTP 409",
            },
            {"time": "2026-11-30T00:00:00.000+00:00", "key": "orders", "action": "delete"},
        ],
    )


def keys_and_actions(found: list[dict]) -> list[tuple[str, str]]:
    return [(r["key"], r["action"]) for r in found]


def test_no_filter_returns_every_record_in_file_order(trail: Path) -> None:
    found = query(trail)

    assert [r["seq"] for r in found] == [1, 2, 3, 4]
    assert {"hash", "prev_hash", "time", "actor"} <= set(found[0])


def test_filter_by_destination_action_and_result(trail: Path) -> None:
    assert keys_and_actions(query(trail, key="orders")) == [
        ("orders", "create"),
        ("orders", "update"),
        ("orders", "delete"),
    ]
    assert keys_and_actions(query(trail, action="create")) == [
        ("orders", "create"),
        ("billing", "create"),
    ]
    assert keys_and_actions(query(trail, result="failed")) == [("orders", "update")]
    assert keys_and_actions(query(trail, key="orders", action="create")) == [("orders", "create")]
    assert query(trail, key="nope") == []


def test_since_is_inclusive_and_until_exclusive(trail: Path) -> None:
    day = query(
        trail,
        since=datetime(2026, 11, 29, tzinfo=timezone.utc),
        until=datetime(2026, 11, 30, tzinfo=timezone.utc),
    )
    assert keys_and_actions(day) == [("billing", "create"), ("orders", "update")]

    exact = query(trail, since=datetime(2026, 11, 29, 6, tzinfo=timezone.utc))
    assert keys_and_actions(exact) == [("orders", "update"), ("orders", "delete")]


def test_naive_times_are_utc_and_other_zones_are_converted(trail: Path) -> None:
    assert len(query(trail, since=datetime(2026, 11, 29, 6))) == 2
    assert parse_time("2026-11-29T07:00:00+01:00") == datetime(2026, 11, 29, 6, tzinfo=timezone.utc)
    assert parse_time("2026-11-29T06:00:00Z") == datetime(2026, 11, 29, 6, tzinfo=timezone.utc)
    assert parse_time("2026-11-29") == datetime(2026, 11, 29, tzinfo=timezone.utc)


def test_records_written_by_audit_log_are_found_by_time(tmp_path: Path) -> None:
    path = write_trail(tmp_path / "a.audit.jsonl", ["orders", "billing"])
    now = datetime.now(timezone.utc)

    assert len(query(path, since=datetime(2000, 1, 1), until=now.replace(year=now.year + 1))) == 2
    assert query(path, since=now.replace(year=now.year + 1)) == []


def test_an_absent_file_has_no_records(tmp_path: Path) -> None:
    assert query(tmp_path / "none.audit.jsonl") == []


def test_a_bad_line_raises_unless_a_callback_takes_it(trail: Path) -> None:
    lines = raw_lines(trail)
    lines.insert(1, b"{truncated\n")
    save_lines(trail, lines)

    with pytest.raises(IacError, match=r"Line 2 of .* is not a valid audit record"):
        query(trail)

    seen: list[tuple[int, str]] = []
    found = query(trail, on_bad_line=lambda line, problem: seen.append((line, problem)))
    assert len(found) == 4
    assert seen == [(2, "not a valid audit record")]
