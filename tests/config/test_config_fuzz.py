"""Fuzzing the configuration loader: whatever the files hold, the answer is a configuration or
a ConfigError, never a traceback, and never more time or memory than the limits allow.

Hypothesis assembles files from fragments of real configuration, YAML and Jinja syntax,
expressions built to make huge values, and bytes YAML refuses. It runs derandomized (the same
examples on every run, no example database) and bounded (a fixed number of examples), so the
test is deterministic and takes a few seconds. The known nasty files are explicit examples.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hostile_inputs import HOSTILE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iac.cli.app import cli
from iac.config import ConfigError, DesiredConfig, load_config

SECONDS_PER_EXAMPLE = 5.0  # the limits aim at 2 s; a busy machine is slower
PEAK_MEMORY_BYTES = 200 * 1024 * 1024

LINES = [
    "destinations:",
    "destinations: {}",
    "  orders:",
    "  orders: &orders",
    "    name: Orders",
    '    aws_account_id: "123456789012"',
    "    aws_account_id: 012345678901",
    "    aws_region: us-east-1",
    "    aws_region: us-east-9",
    "    event_source_suffix: orders",
    "    topic_filters:",
    "      - v2.users.{id}.presence",
    "    topic_filters: [v2.users.{id}.presence]",
    '    topic_filters: ["v2.users.{id}.presence"]',
    "    enabled: true",
    "    <<: *orders",
    "org:",
    "  region: eu-west-1",
    "policy: policy.yaml",
    "extra_aws_regions: [xx-east-1]",
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "r: &r [*r]",
    "u: *undefined",
    "!!python/object/apply:os.system ['true']",
    "t: !!binary aGk=",
    "%YAML 1.1",
    "---",
    "...",
    "? [a, b]",
    ": x",
    "|",
    "{% for i in range(3) %}",
    "{% endfor %}",
    "{% if true %}",
    "{% endif %}",
    "{% raw %}",
    "{% endraw %}",
    "{{ undefined_variable }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ lipsum(2) }}",
    "{% include 'other.yaml' %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% set ns = namespace(x='ab') %}",
    "{% for i in range(30) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
    "{{ 1/0 }}",
    "{{ ",
    " }}",
    "{%",
    "{#",
]
WEIRD = ["\x00", "\x07", "\t", "\r", "\ufeff", "\u2028", "\x85", "\ud800", "{", "[", "'", '"']
NUMBERS = [0, 1, 2, 7, 40, 100, 4096, 10**6, 10**9, 2**40]


@st.composite
def expressions(draw: Any, depth: int = 0) -> str:
    """A Jinja expression, often one that asks for something huge."""
    leaves = st.one_of(
        st.sampled_from(NUMBERS).map(str),
        st.sampled_from(["'a'", "'{:>9}'", "'%9s'", "[1]", "[1, 'x']", "range(10)", "ns"]),
    )
    if depth >= 3 or draw(st.booleans()):
        return draw(leaves)
    left = draw(expressions(depth + 1))
    right = draw(expressions(depth + 1))
    number = draw(st.sampled_from(NUMBERS))
    form = draw(
        st.sampled_from(
            [
                "({l} {op} {r})",
                "({l} | join({r}))",
                "({l} | center({n}))",
                "({l} | indent({n}))",
                "({l} | batch({n}) | list)",
                "({l} | string)",
                "({l} | tojson)",
                "({l}).ljust({n})",
                "({l}).format({r})",
                "[{l}] * {n}",
                "range({n})",
            ]
        )
    )
    op = draw(st.sampled_from(["*", "**", "+", "~", "%", "//"]))
    return form.format(l=left, r=right, n=number, op=op)


@st.composite
def files(draw: Any) -> bytes:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 9))
        if kind <= 4:
            parts.append(draw(st.sampled_from(LINES)))
        elif kind <= 6:
            parts.append(f"# {{{{ {draw(expressions())} }}}}")
        elif kind == 7:
            line = draw(st.sampled_from(LINES))
            spot = draw(st.integers(0, len(line)))
            parts.append(line[:spot] + draw(st.sampled_from(WEIRD)) + line[spot:])
        elif kind == 8:
            parts.append(draw(st.sampled_from(LINES)) * draw(st.sampled_from([2, 50, 5000])))
        else:
            parts.append(draw(st.sampled_from(["[" * 200, "- " * 200, "x" * 200_000])))
    data = "\n".join(parts).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        spot = draw(st.integers(0, len(data)))
        data = (
            data[:spot] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + data[spot:]
        )
    return data


def _explicit_examples() -> list[bytes]:
    nasty = [case.text for case in HOSTILE]
    nasty += [
        b"\xef\xbb\xbfdestinations: {}\n",  # a byte-order mark
        b"destinations:\n\torders: {}\n",  # a tab
        b"destinations: {}\ndestinations: {}\n",  # a duplicate key
        b"destinations: {}\n# " + b"x" * 900_000 + b"\n",  # a very long line
        b"destinations: {}\n# {{ 'a' * 300000000 }}\n",
        b"destinations: {}\n# {{ [1] * (10**8) }}\n",
    ]
    return nasty


def _check(data: bytes, variables: dict[str, str], via_cli: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "d.yaml").write_bytes(data)
        (Path(folder) / "policy.yaml").write_text("allow_delete: true\n", encoding="utf-8")
        tracemalloc.start()
        start = time.monotonic()
        try:
            if via_cli:
                args = ["validate", folder]
                for name, value in variables.items():
                    args += ["--var", f"{name}={value}"]
                result = CliRunner().invoke(cli, args)
                assert result.exit_code in (0, 1), result.output
                assert result.exception is None or isinstance(result.exception, SystemExit), repr(
                    result.exception
                )
                assert "Traceback" not in result.output
            else:
                try:
                    assert isinstance(load_config(Path(folder), variables), DesiredConfig)
                except ConfigError as err:
                    assert str(err) and "Traceback" not in str(err)
                    assert all(p.line >= 1 for p in err.problems)
        finally:
            seconds = time.monotonic() - start
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert seconds < SECONDS_PER_EXAMPLE, f"took {seconds:.1f} s"
        assert peak < PEAK_MEMORY_BYTES, f"peak {peak // 2**20} MB"


def _with_examples(test: Any) -> Any:
    for data in reversed(_explicit_examples()):
        test = example(data=data, variables={}, via_cli=False)(test)
    return example(data=HOSTILE[0].text, variables={}, via_cli=True)(test)


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@_with_examples
@given(
    data=files(),
    variables=st.dictionaries(
        st.sampled_from(["x", "env", "account"]),
        st.sampled_from(["1", "prod", "123456789012", "{{ x }}", "\x07", "\udcff", "a" * 1000]),
        max_size=2,
    ),
    via_cli=st.booleans(),
)
def test_fuzzed_files_end_in_a_configuration_or_a_config_error(
    data: bytes, variables: dict[str, str], via_cli: bool
) -> None:
    _check(data, variables, via_cli and "\udcff" not in "".join(variables.values()))
