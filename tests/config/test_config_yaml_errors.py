"""YAML syntax errors come with advice where the cause is a usual one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iac.config import ConfigError, load_config

Write = Callable[[str, str], Path]

HEAD = """\
destinations:
  presence:
    name: Presence
    aws_account_id: "123456789012"
    aws_region: us-east-1
    event_source_suffix: presence
"""


def load_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return str(info.value)


def test_an_unquoted_topic_with_braces_in_a_flow_list_gets_the_quoting_advice(
    tmp_path: Path, write: Write
) -> None:
    write("d.yaml", HEAD + "    topic_filters: [v2.users.{id}.presence]\n")
    assert load_error(tmp_path) == (
        f"{tmp_path / 'd.yaml'}:7: invalid YAML: while parsing a flow sequence, did not find"
        " expected ',' or ']'; '{' starts a mapping in YAML: quote the value"
        ' ("v2.users.{id}.presence"), or write the list one item per line'
        " (- v2.users.{id}.presence)"
    )


@pytest.mark.parametrize(
    ("topics", "token"),
    [
        ('["v2.users.presence", v2.users.{id}.activity]', "v2.users.{id}.activity"),
        ("[{id}.x]", "{id}.x"),
        ("[\n      v2.a,\n      v2.users.{id}.presence,\n    ]", "v2.users.{id}.presence"),
    ],
)
def test_the_advice_names_the_value_to_quote(
    tmp_path: Path, write: Write, topics: str, token: str
) -> None:
    write("d.yaml", HEAD + f"    topic_filters: {topics}\n")
    assert f'quote the value ("{token}")' in load_error(tmp_path)


def test_quoted_and_block_topics_with_braces_load(tmp_path: Path, write: Write) -> None:
    write("a.yaml", HEAD + '    topic_filters: ["v2.users.{id}.presence"]\n')
    write(
        "b.yaml",
        HEAD.replace("presence", "block") + "    topic_filters:\n      - v2.users.{id}.presence\n",
    )
    config = load_config(tmp_path)
    assert {tuple(d.topic_filters) for d in config.destinations.values()} == {
        ("v2.users.{id}.presence",)
    }


def test_a_syntax_error_away_from_braces_gets_no_quoting_advice(
    tmp_path: Path, write: Write
) -> None:
    write("d.yaml", HEAD + "    topic_filters: [v2.a, v2.b\n")
    assert "quote" not in load_error(tmp_path)


def test_a_tab_in_the_indentation_is_named(tmp_path: Path, write: Write) -> None:
    write("d.yaml", "destinations:\n\tpresence: {}\n")
    assert load_error(tmp_path) == (
        f"{tmp_path / 'd.yaml'}:2: invalid YAML: while scanning for the next token, found"
        " character that cannot start any token; YAML indents with spaces, never tabs"
    )


def test_duplicate_keys_are_still_reported(tmp_path: Path, write: Write) -> None:
    write("d.yaml", "destinations: {}\ndestinations: {}\n")
    assert load_error(tmp_path) == (
        f"{tmp_path / 'd.yaml'}:2: destinations: duplicate key 'destinations' (first at line 1);"
        " YAML would silently keep only the last one"
    )
