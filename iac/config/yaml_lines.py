"""YAML parsing that remembers where every value came from.

PyYAML throws away positions once it builds Python objects, and silently keeps the last of two
equal keys. We compose the node tree ourselves, walk it once to record the line of every path
(the key's line for mapping entries, the item's line for list items) and to catch duplicate
keys, and only then construct the plain data. Before any of that, ``iac.config.yaml_guard``
checks the text against the limits of ``iac.config.limits`` (characters, aliases, depth).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from iac.config.limits import MAX_RENDERED_CHARS, MAX_YAML_DEPTH, number
from iac.config.yaml_guard import (
    YamlLimitError,
    check_characters,
    check_yaml,
    describe_character,
)

Path = tuple[Any, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlSyntaxError(Exception):
    """The text is not YAML the safe loader accepts; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class DuplicateKey:
    path: Path  # path of the repeated entry
    line: int
    first_line: int


@dataclass
class ParsedYaml:
    """Plain data plus a map from path tuples (pydantic ``loc`` style) to 1-based lines."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """Line of ``path``, else of its nearest recorded ancestor (e.g. for a missing field)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


# libyaml's loader is ~10x faster and keeps the same node marks; PyYAML without it still works.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> ParsedYaml | None:
    """Parse one YAML document; ``None`` when it holds nothing (empty or only comments)."""
    try:
        if len(text) > MAX_RENDERED_CHARS:
            limit = number(MAX_RENDERED_CHARS)
            raise YamlLimitError(1, f"the text is longer than {limit} characters")
        check_characters(text)
        check_yaml(text, _Loader)
    except YamlLimitError as err:
        raise YamlSyntaxError(err.line, err.message) from None
    except yaml.MarkedYAMLError as err:
        raise YamlSyntaxError(*_describe_marked(err, text)) from None
    except yaml.reader.ReaderError as err:
        # Not expected after check_characters; it carries an offset (of bytes with libyaml).
        line = text.count("\n", 0, err.position) + 1
        raise YamlSyntaxError(line, f"invalid YAML: {describe_character(err.character)}") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        parsed = ParsedYaml(data=None)
        parsed.lines[()] = node.start_mark.line + 1
        _Walker(loader, parsed).walk(node, ())
        parsed.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        raise YamlSyntaxError(*_describe_marked(err, text)) from None
    finally:
        loader.dispose()
    if parsed.data is None:
        return None
    return parsed


def _describe_marked(err: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark is not None else 1
    parts = [part for part in (err.context, err.problem) if part]
    message = ", ".join(parts) if parts else "could not parse"
    if "maximum nesting depth" in (err.problem or ""):
        # libyaml's own cap (1000) met while scanning ahead of our check of MAX_YAML_DEPTH.
        return line, f"lists and mappings nest deeper than {MAX_YAML_DEPTH} levels"
    if (
        err.context_mark is not None
        and err.problem_mark is not None
        and (err.context_mark.line != err.problem_mark.line)
    ):
        message += f" (started at line {err.context_mark.line + 1})"
    if mark is not None:
        message += _hint(text, mark.line, mark.column, "flow sequence" in (err.context or ""))
    return line, f"invalid YAML: {message}"


# Where a plain value ends inside [...] and {...}.
_FLOW_STOPS = frozenset(" \t[],")


def _hint(text: str, line: int, column: int, in_list: bool) -> str:
    """Advice for the usual causes of an error at ``line``/``column`` (0-based), or ``""``."""
    lines = text.splitlines()
    source = lines[line] if 0 <= line < len(lines) else ""
    if 0 <= column < len(source) and source[column] == "\t":
        return "; YAML indents with spaces, never tabs"
    column = min(column, len(source))
    start, end = column, column
    while start > 0 and source[start - 1] not in _FLOW_STOPS:
        start -= 1
    while end < len(source) and source[end] not in _FLOW_STOPS:
        end += 1
    token = source[start:end].strip(":")
    if "{" not in token:
        return ""
    hint = f"""; '{{' starts a mapping in YAML: quote the value ("{token}")"""
    if in_list:
        hint += f", or write the list one item per line (- {token})"
    return hint


class _Walker:
    def __init__(self, loader: yaml.SafeLoader | yaml.CSafeLoader, parsed: ParsedYaml) -> None:
        self._loader = loader
        self._parsed = parsed
        # Node ids on the current descent: anchors may refer back to an ancestor.
        self._stack: set[int] = set()
        # Key nodes already reported: a merged anchor is walked again under another path.
        self._reported: set[int] = set()

    def walk(self, node: Node, path: Path) -> None:
        if id(node) in self._stack:
            return
        self._stack.add(id(node))
        try:
            if isinstance(node, MappingNode):
                self._walk_mapping(node, path)
            elif isinstance(node, SequenceNode):
                for index, item in enumerate(node.value):
                    self._record((*path, index), item.start_mark.line + 1)
                    self.walk(item, (*path, index))
        finally:
            self._stack.discard(id(node))

    def _walk_mapping(self, node: MappingNode, path: Path) -> None:
        seen: dict[Any, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                continue  # construction rejects unhashable keys with a proper YAML error
            key = self._loader.construct_object(key_node)
            if not isinstance(key, Hashable):
                continue
            line = key_node.start_mark.line + 1
            child = (*path, key)
            if key in seen:
                if id(key_node) not in self._reported:
                    self._reported.add(id(key_node))
                    self._parsed.duplicates.append(DuplicateKey(child, line, seen[key]))
            else:
                seen[key] = line
            self._record(child, line)
            self.walk(value_node, child)
        # Merged entries (``<<: *base``) count where explicit keys do not override them; their
        # lines point at the anchored mapping, which is where the value is written.
        for merged in merges:
            sources = merged.value if isinstance(merged, SequenceNode) else [merged]
            for source in sources:
                if isinstance(source, MappingNode):
                    self.walk(source, path)

    def _record(self, path: Path, line: int) -> None:
        # First writer wins: explicit keys are walked before merged ones.
        self._parsed.lines.setdefault(path, line)
