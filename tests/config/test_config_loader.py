"""load_config: folder handling, normalisation, and file:line: path: message reporting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iac.config import ConfigError, DesiredConfig, SourceLocation, load_config
from iac.errors import IacError

Write = Callable[[str, str], Path]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Field -> YAML value text of a valid destination; tests override one field at a time.
VALID_FIELDS: dict[str, str] = {
    "name": "Orders to AWS",
    "aws_account_id": '"123456789012"',
    "aws_region": "us-east-1",
    "event_source_suffix": "orders-prod",
    "topic_filters": "\n      - v2.users.{id}.activity",
    "enabled": "true",
}


def destination_yaml(key: str = "orders", **fields: str | None) -> str:
    """YAML text of one destination entry (indented under ``destinations:``).

    A field given as ``None`` is left out; any other value is pasted as raw YAML text.
    """
    values = {**VALID_FIELDS, **fields}
    lines = [f"  {key}:"]
    lines += [f"    {name}: {value}" for name, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


def config_yaml(*entries: str) -> str:
    return "destinations:\n" + "".join(entries)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def load_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return str(info.value)


# --- happy paths ---------------------------------------------------------------------------


def test_example_loads() -> None:
    config = load_config(EXAMPLES)
    assert isinstance(config, DesiredConfig)
    assert len(config.destinations) == 3
    assert {d.enabled for d in config.destinations.values()} == {True, False}
    assert any(d.notes for d in config.destinations.values())
    for key, location in config.locations.items():
        assert location.file == EXAMPLES / "destinations.yaml"
        assert f"  {key}:" in location.file.read_text().splitlines()[location.line - 1]


def test_valid_file_normalises_and_defaults(tmp_path: Path, write: Write) -> None:
    text = config_yaml(
        destination_yaml(
            topic_filters="\n      - v2.users.{id}.activity\n      - v2.a\n      - v2.a",
            enabled=None,
        )
    )
    write("d.yaml", text)
    config = load_config(tmp_path)
    orders = config.destinations["orders"]
    assert orders.topic_filters == ["v2.a", "v2.users.{id}.activity"]
    assert orders.enabled is True
    assert orders.notes is None
    assert orders.aws_account_id == "123456789012"
    assert config.locations["orders"] == SourceLocation(tmp_path / "d.yaml", 2)
    assert config.files == (tmp_path / "d.yaml",)


def test_keys_sorted_across_files_and_locations(tmp_path: Path, write: Write) -> None:
    write("b.yml", config_yaml(destination_yaml("zeta", event_source_suffix="z")))
    write(
        "a.yaml",
        config_yaml(
            destination_yaml("mid", event_source_suffix="m"),
            destination_yaml("alpha", event_source_suffix="a"),
        ),
    )
    config = load_config(tmp_path)
    assert list(config.destinations) == ["alpha", "mid", "zeta"]
    assert list(config.locations) == ["alpha", "mid", "zeta"]
    assert config.locations["alpha"] == SourceLocation(tmp_path / "a.yaml", 10)
    assert config.locations["zeta"] == SourceLocation(tmp_path / "b.yml", 2)
    assert config.files == (tmp_path / "a.yaml", tmp_path / "b.yml")


def test_empty_and_comment_only_files_are_skipped(tmp_path: Path, write: Write) -> None:
    write("a.yaml", "")
    write("b.yaml", "# yaml-language-server: $schema=x.json\n# nothing yet\n")
    write("c.yaml", config_yaml(destination_yaml()))
    assert list(load_config(tmp_path).destinations) == ["orders"]


def test_empty_destinations_mapping_is_valid(tmp_path: Path, write: Write) -> None:
    write("a.yaml", "destinations: {}\n")
    assert load_config(tmp_path).destinations == {}


def test_only_top_level_yaml_files_are_read(tmp_path: Path, write: Write) -> None:
    write("main.yaml", config_yaml(destination_yaml()))
    write(".github/workflows/ci.yaml", "on: push\njobs: {}\n")
    write("README.md", "not yaml: [")
    write("notes.txt", "destinations: 1")
    (tmp_path / "dir.yaml").mkdir()  # a folder named like a YAML file is not a file
    assert list(load_config(tmp_path).destinations) == ["orders"]


def test_yaml_anchors_and_merge_keys_work(tmp_path: Path, write: Write) -> None:
    text = """\
        destinations:
          first: &base
            name: First
            aws_account_id: "123456789012"
            aws_region: us-east-1
            event_source_suffix: first
            topic_filters: [v2.a]
          second:
            <<: *base
            name: Second
            event_source_suffix: second
        """
    path = write("a.yaml", text)
    config = load_config(path.parent)
    assert config.destinations["second"].name == "Second"
    assert config.destinations["second"].aws_region == "us-east-1"


# --- folder problems -----------------------------------------------------------------------


def test_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert load_error(missing) == f"config folder not found: {missing}"


def test_path_is_a_file(tmp_path: Path, write: Write) -> None:
    path = write("a.yaml", "destinations: {}\n")
    assert "not a folder" in load_error(path)


def test_no_yaml_files(tmp_path: Path, write: Write) -> None:
    write("readme.md", "hello")
    assert load_error(tmp_path) == f"no *.yaml or *.yml files in {tmp_path}"


def test_config_error_is_an_iac_error() -> None:
    assert issubclass(ConfigError, IacError)


# --- field problems: file:line: path: message ---------------------------------------------

FIELD_CASES = [
    # (field, raw YAML value, text expected in the message)
    ("aws_account_id", "123456789012", "quote it so YAML keeps leading zeros"),
    ("aws_account_id", '"12345678901"', "must be a string of exactly 12 digits"),
    ("aws_account_id", '"12345678901a"', "must be a string of exactly 12 digits"),
    ("aws_region", "us_east_1", "AWS region code"),
    ("aws_region", "US-EAST-1", "AWS region code"),
    ("event_source_suffix", '"orders prod"', "1-64 characters"),
    ("event_source_suffix", "a" * 65, "1-64 characters"),
    ("event_source_suffix", '""', "1-64 characters"),
    ("name", '""', "1-200 characters"),
    ("name", '"   "', "not blank"),
    ("name", "x" * 201, "201 characters"),
    ("name", "123", "must be text"),
    ("enabled", '"yes"', "must be true or false"),
    ("enabled", "1", "must be true or false"),
    ("notes", "[a, b]", "must be text"),
    ("topic_filters", "[]", "at least one topic"),
    ("topic_filters", "v2.users.{id}.activity", "must be a list of topics"),
]


@pytest.mark.parametrize(("field", "value", "expected"), FIELD_CASES)
def test_bad_field_value_reports_file_line_and_path(
    tmp_path: Path, write: Write, field: str, value: str, expected: str
) -> None:
    text = config_yaml(destination_yaml(**{field: value}))
    path = write("dest.yaml", text)
    message = load_error(tmp_path)
    prefix = f"{path}:{line_of(text, f'{field}:')}: destinations.orders.{field}: "
    assert message.startswith(prefix), message
    assert expected in message
    assert "\n" not in message  # exactly one problem
    assert "pydantic" not in message


def test_bad_account_id_message_exactly(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", config_yaml(destination_yaml(aws_account_id="123456789012")))
    assert load_error(tmp_path) == (
        f"{path}:4: destinations.orders.aws_account_id: must be a string of exactly 12 digits;"
        " quote it so YAML keeps leading zeros (got the number 123456789012)"
    )


def test_bad_topic_item_points_at_its_line(tmp_path: Path, write: Write) -> None:
    topics = "\n      - v2.users.{id}.activity\n      - v2..broken\n      - v3.x"
    text = config_yaml(destination_yaml(topic_filters=topics))
    path = write("dest.yaml", text)
    lines = load_error(tmp_path).splitlines()
    assert lines[0].startswith(
        f"{path}:{line_of(text, 'v2..broken')}: destinations.orders.topic_filters[1]: "
    )
    assert "'v2..broken'" in lines[0]
    assert lines[1].startswith(
        f"{path}:{line_of(text, 'v3.x')}: destinations.orders.topic_filters[2]: "
    )


def test_missing_field_points_at_the_destination_key(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", config_yaml(destination_yaml(aws_region=None)))
    assert load_error(tmp_path) == (
        f"{path}:2: destinations.orders.aws_region: required field is missing"
    )


def test_unknown_field_with_suggestion(tmp_path: Path, write: Write) -> None:
    text = config_yaml(destination_yaml(topic_filters=None, topic_filter="[v2.a]"))
    path = write("dest.yaml", text)
    # The typo explains the missing topic_filters, so that is not reported separately.
    assert load_error(tmp_path) == (
        f"{path}:{line_of(text, 'topic_filter:')}: destinations.orders.topic_filter: "
        "unknown field 'topic_filter' (did you mean 'topic_filters'?)"
    )


def test_unknown_field_without_close_match_lists_fields(tmp_path: Path, write: Write) -> None:
    write("dest.yaml", config_yaml(destination_yaml(colour="blue")))
    message = load_error(tmp_path)
    assert "unknown field 'colour' (expected one of: name, aws_account_id," in message


def test_unknown_top_level_key(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", "destinatons:\n  a: 1\n")
    assert load_error(tmp_path) == (
        f"{path}:1: destinatons: unknown field 'destinatons' (did you mean 'destinations'?)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "1: the file must be a mapping with a top-level 'destinations:' key"),
        ("just text\n", "1: the file must be a mapping"),
        ("destinations:\n", "1: destinations: must be a mapping of destination keys"),
        ("destinations: [a]\n", "1: destinations: must be a mapping of destination keys"),
        ("other: 1\n", "1: destinations: required field is missing"),
        ("destinations:\n  a:\n", "2: destinations.a: must be a mapping of destination fields"),
    ],
)
def test_bad_file_shapes(tmp_path: Path, write: Write, text: str, expected: str) -> None:
    path = write("dest.yaml", text)
    assert f"{path}:{expected}" in load_error(tmp_path)


def test_bad_logical_key(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", config_yaml(destination_yaml("-bad"), destination_yaml("x.y")))
    lines = load_error(tmp_path).splitlines()
    assert lines[0].startswith(f"{path}:2: destinations.-bad: invalid key '-bad': ")
    assert lines[1].startswith(f"{path}:10: destinations.x.y: invalid key 'x.y': ")


def test_numeric_logical_key_asks_for_quotes(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", config_yaml(destination_yaml("2024")))
    assert (
        load_error(tmp_path) == f'{path}:2: destinations.2024: key must be text; quote it ("2024")'
    )


def test_duplicate_key_in_one_mapping(tmp_path: Path, write: Write) -> None:
    text = config_yaml(destination_yaml(), destination_yaml(event_source_suffix="other"))
    path = write("dest.yaml", text)
    assert load_error(tmp_path) == (
        f"{path}:10: destinations.orders: duplicate key 'orders' (first at line 2);"
        " YAML would silently keep only the last one"
    )


def test_duplicate_field_in_one_destination(tmp_path: Path, write: Write) -> None:
    text = config_yaml(destination_yaml()) + "    name: Second name\n"
    path = write("dest.yaml", text)
    assert load_error(tmp_path).startswith(
        f"{path}:{line_of(text, 'Second name')}: destinations.orders.name: duplicate key 'name'"
        " (first at line 3)"
    )


def test_same_logical_key_in_two_files(tmp_path: Path, write: Write) -> None:
    first = write("a.yaml", config_yaml(destination_yaml()))
    second = write(
        "b.yaml",
        config_yaml(
            destination_yaml("other", event_source_suffix="x"),
            destination_yaml(event_source_suffix="y"),
        ),
    )
    assert load_error(tmp_path) == (
        f"{second}:10: destinations.orders: destination 'orders' is already declared at {first}:2"
    )


def test_duplicate_identity_triple(tmp_path: Path, write: Write) -> None:
    first = write("a.yaml", config_yaml(destination_yaml("one")))
    second = write("b.yaml", config_yaml(destination_yaml("two", name="Other name")))
    assert load_error(tmp_path) == (
        f"{second}:2: destinations.two: same aws_account_id, aws_region and event_source_suffix"
        f" (123456789012, us-east-1, orders-prod) as 'one' at {first}:2: both would be one"
        " partner event source"
    )


def test_same_suffix_in_other_region_is_fine(tmp_path: Path, write: Write) -> None:
    write(
        "a.yaml",
        config_yaml(destination_yaml("one"), destination_yaml("two", aws_region="eu-west-1")),
    )
    assert set(load_config(tmp_path).destinations) == {"one", "two"}


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", "destinations:\n  orders:\n    name: [unclosed\n    x: 1\n")
    message = load_error(tmp_path)
    assert message.startswith(f"{path}:")
    assert "invalid YAML" in message
    line = int(message.split(":")[1])
    assert 3 <= line <= 5


def test_yaml_bad_indentation_line(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", "destinations:\n  a: 1\n   b: 2\n")
    assert load_error(tmp_path).startswith(f"{path}:3: invalid YAML: ")


def test_python_tags_are_refused(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", "destinations: !!python/object/apply:os.system [echo hi]\n")
    assert load_error(tmp_path).startswith(f"{path}:1: invalid YAML: ")


def test_multiple_documents_are_refused(tmp_path: Path, write: Write) -> None:
    path = write("dest.yaml", "destinations: {}\n---\ndestinations: {}\n")
    assert load_error(tmp_path).startswith(f"{path}:2: invalid YAML: ")


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "dest.yaml").write_bytes(b"destinations:\n  a: \xff\n")
    assert load_error(tmp_path) == f"{tmp_path / 'dest.yaml'}:2: file is not valid UTF-8 text"


def test_all_problems_of_all_files_in_one_error(tmp_path: Path, write: Write) -> None:
    a = write(
        "a.yaml",
        config_yaml(
            destination_yaml("one", aws_account_id="42", aws_region="nowhere"),
            destination_yaml("two", event_source_suffix="two", tpoic_filters="[v2.a]"),
        ),
    )
    b = write("b.yaml", "destinations:\n  x: [\n")
    c = write("c.yaml", config_yaml(destination_yaml("one", event_source_suffix="again")))
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    lines = str(info.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{a}:4",
        f"{a}:5",
        f"{a}:18",
        f"{b}:3",
        f"{c}:2",
    ]
    assert "destinations.one.aws_account_id" in lines[0]
    assert "destinations.one.aws_region" in lines[1]
    assert "did you mean 'topic_filters'" in lines[2]
    assert "invalid YAML" in lines[3]
    assert f"already declared at {a}:2" in lines[4]
    assert len(info.value.problems) == 5
    for line in lines:
        assert "Traceback" not in line
        assert "errors.pydantic.dev" not in line


def test_identity_clash_still_found_when_other_entries_are_broken(
    tmp_path: Path, write: Write
) -> None:
    write(
        "a.yaml",
        config_yaml(
            destination_yaml("one"),
            destination_yaml("broken", aws_region="bad"),
            destination_yaml("two"),
        ),
    )
    message = load_error(tmp_path)
    assert "destinations.broken.aws_region" in message
    assert "destinations.two: same aws_account_id" in message


def test_relative_folder_gives_relative_paths(
    tmp_path: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("conf/dest.yaml", config_yaml(destination_yaml(aws_region="x")))
    monkeypatch.chdir(tmp_path)
    assert load_error(Path("conf")).startswith("conf/dest.yaml:5: destinations.orders.aws_region:")
