"""Jinja2 templating of configuration files and the variables that feed it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from iac.config import ConfigError, collect_variables, load_config

Write = Callable[[str, str], Path]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TEMPLATED = """\
    # Line 1: one destination per environment.
    destinations:
      orders-{{ env }}:
        name: Orders ({{ env | upper }})
        aws_account_id: "{{ account }}"
        aws_region: us-east-1
        event_source_suffix: orders-{{ env }}
        topic_filters:
          - v2.users.{id}.activity
    {% if env == "prod" %}
        prevent_destroy: true
    {% endif %}
    """


def load_error(folder: Path, variables: dict[str, object] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(folder, variables)
    message = str(info.value)
    assert "Traceback" not in message
    return message


def collect_error(
    cli_vars: Sequence[str] = (),
    var_files: Sequence[Path] = (),
    environ: dict[str, str] | None = None,
) -> str:
    with pytest.raises(ConfigError) as info:
        collect_variables(cli_vars, var_files, environ or {})
    return str(info.value)


# --- rendering ----------------------------------------------------------------------------


def test_variables_render_into_key_name_and_suffix(tmp_path: Path, write: Write) -> None:
    write("d.yaml", TEMPLATED)
    config = load_config(tmp_path, {"env": "prod", "account": "012345678901"})
    assert list(config.destinations) == ["orders-prod"]
    orders = config.destinations["orders-prod"]
    assert orders.name == "Orders (PROD)"
    assert orders.event_source_suffix == "orders-prod"
    assert orders.aws_account_id == "012345678901"  # quoted in the template: leading zero kept
    assert config.protected == frozenset({"orders-prod"})
    # The if/endif lines render as blank lines, so declared lines are still the file's lines.
    assert config.locations["orders-prod"].line == 3


def test_same_template_for_another_environment(tmp_path: Path, write: Write) -> None:
    write("d.yaml", TEMPLATED)
    config = load_config(tmp_path, {"env": "test", "account": "210987654321"})
    assert list(config.destinations) == ["orders-test"]
    assert config.destinations["orders-test"].event_source_suffix == "orders-test"
    assert config.protected == frozenset()


def test_later_problems_keep_the_file_lines(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", TEMPLATED.replace("aws_region: us-east-1", "aws_region: {{ region }}"))
    message = load_error(tmp_path, {"env": "prod", "account": "012345678901", "region": "nope"})
    assert message.startswith(f"{path}:6: destinations.orders-prod.aws_region: ")


def test_file_without_template_syntax_needs_no_variables() -> None:
    assert len(load_config(EXAMPLES).destinations) == 3
    assert len(load_config(EXAMPLES, {}).destinations) == 3
    assert len(load_config(EXAMPLES, {"unused": 1}).destinations) == 3


def test_raw_block_keeps_literal_braces(tmp_path: Path, write: Write) -> None:
    write(
        "d.yaml",
        """\
        destinations:
          a:
            name: "{% raw %}{{ not a variable }}{% endraw %}"
            aws_account_id: "123456789012"
            aws_region: us-east-1
            event_source_suffix: a
            topic_filters: [v2.a]
        """,
    )
    assert load_config(tmp_path).destinations["a"].name == "{{ not a variable }}"


def test_non_string_variables_and_tojson(tmp_path: Path, write: Write) -> None:
    write(
        "d.yaml",
        """\
        destinations:
          a:
            name: {{ name | tojson }}
            aws_account_id: "123456789012"
            aws_region: us-east-1
            event_source_suffix: a
            topic_filters: {{ topics | tojson }}
            enabled: {{ enabled | tojson }}
        """,
    )
    variables = {"name": "Colon: and # hash", "topics": ["v2.b", "v2.a"], "enabled": False}
    destination = load_config(tmp_path, variables).destinations["a"]
    assert destination.name == "Colon: and # hash"
    assert destination.topic_filters == ["v2.a", "v2.b"]
    assert destination.enabled is False


# --- template problems --------------------------------------------------------------------


def test_undefined_variable_names_file_and_line(tmp_path: Path, write: Write) -> None:
    text = """\
        # yaml-language-server: $schema=../schemas/destinations.schema.json
        destinations:
          orders:
            name: Orders
            aws_account_id: "123456789012"
            aws_region: us-east-1
            event_source_suffix: orders-{{ env }}
            topic_filters: [v2.a]
        """
    path = write("d.yaml", text)
    assert "{{ env }}" in path.read_text().splitlines()[6]  # line 7
    assert load_error(tmp_path) == (
        f"{path}:7: undefined variable 'env' (set it with --var env=..., a --var-file,"
        " or IAC_VAR_env)"
    )


def test_undefined_variable_inside_a_block_and_other_variables_given(
    tmp_path: Path, write: Write
) -> None:
    path = write("d.yaml", "destinations: {}\n\n{% if flag %}\n# {{ missing }}\n{% endif %}\n")
    assert load_error(tmp_path, {"flag": True}).startswith(
        f"{path}:4: undefined variable 'missing'"
    )
    assert load_config(tmp_path, {"flag": False}).destinations == {}


def test_missing_attribute_of_a_variable(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", "destinations: {}\n# {{ team.owner }}\n")
    assert load_error(tmp_path, {"team": {}}) == (
        f"{path}:2: template error: 'dict object' has no attribute 'owner'"
    )


def test_template_syntax_error_with_line(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", "destinations:\n  a:\n    name: {{ env }\n")
    message = load_error(tmp_path, {"env": "x"})
    assert message.startswith(f"{path}:3: template error: ")
    assert "\n" not in message


def test_unclosed_block_is_a_syntax_error(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", "destinations: {}\n{% if x %}\n")
    assert load_error(tmp_path, {"x": 1}).startswith(f"{path}:")
    assert "template error: " in load_error(tmp_path, {"x": 1})


def test_runtime_error_in_template(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", "destinations: {}\n\n# {{ 1 // zero }}\n")
    assert load_error(tmp_path, {"zero": 0}).startswith(
        f"{path}:3: template error: ZeroDivisionError"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "''.__class__.__mro__[1].__subclasses__()",
        "cycler.__init__.__globals__",
        "range.__self__",
    ],
)
def test_sandbox_refuses_python_internals(tmp_path: Path, write: Write, expression: str) -> None:
    path = write("d.yaml", f"destinations: {{}}\n# {{{{ {expression} }}}}\n")
    message = load_error(tmp_path)
    assert message.startswith(f"{path}:2: template "), message
    assert "\n" not in message


def test_sandbox_message_for_dunder_access(tmp_path: Path, write: Write) -> None:
    path = write("d.yaml", "destinations: {}\n# {{ ''.__class__.__mro__ }}\n")
    assert load_error(tmp_path) == (
        f"{path}:2: template refused: access to attribute '__class__' of 'str' object is"
        " unsafe (templates run in a sandbox without access to Python internals)"
    )


@pytest.mark.parametrize(
    "tag",
    ['{% include "other.yaml" %}', '{% import "other.yaml" as o %}', '{% extends "x" %}'],
)
def test_other_files_cannot_be_included(tmp_path: Path, write: Write, tag: str) -> None:
    write("other.yaml", "destinations: {}\n")
    path = write("d.yaml", f"destinations: {{}}\n{tag}\n")
    assert load_error(tmp_path) == (
        f"{path}:2: template error: include, import and extends are not available; each file"
        " is rendered on its own"
    )


def test_problems_of_all_files_are_collected(tmp_path: Path, write: Write) -> None:
    a = write("a.yaml", "destinations: {}\n# {{ one }}\n")
    b = write("b.yaml", "destinations:\n  x: [\n")
    c = write("c.yaml", "destinations: {}\n\n# {{ two }\n")
    lines = load_error(tmp_path).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{a}:2", f"{b}:3", f"{c}:3"]


# --- collect_variables --------------------------------------------------------------------


def test_variables_from_each_source(tmp_path: Path, write: Write) -> None:
    yaml_file = write("vars.yaml", "region: eu-west-1\ncount: 3\ntopics: [v2.a]\n")
    json_file = write("vars.json", '{"owner": "ops", "nested": {"x": true}}')
    variables = collect_variables(
        ["env=prod", "empty=", "eq=a=b"],
        [yaml_file, json_file],
        {"IAC_VAR_team": "payments", "PATH": "/bin", "iac_var_lower": "ignored"},
    )
    assert variables == {
        "team": "payments",
        "region": "eu-west-1",
        "count": 3,
        "topics": ["v2.a"],
        "owner": "ops",
        "nested": {"x": True},
        "env": "prod",
        "empty": "",
        "eq": "a=b",
    }


def test_precedence_env_then_files_in_order_then_cli_in_order(tmp_path: Path, write: Write) -> None:
    first = write("first.yaml", "a: file1\nb: file1\nc: file1\n")
    second = write("second.yaml", "b: file2\nc: file2\n")
    environ = {"IAC_VAR_a": "env", "IAC_VAR_b": "env", "IAC_VAR_c": "env", "IAC_VAR_d": "env"}
    variables = collect_variables(["c=cli1", "c=cli2"], [first, second], environ)
    assert variables == {"a": "file1", "b": "file2", "c": "cli2", "d": "env"}
    # Without the higher sources, the lower ones show through.
    assert collect_variables([], [], environ)["a"] == "env"
    assert collect_variables([], [second, first], {})["b"] == "file1"


def test_env_variable_name_is_kept_as_written() -> None:
    variables = collect_variables([], [], {"IAC_VAR_Env_Name": "x"})
    assert variables == {"Env_Name": "x"}


def test_empty_var_file_is_no_variables(tmp_path: Path, write: Write) -> None:
    assert collect_variables([], [write("v.yaml", "# nothing\n")], {}) == {}


def test_collected_variables_feed_the_loader(tmp_path: Path, write: Write) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "d.yaml").write_text(
        "destinations:\n"
        "  a:\n"
        "    name: {{ name }}\n"
        '    aws_account_id: "{{ account }}"\n'
        "    aws_region: {{ region }}\n"
        "    event_source_suffix: {{ env }}\n"
        "    topic_filters: [v2.a]\n",
        encoding="utf-8",
    )
    var_file = write("vars.yaml", 'account: "000011112222"\nregion: eu-west-1\n')
    variables = collect_variables(["env=prod"], [var_file], {"IAC_VAR_name": "From env"})
    destination = load_config(conf, variables).destinations["a"]
    assert destination.identity() == ("000011112222", "eu-west-1", "prod")
    assert destination.name == "From env"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("env", "--var 'env': expected name=value"),
        ("=prod", "--var '': the variable name is empty"),
        ("my-env=x", "--var 'my-env': 'my-env' is not a valid variable name"),
        ("1env=x", "--var '1env': '1env' is not a valid variable name"),
        ("true=x", "--var 'true': 'true' is reserved in templates"),
    ],
)
def test_bad_cli_var(option: str, expected: str) -> None:
    assert collect_error([option]).startswith(expected)


def test_bad_cli_var_does_not_echo_the_value() -> None:
    assert "s3cr3t" not in collect_error(["bad-name=s3cr3t"])


def test_bad_env_variable_name() -> None:
    message = collect_error(environ={"IAC_VAR_": "x", "IAC_VAR_ok": "y"})
    assert message == "environment variable IAC_VAR_: the variable name is empty"


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("- a\n- b\n", 1, "a variable file must be a mapping of variable names to values"),
        ('"just text"\n', 1, "a variable file must be a mapping"),
        ("# vars\n\n[1, 2]\n", 3, "a variable file must be a mapping"),
        ("a: 1\nb: [\n", 3, "invalid YAML"),
        ('{"a": 1,,}', 1, "invalid YAML"),
        ("a: 1\nmy-var: 2\n", 2, "'my-var' is not a valid variable name"),
        ("a: 1\n3: x\n", 2, "variable name must be text"),
        ("a: 1\na: 2\n", 2, "a: duplicate variable 'a' (first at line 1)"),
    ],
)
def test_bad_var_file(tmp_path: Path, write: Write, text: str, line: int, expected: str) -> None:
    path = write("vars.yaml", text)
    message = collect_error(var_files=[path])
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message


def test_missing_var_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert collect_error(var_files=[path]) == (
        f"{path}:1: cannot read variable file: No such file or directory"
    )


def test_var_file_that_is_a_folder(tmp_path: Path) -> None:
    assert collect_error(var_files=[tmp_path]).startswith(f"{tmp_path}:1: cannot read")


def test_all_variable_problems_in_one_error(tmp_path: Path, write: Write) -> None:
    bad = write("bad.yaml", "[1]\n")
    with pytest.raises(ConfigError) as info:
        collect_variables(["nope"], [bad, tmp_path / "gone.yaml"], {"IAC_VAR_a-b": "1"})
    lines = str(info.value).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("environment variable IAC_VAR_a-b: ")
    assert lines[1].startswith(f"{bad}:1: ")
    assert lines[2].startswith(f"{tmp_path / 'gone.yaml'}:1: ")
    assert lines[3] == "--var 'nope': expected name=value"
    assert len(info.value.problems) == 2  # the file problems carry file and line
