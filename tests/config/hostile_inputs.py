"""Known nasty configuration files: each must end in one message naming the file and line.

Shared by the limit tests (``test_config_limits.py``: the message, and time and memory in a
child process) and the fuzz test (``test_config_fuzz.py``: as explicit examples).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hostile:
    name: str
    text: bytes  # the whole of d.yaml
    line: int  # where the one message points (0: a line that depends on the machine's speed)
    says: str  # a part of the message (or of one of the messages, split by " | ")

    def said_in(self, message: str) -> bool:
        return any(part in message for part in self.says.split(" | "))


def _billion_laughs() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("destinations: {}")
    return ("\n".join(lines) + "\n").encode()


def _alias_in_a_field() -> bytes:
    lines = ["x: &x [" + ",".join(['"v2.a"'] * 10) + "]"]
    for prev, name in zip("xyzuvw", "yzuvwq", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines += [
        "destinations:",
        "  orders:",
        "    name: Orders",
        '    aws_account_id: "123456789012"',
        "    aws_region: us-east-1",
        "    event_source_suffix: orders",
        "    topic_filters: *q",
    ]
    return ("\n".join(lines) + "\n").encode()


def _merge_bomb() -> bytes:
    text = "a: &a {" + ", ".join(f"k{i}: {i}" for i in range(50)) + "}\n"
    prev = "a"
    for i in range(8):
        text += f"b{i}: &b{i}\n  <<: [" + ", ".join([f"*{prev}"] * 10) + "]\n  own{i}: 1\n"
        prev = f"b{i}"
    return (text + "destinations: {}\n").encode()


def _long_text_bomb() -> bytes:
    return (
        "a: &a '" + "x" * 100_000 + "'\nb: &b [" + ", ".join(["*a"] * 100) + "]\ndestinations: {}\n"
    ).encode()


def _kept_mappings() -> bytes:
    sets = "".join(f"{{% set a{i} = {{}}.fromkeys(range(100000)) %}}\n" for i in range(1200))
    return ("destinations: {}\n" + sets).encode()


def _template(expression: str) -> bytes:
    return f"destinations: {{}}\n# {expression}\n".encode()


HOSTILE: list[Hostile] = [
    Hostile("NUL byte", b"destinations:\n  a:\n    name: x\x00y\n", 3, "NUL character"),
    Hostile("bell character", b"destinations: {}\n# \x07\n", 2, "control character U+0007"),
    Hostile("invalid UTF-8", b"destinations:\n  a:\n    name: \xff\xfe\n", 3, "not valid UTF-8"),
    Hostile("UTF-16", "destinations: {}\n".encode("utf-16"), 1, "UTF-16"),
    Hostile("larger than 1 MiB", b"#" * (1024 * 1024 + 1), 1, "larger than 1,048,576 bytes"),
    Hostile("billion laughs", _billion_laughs(), 5, "alias *d takes the file past 20,000"),
    Hostile("alias bomb in a field", _alias_in_a_field(), 5, "alias *u takes the file past"),
    Hostile("merge-key bomb", _merge_bomb(), 9, "alias *b1 takes the file past"),
    Hostile("alias bomb of text", _long_text_bomb(), 2, "4,194,304 characters of text"),
    Hostile("alias of itself", b"destinations: &d {a: *d}\n", 1, "refers to a value that contains"),
    Hostile("flow nesting", b"destinations: " + b"[" * 5000 + b"]" * 5000, 1, "nest deeper"),
    Hostile(
        "block nesting",
        ("destinations:\n" + "".join(" " * i + "  k:\n" for i in range(150))).encode(),
        101,
        "nest deeper than 100",
    ),
    Hostile(
        "too many values",
        ("destinations: [" + ",".join(["1"] * 30_000) + "]\n").encode(),
        1,
        "more than 20,000 values",
    ),
    Hostile("string product", _template("{{ 'a' * 300000000 }}"), 2, "300,000,000 characters"),
    Hostile("list product", _template("{{ [1] * (10**8) }}"), 2, "100,000,000 characters"),
    Hostile("huge range", _template("{{ range(10**9) | list }}"), 2, "range() would count"),
    Hostile("huge power", _template("{{ 2 ** (10**9) }}"), 2, "bits"),
    Hostile("ljust", _template("{{ 'a'.ljust(10**9) }}"), 2, "ljust() would make"),
    Hostile("format width", _template("{{ '{:>1000000000}'.format(1) }}"), 2, "format()"),
    Hostile("percent width", _template("{{ '%1000000000s' % 'x' }}"), 2, "'%' would make"),
    Hostile("center filter", _template("{{ 'x' | center(10**9) }}"), 2, "center filter"),
    Hostile(
        "join of shared strings",
        _template("{{ ([('a' * 1000000)] * 1000) | join }}"),
        2,
        "counted through nested lists",
    ),
    Hostile(
        "doubling in a namespace",
        _template(
            "{% set ns = namespace(x='a') %}{% for i in range(40) %}"
            "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x }}"
        ),
        2,
        "~ would make",
    ),
    Hostile(
        "doubling a list in place",
        _template(
            "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
            "{{ ns.l.extend(ns.l) }}{% endfor %}"
        ),
        2,
        "extend() would make",
    ),
    Hostile(
        "endless loops",
        _template(
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
        ),
        2,
        "200,000 loop iterations | ran for more than 1 s",
    ),
    Hostile(
        "macro that calls itself",
        _template("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
        2,
        "calls nest too deeply",
    ),
    Hostile(
        "output of a loop",
        (
            "destinations: {}\n{% for i in range(100000) %}\n# " + "x" * 100 + "\n{% endfor %}\n"
        ).encode(),
        2,
        "writes more than 2,097,152 characters",
    ),
    Hostile(
        "many big values kept",
        _kept_mappings(),
        0,
        # Freed memory the process holds is used first; a slow machine may reach 1 s before.
        "took more than 100 MB of memory | ran for more than 1 s",
    ),
    Hostile("deep brackets", _template("{{ " + "(" * 500 + "1" + ")" * 500 + " }}"), 2, "deeply"),
    Hostile(
        "many tags",
        ("destinations: {}\n" + "{% set a = 1 %}\n" * 30_000).encode(),
        3_335,
        "more than 20,000 names, operators and values",
    ),
]
