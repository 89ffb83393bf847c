"""How configuration problems are carried and shown: one ``file:line: path: message`` line each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from iac.errors import IacError


@dataclass(frozen=True)
class SourceLocation:
    """Where something is declared: a file and a 1-based line."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One user-facing problem; ``path`` is the dotted field path, empty for file-level ones."""

    file: Path
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: "
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class ConfigError(IacError):
    """The configuration cannot be used; ``str(err)`` lists every problem, one per line."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> ConfigError:
        # Sorted by file then line so the report reads top to bottom like the files do;
        # the sort is stable, so problems on one line keep the order they were found in.
        unique = list(dict.fromkeys(problems))
        ordered = sorted(unique, key=lambda p: (str(p.file), p.line))
        return cls("\n".join(str(p) for p in ordered), ordered)
