"""Checks YAML text before it is built into values: characters, size, depth and aliases.

PyYAML has no cap on aliases: ten lines of ``&a [*b, *b, ...]`` ("billion laughs") stand for
billions of values, which nothing that walks the result (our line map, pydantic, a digest)
survives. :func:`check_yaml` reads the parser's event stream once (cheap: no values are built)
and counts what the document would be with every alias expanded, stopping at the first line
that goes past a limit of ``iac.config.limits``.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from iac.config.limits import MAX_YAML_CHARS, MAX_YAML_DEPTH, MAX_YAML_VALUES, number

# What the YAML 1.1 reader accepts (PyYAML's and libyaml's "printable"); anything else stops
# the parser with an error that carries an offset instead of a line.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_CHARACTER_NAMES = {0x1B: "ESC", 0x7F: "DEL", 0xFFFE: "a byte-swapped byte-order mark"}


class YamlLimitError(Exception):
    """The text is not YAML we accept; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def check_characters(text: str, what: str = "the file") -> None:
    """Raises YamlLimitError at the first character YAML does not allow."""
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    raise YamlLimitError(line, describe_character(ord(found.group()), what))


def describe_character(code: int, what: str = "the file") -> str:
    name = _CHARACTER_NAMES.get(code)
    shown = f"U+{code:04X}" + (f" ({name})" if name else "")
    if code == 0:
        return (
            f"{what} contains a NUL character (U+0000), which YAML does not allow"
            " (is it a binary file, or saved as UTF-16?)"
        )
    if 0xD800 <= code <= 0xDFFF:
        return (
            f"{what} contains {shown}, half of a surrogate pair, which is not valid Unicode"
            " text (a variable's value read from bytes that are not UTF-8?)"
        )
    return (
        f"{what} contains the control character {shown}, which YAML does not allow; remove"
        f' it, or write it as an escape inside double quotes ("\\u{code:04x}")'
    )


def check_yaml(text: str, loader: type) -> None:
    """Raises YamlLimitError where the document goes past a limit; YAML errors pass through.

    ``loader`` is the loader class that will parse ``text`` afterwards, so a syntax error is
    reported the same way whichever of the two passes meets it first. Kept lean: it runs on
    every file, over every event.
    """
    parser = loader(text)
    try:
        _count(parser)
    finally:
        parser.dispose()


def _count(parser: Any) -> None:
    values = chars = 0
    # Open lists and mappings: (anchor, values and characters counted before it began). An
    # anchored one's expanded size is what was counted between its start and its end.
    stack: list[tuple[str | None, int, int]] = []
    anchors: dict[str, tuple[int, int]] = {}
    while parser.check_event():
        event = parser.get_event()
        kind = type(event)
        if kind is ScalarEvent:
            values += 1
            chars += len(event.value)
            if event.anchor is not None:
                anchors[event.anchor] = (1, len(event.value))
        elif kind is AliasEvent:
            if any(anchor == event.anchor for anchor, _, _ in stack):
                raise YamlLimitError(
                    _line(event),
                    f"the alias *{event.anchor} refers to a value that contains it; such a"
                    " value has no end",
                )
            more, text = anchors.get(event.anchor, (0, 0))  # undefined: the composer says so
            values += more
            chars += text
        elif kind is SequenceStartEvent or kind is MappingStartEvent:
            if len(stack) >= MAX_YAML_DEPTH:
                raise YamlLimitError(
                    _line(event), f"lists and mappings nest deeper than {MAX_YAML_DEPTH} levels"
                )
            stack.append((event.anchor, values, chars))
            values += 1
        elif kind is SequenceEndEvent or kind is MappingEndEvent:
            anchor, values_before, chars_before = stack.pop()
            if anchor is not None:
                anchors[anchor] = (values - values_before, chars - chars_before)
            continue
        else:
            continue
        if values > MAX_YAML_VALUES or chars > MAX_YAML_CHARS:
            _too_big(event, values > MAX_YAML_VALUES)


def _too_big(event: Event, values: bool) -> NoReturn:
    limit = (
        f"{number(MAX_YAML_VALUES)} values"
        if values
        else f"{number(MAX_YAML_CHARS)} characters of text"
    )
    if isinstance(event, AliasEvent):
        message = (
            f"the alias *{event.anchor} takes the file past {limit} once aliases are expanded"
            " (an alias bomb?)"
        )
    else:
        message = f"the file holds more than {limit}"
    raise YamlLimitError(_line(event), message)


def _line(event: Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 1
