"""How big the result of a template operation will be, worked out before it runs.

Python builds a string of a billion characters in one call (``'a' * 10**9``,
``'x'.ljust(10**9)``, ``'%1000000000s' % ''``): measuring afterwards is too late. Each function
here takes the operands of one kind of operation and returns the size of its result in
characters or items (an upper bound where the exact size would cost as much as the operation),
or None when it does not know the operation, which then runs and is measured afterwards.
Integers that would grow past the bit limit raise LimitExceeded directly.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from iac.config.limits import (
    MAX_TEMPLATE_INT_BITS,
    MAX_TEMPLATE_VALUE,
    MAX_TEMPLATE_WORK,
    LimitExceeded,
    number,
    size_of,
)

_SEQUENCES = (str, bytes, list, tuple)
# One printf-style conversion: flags, width, precision (either may be '*'), type.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")
_DIGITS = re.compile(r"\d+")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _too_big_int(what: str, bits: int) -> None:
    if bits > MAX_TEMPLATE_INT_BITS:
        raise LimitExceeded(
            f"{what} would make a number of about {number(bits)} bits; templates may make"
            f" numbers of at most {number(MAX_TEMPLATE_INT_BITS)} bits"
        )


def text_size(value: Any) -> int:
    """About how many characters ``str(value)`` has, without building it."""
    if isinstance(value, str | bytes):
        return len(value)
    if _int(value) is not None:
        return value.bit_length() // 3 + 2
    # Containers (and Jinja's namespaces) by what they hold; other objects print short.
    return size_of(value, MAX_TEMPLATE_VALUE) + 32


def binop_size(operator: str, left: Any, right: Any) -> int | None:
    if operator == "*":
        if isinstance(left, _SEQUENCES) and _int(right) is not None:
            return len(left) * max(right, 0)
        if isinstance(right, _SEQUENCES) and _int(left) is not None:
            return len(right) * max(left, 0)
        if _int(left) is not None and _int(right) is not None:
            _too_big_int("*", left.bit_length() + right.bit_length())
    elif operator == "**":
        if _int(left) is not None and _int(right) is not None and abs(left) > 1 and right > 0:
            _too_big_int("**", left.bit_length() * right)
    elif operator == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            return len(left) + len(right)
    elif operator == "%" and isinstance(left, str):
        values = right if isinstance(right, tuple) else (right,)
        return percent_size(left, values, right if isinstance(right, Mapping) else {})
    return None


def percent_size(fmt: str, values: Sequence[Any], named: Mapping[str, Any]) -> int:
    """Upper bound of ``fmt % values`` (``fmt % named`` with ``%(name)s`` conversions)."""
    numbers = [v for v in (*values, *named.values()) if _int(v) is not None]
    widest_arg = max((text_size(v) for v in (*values, *named.values())), default=0)
    total = len(fmt)
    for match in _PERCENT.finditer(fmt):
        width = 0
        for part in (match.group(1), match.group(2)):
            if part == "*":
                width = max(width, *numbers, 0)
            elif part:
                width = max(width, int(part))
        total += max(width, widest_arg)
    return total


def format_size(fmt: str, args: Sequence[Any], kwargs: Mapping[str, Any], mapping: bool) -> int:
    """Upper bound of ``fmt.format(*args, **kwargs)`` (or ``fmt.format_map(args[0])``)."""
    values: list[Any] = list(args) + list(kwargs.values())
    if mapping and args and isinstance(args[0], Mapping):
        values = list(args[0].values())
    numbers = [v for v in values if _int(v) is not None]
    widest_arg = max((text_size(v) for v in values), default=0)
    total = len(fmt)
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return total  # str.format raises the same error with its own words
    for _literal, name, spec, _conversion in fields:
        if name is None:
            continue
        width = max((int(d) for d in _DIGITS.findall(spec or "")), default=0)
        if spec and "{" in spec:
            width = max(width, *numbers, 0)
        total += max(width, widest_arg)
    return total


def _arg(args: Sequence[Any], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name)


def _replace_size(text: Any, old: Any, new: Any, count: Any) -> int | None:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return None  # bytes.replace grows as str.replace does, but is hardly reachable
    found = text.count(old) if old else len(text) + 1
    if _int(count) is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _join_size(separator: Any, items: Any) -> int | None:
    if not isinstance(items, list | tuple):
        return None
    return sum(text_size(item) for item in items) + text_size(separator) * max(len(items) - 1, 0)


def method_size(
    owner: Any, name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> int | None:
    """Size of ``owner.name(*args, **kwargs)`` for the methods that can grow text."""
    if isinstance(owner, str | bytes):
        if name in ("center", "ljust", "rjust", "zfill"):
            width = _int(_arg(args, kwargs, 0, "width"))
            return max(len(owner), width or 0)
        if name == "expandtabs":
            size = _int(_arg(args, kwargs, 0, "tabsize"))
            tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
            return len(owner) + tabs * (8 if size is None else max(size, 0))
        if name == "replace":
            old, new = _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new")
            return _replace_size(owner, old, new, _arg(args, kwargs, 2, "count"))
        if name == "join":
            return _join_size(owner, _arg(args, kwargs, 0, "iterable"))
        if name == "translate":
            table = _arg(args, kwargs, 0, "table")
            if isinstance(table, Mapping):
                longest = max((text_size(v) for v in table.values()), default=1)
                return len(owner) * max(longest, 1)
        if name == "encode":
            return len(owner) * 4
    elif _int(owner) is not None and name == "to_bytes":
        return _int(_arg(args, kwargs, 0, "length"))
    return None


def _nested_size(value: Any, indent: int) -> int:
    """Characters of ``value`` printed with ``indent`` spaces per level of nesting (bound)."""
    total = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending and total <= MAX_TEMPLATE_VALUE:
        item, depth = pending.pop()
        total += text_size(item) if isinstance(item, str | bytes) else 4 + indent * depth
        if isinstance(item, dict):
            pending.extend((v, depth + 1) for v in (*item.keys(), *item.values()))
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend((v, depth + 1) for v in item)
    return total


def _indent_width(indent: Any) -> int:
    if isinstance(indent, str):
        return len(indent)
    return max(_int(indent) or 0, 0)


def _sum_size(arguments: Mapping[str, Any]) -> int:
    iterable, start = arguments.get("iterable"), arguments.get("start")
    size = size_of(iterable, MAX_TEMPLATE_VALUE) + text_size(start)
    # Adding lists copies what came before each time: quadratic in the number of items.
    copied = len(iterable) * size // 2 if isinstance(iterable, list | tuple) else 0
    if isinstance(start, _SEQUENCES) and copied > MAX_TEMPLATE_WORK:
        raise LimitExceeded(
            f"the sum filter would copy about {number(copied)}"
            f" items; templates may make at most {number(MAX_TEMPLATE_WORK)} in all"
        )
    return size


def _lines(text: Any) -> int:
    return str(text).count("\n") + 1 if isinstance(text, str) else 1


# Filter name -> size of its result from its bound arguments (names as in Jinja's filters).
FILTER_SIZES: dict[str, Callable[[Mapping[str, Any]], int | None]] = {
    "center": lambda a: max(text_size(a["value"]), _int(a["width"]) or 0),
    "indent": lambda a: text_size(a["s"]) + _lines(a["s"]) * _indent_width(a["width"]),
    "wordwrap": lambda a: (
        text_size(a["s"])
        + (text_size(a["s"]) // max(_int(a["width"]) or 1, 1) + 1)
        * len(str(a["wrapstring"] or "\n"))
    ),
    "replace": lambda a: _replace_size(str(a["s"]), str(a["old"]), str(a["new"]), a["count"]),
    "join": lambda a: (
        _join_size(a["d"], a["value"])
        if a["attribute"] is None
        else size_of(a["value"], MAX_TEMPLATE_VALUE)
    ),
    "format": lambda a: percent_size(str(a["value"]), a["args"], a["kwargs"]),
    "batch": lambda a: text_size(a["value"]) + max(_int(a["linecount"]) or 0, 0),
    "slice": lambda a: text_size(a["value"]) + max(_int(a["slices"]) or 0, 0),
    "tojson": lambda a: _nested_size(a["value"], _indent_width(a["indent"])),
    "pprint": lambda a: _nested_size(a["value"], 1),
    "sum": _sum_size,
}
