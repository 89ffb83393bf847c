"""Hostile input: each known nasty file ends in one message naming the file and line, within
2 s and 200 MB (measured here with generous bounds for a busy machine), never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_inputs import HOSTILE, Hostile

from iac.config import ConfigError, collect_variables, limits, load_config
from iac.config.policy import load_policy

Write = Callable[[str, str], Path]

REPO_ROOT = Path(__file__).resolve().parents[2]
SECONDS_PER_CASE = 10.0  # the target is 2 s; a busy CI machine may be much slower
PEAK_MEMORY_MB = 200

VALID = """\
destinations:
  orders:
    name: Orders
    aws_account_id: "123456789012"
    aws_region: us-east-1
    event_source_suffix: orders
    topic_filters: [v2.users.presence]
"""


def load_problems(folder: Path, variables: dict[str, object] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(folder, variables)
    assert "Traceback" not in str(info.value)
    return info.value


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test_hostile_file_ends_in_one_message_with_file_and_line(tmp_path: Path, case: Hostile) -> None:
    path = tmp_path / "d.yaml"
    path.write_bytes(case.text)
    error = load_problems(tmp_path)
    assert len(error.problems) == 1, str(error)
    problem = error.problems[0]
    line = case.line or problem.line
    assert (problem.file, problem.line) == (path, line), str(error)
    assert line >= 1
    assert case.said_in(problem.message)
    assert str(error).startswith(f"{path}:{line}: ")


# A child process runs `iac validate` on every case (one after another, so its peak memory
# bounds each of them) and reports, per case, the exit code, the output and the time taken.
_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a regression must not sink CI
    from click.testing import CliRunner
    from iac.cli.app import cli

    def peak_mb():
        # VmHWM belongs to this program; ru_maxrss would count the parent's memory at the
        # fork that started it (Linux keeps it across exec).
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) // 1024
        except OSError:
            pass
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak >> 20 if sys.platform == "darwin" else peak >> 10

    results = []
    for folder in sys.argv[1:]:
        start = time.monotonic()
        result = CliRunner().invoke(cli, ["validate", folder])
        seconds = time.monotonic() - start
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        peak = peak_mb()  # so far
        results.append([result.exit_code, result.output, seconds, crashed, peak])
    print(json.dumps(results))
    """
)


def test_hostile_files_take_little_time_and_memory_in_iac_validate(tmp_path: Path) -> None:
    folders = []
    for number, case in enumerate(HOSTILE):
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        (folder / "d.yaml").write_bytes(case.text)
        folders.append(str(folder))
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, *folders],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_CASE * len(HOSTILE),
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.splitlines()[-1])
    for case, folder, (code, output, seconds, crashed, peak) in zip(
        HOSTILE, folders, report, strict=True
    ):
        assert not crashed, f"{case.name}: {output}"
        assert code == 1, f"{case.name}: {output}"
        line = case.line or int(output.split(":")[2])
        assert output == f"Error: {folder}/d.yaml:{line}: {output.split(': ', 2)[2]}"
        assert output.count("\n") == 1, f"{case.name}: more than one line: {output}"
        assert case.said_in(output)
        assert seconds < SECONDS_PER_CASE, f"{case.name} took {seconds:.1f} s"
        assert peak < PEAK_MEMORY_MB, f"{case.name}: peak memory {peak} MB"


# --- the same limits on the other files YAML is read from --------------------------------


def test_variable_file_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = next(case for case in HOSTILE if case.name == "billion laughs")
    path = tmp_path / "vars.yaml"
    path.write_bytes(bomb.text)
    with pytest.raises(ConfigError) as info:
        collect_variables([], [path], {})
    assert str(info.value) == f"{path}:5: " + info.value.problems[0].message
    assert "alias *d takes the file past" in str(info.value)


def test_variable_file_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "vars.yaml"
    path.write_bytes(b"a: " + b"x" * limits.MAX_FILE_BYTES)
    with pytest.raises(ConfigError) as info:
        collect_variables([], [path], {})
    assert str(info.value).startswith(f"{path}:1: variable file is larger than 1,048,576 bytes")


def test_policy_file_with_a_nul_byte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"allow_delete: true\nallow_replace: \x00\n")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value).startswith(f"{path}:2: the file contains a NUL character")


def test_a_variable_that_is_not_unicode_text_is_named_with_the_line(
    tmp_path: Path, write: Write
) -> None:
    # os.environ holds undecodable bytes as lone surrogates; YAML cannot take them.
    write("d.yaml", "destinations: {}\n# {{ note }}\n")
    error = load_problems(tmp_path, {"note": "caf\udce9"})
    assert str(error) == (
        f"{tmp_path / 'd.yaml'}:2: the file contains U+DCE9, half of a surrogate pair, which is"
        " not valid Unicode text (a variable's value read from bytes that are not UTF-8?)"
    )


def test_template_output_with_a_control_character_points_at_the_rendered_line(
    tmp_path: Path, write: Write
) -> None:
    write("d.yaml", "destinations: {}\n# {{ bell }}\n")
    error = load_problems(tmp_path, {"bell": "\x07"})
    assert str(error).startswith(f"{tmp_path / 'd.yaml'}:2: the file contains the control")


# --- what stays accepted ---------------------------------------------------------------------


def test_byte_order_mark_and_windows_newlines_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff" + VALID.replace("\n", "\r\n")
    (tmp_path / "d.yaml").write_bytes(text.encode("utf-8"))
    assert list(load_config(tmp_path).destinations) == ["orders"]


def test_anchors_and_merge_keys_within_the_limits_still_work(tmp_path: Path, write: Write) -> None:
    write(
        "d.yaml",
        """\
        destinations:
          orders: &orders
            name: Orders
            aws_account_id: "123456789012"
            aws_region: us-east-1
            event_source_suffix: orders
            topic_filters: &topics [v2.users.presence, "v2.users.{id}.activity"]
          billing:
            <<: *orders
            name: Billing
            event_source_suffix: billing
          audit: {<<: *orders, name: Audit, event_source_suffix: audit, topic_filters: *topics}
        """,
    )
    config = load_config(tmp_path)
    assert sorted(config.destinations) == ["audit", "billing", "orders"]
    assert config.destinations["billing"].topic_filters == [
        "v2.users.presence",
        "v2.users.{id}.activity",
    ]


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    text = VALID + "#" * (limits.MAX_FILE_BYTES - len(VALID) - 1) + "\n"
    (tmp_path / "d.yaml").write_text(text, encoding="utf-8")
    assert len(text.encode()) == limits.MAX_FILE_BYTES
    assert list(load_config(tmp_path).destinations) == ["orders"]


def test_a_long_template_loop_within_the_limits_renders(tmp_path: Path, write: Write) -> None:
    write(
        "d.yaml",
        """\
        destinations:
        {% for i in range(300) %}
          d{{ i }}:
            name: Destination {{ i }}
            aws_account_id: "123456789012"
            aws_region: us-east-1
            event_source_suffix: s{{ i }}
            topic_filters: [{{ (['v2.users.presence'] * 3) | join(', ') }}]
        {% endfor %}
        """,
    )
    assert len(load_config(tmp_path).destinations) == 300


# --- many problems ----------------------------------------------------------------------------


def test_a_file_with_thousands_of_problems_lists_the_first_hundred(
    tmp_path: Path, write: Write
) -> None:
    write("d.yaml", "destinations:\n" + "".join(f"  d{i}: 1\n" for i in range(1000)))
    error = load_problems(tmp_path)
    assert len(error.problems) == limits.MAX_PROBLEMS_PER_FILE + 1
    last = error.problems[-1]
    assert (last.line, last.message) == (
        102,
        "... and 900 more problems in this file (fix these first)",
    )


# --- the README lists the limits ----------------------------------------------------------


def test_readme_yaml_reference_states_each_limit() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## YAML reference", 1)[1].split("\n## ", 1)[0]
    stated = {
        limits.MAX_FILE_BYTES,
        limits.MAX_RENDERED_CHARS,
        limits.MAX_YAML_VALUES,
        limits.MAX_YAML_CHARS,
        limits.MAX_YAML_DEPTH,
        limits.MAX_TEMPLATE_TOKENS,
        limits.MAX_TEMPLATE_VALUE,
        limits.MAX_TEMPLATE_WORK,
        limits.MAX_TEMPLATE_STEPS,
        limits.MAX_TEMPLATE_INT_BITS,
        limits.MAX_PROBLEMS_PER_FILE,
    }
    numbers = {int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", section)}
    assert stated <= numbers, f"not in the README's YAML reference: {sorted(stated - numbers)}"
    seconds, megabytes = limits.MAX_TEMPLATE_SECONDS, limits.MAX_TEMPLATE_MEMORY >> 20
    assert f"| rendering one file | {seconds:g} s, and {megabytes} MB more memory" in section
