"""verify: any edit, removal, insertion, reordering or truncation is named at its first line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from iac_testing.audit_trails import forge, raw_lines, records, save_lines, write_trail

from iac.audit import GENESIS_HASH, VerifyReport, verify
from iac.audit.chain import FIELDS, encode_line, record_hash

KEYS = ["orders", "billing", "audit", "leads", "refunds", "returns"]


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    return write_trail(tmp_path / "default.audit.jsonl", KEYS)


def broken(path: Path) -> tuple[int | None, str]:
    report = verify(path)
    assert not report.ok
    return report.first_bad_line, str(report.problem)


def test_an_untouched_trail_verifies(trail: Path) -> None:
    report = verify(trail)

    assert report == VerifyReport(
        ok=True, records=6, first_bad_line=None, problem=None, last_hash=records(trail)[-1]["hash"]
    )


def test_an_absent_file_is_ok_and_says_so(tmp_path: Path) -> None:
    report = verify(tmp_path / "nothing.audit.jsonl")

    assert (report.ok, report.records, report.missing) == (True, 0, True)
    assert report.problem == "no audit file"


def test_an_empty_file_is_ok_with_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.audit.jsonl"
    path.write_bytes(b"")

    assert verify(path) == VerifyReport(ok=True, records=0)


@pytest.mark.parametrize("line", range(1, len(KEYS) + 1))
def test_flipping_a_digit_of_the_duration_is_caught_at_that_line(trail: Path, line: int) -> None:
    lines = raw_lines(trail)
    lines[line - 1] = re.sub(
        rb'("duration_seconds":\d)', lambda m: m.group(1)[:-1] + b"9", lines[line - 1]
    )
    assert lines != raw_lines(trail)
    save_lines(trail, lines)

    assert broken(trail) == (line, "record was edited (hash mismatch)")
    assert verify(trail).records == line - 1


@pytest.mark.parametrize("line", range(1, len(KEYS) + 1))
def test_changing_one_character_of_the_key_is_caught_at_that_line(trail: Path, line: int) -> None:
    # Replace the key's first character (same length, so only one byte differs).
    lines = raw_lines(trail)
    content = bytearray(lines[line - 1])
    at = content.index(b'"key":"') + len(b'"key":"')
    content[at] = ord("Z")
    lines[line - 1] = bytes(content)
    save_lines(trail, lines)

    assert broken(trail) == (line, "record was edited (hash mismatch)")


def test_every_single_byte_edit_of_a_record_is_caught_at_that_line(trail: Path) -> None:
    original = raw_lines(trail)
    target = 3
    for offset in range(len(original[target - 1])):  # including its newline
        lines = list(original)
        content = bytearray(lines[target - 1])
        content[offset] ^= 0x01
        lines[target - 1] = bytes(content)
        save_lines(trail, lines)

        report = verify(trail)
        assert (report.ok, report.first_bad_line) == (False, target), (offset, report)


def test_edits_the_hash_cannot_see_are_caught_by_the_byte_comparison(trail: Path) -> None:
    lines = raw_lines(trail)
    lines[1] = lines[1].replace(b'"key":', b'"key": ', 1)  # JSON-equal, bytes differ
    save_lines(trail, lines)

    assert broken(trail) == (2, "record was edited (its bytes differ from what iac wrote)")


def test_removing_a_middle_record_names_the_line_after_the_gap(trail: Path) -> None:
    lines = raw_lines(trail)
    del lines[2]
    save_lines(trail, lines)

    assert broken(trail) == (3, "record seq 3 is missing (removed before this line)")


def test_removing_several_records_names_them(trail: Path) -> None:
    lines = raw_lines(trail)
    del lines[1:4]
    save_lines(trail, lines)

    assert broken(trail) == (2, "records seq 2-4 are missing (removed before this line)")


def test_removing_the_first_record_is_caught(trail: Path) -> None:
    save_lines(trail, raw_lines(trail)[1:])

    assert broken(trail) == (1, "record seq 1 is missing (removed before this line)")


def test_swapping_two_records_is_caught_at_the_first_of_them(trail: Path) -> None:
    lines = raw_lines(trail)
    lines[1], lines[3] = lines[3], lines[1]
    save_lines(trail, lines)

    line, problem = broken(trail)
    assert line == 2
    assert problem == ("records are out of order (expected seq 2, found seq 4; seq 2 is at line 4)")


def test_a_forged_record_with_a_stale_chain_link_is_caught_where_it_stands(trail: Path) -> None:
    lines = raw_lines(trail)
    forged = {**records(trail)[2], "key": "forged", "result": "succeeded"}
    forged["prev_hash"] = GENESIS_HASH  # the forger does not know what to chain to
    lines.insert(3, forge(forged))  # self-consistent: its own hash is right
    save_lines(trail, lines)

    line, problem = broken(trail)
    assert line == 4
    assert problem.startswith("record seq 3 appears again (first at line 3)")


def test_a_fully_chained_forged_insert_is_caught_at_the_next_record(trail: Path) -> None:
    originals = records(trail)
    lines = raw_lines(trail)
    forged = {
        **originals[2],
        "key": "forged",
        "seq": 3,
        "prev_hash": originals[1]["hash"],  # chains perfectly onto line 2
    }
    lines.insert(2, forge(forged))
    save_lines(trail, lines)

    line, problem = broken(trail)
    assert line == 4  # the genuine seq 3, now pushed down: its seq and prev_hash no longer fit
    assert problem.startswith("record seq 3 appears again (first at line 3)")


def test_a_forged_replacement_is_caught_by_the_next_link(trail: Path) -> None:
    originals = records(trail)
    lines = raw_lines(trail)
    lines[2] = forge({**originals[2], "result": "failed", "error": "covered up"})
    save_lines(trail, lines)

    assert broken(trail) == (
        4,
        "record does not chain to line 3 (prev_hash mismatch): a record was replaced or inserted",
    )


def test_a_first_record_not_chained_to_the_genesis_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "a.audit.jsonl"
    save_lines(path, [forge({"seq": 1, "prev_hash": "0" * 64, "action": "create"})])

    assert broken(path) == (
        1,
        "first record does not chain to the genesis hash (prev_hash mismatch)",
    )


def test_a_truncated_last_line_is_caught(trail: Path) -> None:
    lines = raw_lines(trail)
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    save_lines(trail, lines)

    assert broken(trail) == (6, "line is not valid JSON (truncated or edited)")


def test_a_missing_final_newline_is_caught(trail: Path) -> None:
    trail.write_bytes(trail.read_bytes()[:-1])

    assert broken(trail) == (
        6,
        "record is not terminated by a newline (truncated write or edited)",
    )


def test_invalid_json_in_the_middle_is_caught(trail: Path) -> None:
    lines = raw_lines(trail)
    lines.insert(2, b"not json at all\n")
    save_lines(trail, lines)

    assert broken(trail) == (3, "line is not valid JSON (truncated or edited)")


def test_a_blank_line_is_caught(trail: Path) -> None:
    lines = raw_lines(trail)
    lines.insert(4, b"\n")
    save_lines(trail, lines)

    assert broken(trail) == (5, "empty line (inserted or edited)")


def test_a_record_missing_fields_is_caught_even_with_a_recomputed_hash(trail: Path) -> None:
    originals = records(trail)
    lines = raw_lines(trail)
    stripped = {k: v for k, v in originals[1].items() if k not in ("actor", "error")}
    body = {k: v for k, v in stripped.items() if k != "hash"}
    body["hash"] = record_hash(body)
    lines[1] = encode_line(body) + b"\n"
    save_lines(trail, lines)

    assert broken(trail) == (2, "record is missing fields: actor, error")


def test_a_json_value_that_is_not_an_object_is_caught(trail: Path) -> None:
    lines = raw_lines(trail)
    lines[0] = json.dumps(list(FIELDS)).encode() + b"\n"
    save_lines(trail, lines)

    assert broken(trail) == (1, "line is not a JSON object (edited)")


def test_appending_after_verification_keeps_the_chain(trail: Path) -> None:
    write_trail(trail, ["late"], run_id="run-2")

    report = verify(trail)
    assert (report.ok, report.records) == (True, 7)
