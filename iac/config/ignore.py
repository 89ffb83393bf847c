"""The drift ignore file (``.iacignore`` in the configuration folder, or ``--ignore-file``):
integrations in the org that ``iac drift`` should not report as unmanaged, like driftctl's
``.driftignore``.

One pattern a line; blank lines and lines starting with ``#`` are skipped. A pattern is a
glob (``*``, ``?``, ``[abc]``; case-sensitive) matched against the integration's id, its
name and its event source suffix; ``id:``, ``name:`` or ``suffix:`` in front limits it to
that one. A literal ``#`` or space at the start of a pattern is written ``\\#``/``\\ ``.
Drift of the destinations iac manages is always reported: fix it, or accept it with
``iac apply --refresh-only``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iac.config.files import FileProblem, read_text
from iac.config.problems import ConfigError, Problem

IGNORE_FILE = ".iacignore"
FIELDS = {"id": "id", "name": "name", "suffix": "event_source_suffix"}


@dataclass(frozen=True)
class IgnorePattern:
    glob: str
    field: str | None  # "id", "name", "suffix"; None: any of them
    line: int

    def matches(self, integration_id: str, attributes: Mapping[str, Any]) -> bool:
        values = {
            "id": integration_id,
            "name": attributes.get("name"),
            "suffix": attributes.get("event_source_suffix"),
        }
        for field in [self.field] if self.field else list(values):
            value = values[field]
            if isinstance(value, str) and fnmatch.fnmatchcase(value, self.glob):
                return True
        return False

    def __str__(self) -> str:
        return f"{self.field}:{self.glob}" if self.field else self.glob


@dataclass(frozen=True)
class IgnoreRules:
    path: Path
    patterns: tuple[IgnorePattern, ...]

    def match(self, integration_id: str, attributes: Mapping[str, Any]) -> IgnorePattern | None:
        """The first pattern that ignores this integration, if any."""
        return next((p for p in self.patterns if p.matches(integration_id, attributes)), None)


def load_ignore_file(path: Path) -> IgnoreRules:
    try:
        text = read_text(path, "ignore file")
    except FileProblem as err:
        raise _error(path, err.line, err.message) from None
    patterns = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("\\#", "\\ ")):
            line = line[1:]
        field, sep, rest = line.partition(":")
        if sep and field in FIELDS:
            if not rest:
                raise _error(path, number, f"{field}: needs a pattern after it")
            patterns.append(IgnorePattern(rest, field, number))
        else:
            patterns.append(IgnorePattern(line, None, number))
    return IgnoreRules(path, tuple(patterns))


def find_ignore_file(config_dir: Path, given: Path | None) -> IgnoreRules | None:
    """``--ignore-file`` when given (it must exist), else the folder's ``.iacignore`` if any."""
    if given is not None:
        if not given.is_file():
            raise _error(given, 1, "ignore file not found")
        return load_ignore_file(given)
    default = config_dir / IGNORE_FILE
    return load_ignore_file(default) if default.is_file() else None


def _error(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError.from_problems([Problem(path, line, "", message)])
