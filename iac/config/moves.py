"""The ``moved:`` entries of a configuration folder, checked across its files.

Each entry renames a destination's key: ``from`` is a key no longer declared, ``to`` a
declared one. As the renames are applied to state all at once, a key moves once: two
entries from one key, two onto one key, a chain (a -> b, b -> c) and a cycle (a -> b,
b -> a) are refused, each naming the entries' files and lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from iac.config.messages import format_path
from iac.config.problems import Problem, SourceLocation


@dataclass(frozen=True)
class DeclaredMove:
    old: str
    new: str
    file: Path
    index: int  # its place in the file's moved list
    from_line: int
    to_line: int

    @property
    def at(self) -> SourceLocation:
        return SourceLocation(self.file, self.from_line)

    def problem(self, field: str, message: str) -> Problem:
        line = self.to_line if field == "to" else self.from_line
        return Problem(self.file, line, format_path(("moved", self.index, field)), message)


def move_problems(
    moves: list[DeclaredMove], declared: Mapping[str, SourceLocation], *, complete: bool = True
) -> list[Problem]:
    """``complete``: every file was read, so a key not in ``declared`` is not declared."""
    problems: list[Problem] = []
    in_cycle = _cycles(moves, problems)
    first_from: dict[str, DeclaredMove] = {}
    first_to: dict[str, DeclaredMove] = {}
    for move in moves:
        if move.old in in_cycle:
            continue
        if move.old == move.new:
            problems.append(move.problem("to", f"{move.new!r} is the key it moves from"))
            continue
        if move.old in first_from:
            earlier = first_from[move.old]
            problems.append(
                move.problem(
                    "from",
                    f"{move.old!r} is already moved (to {earlier.new!r}) at {earlier.at}; "
                    "a key moves once",
                )
            )
            continue
        first_from[move.old] = move
        if move.new in first_to:
            earlier = first_to[move.new]
            problems.append(
                move.problem(
                    "to",
                    f"{earlier.old!r} already moves to {move.new!r} at {earlier.at}; two keys "
                    "cannot both become one",
                )
            )
            continue
        first_to[move.new] = move
    for move in first_from.values():
        problems += _against_declared(move, declared, complete)
    problems += _chains(first_from, first_to)
    return problems


def _against_declared(
    move: DeclaredMove, declared: Mapping[str, SourceLocation], complete: bool
) -> list[Problem]:
    problems = []
    if move.old in declared:
        problems.append(
            move.problem(
                "from",
                f"destination {move.old!r} is still declared at {declared[move.old]}; a key "
                f"that moved is no longer declared (remove it there, or remove this entry)",
            )
        )
    if move.new not in declared and complete:
        close = difflib.get_close_matches(move.new, sorted(declared), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            move.problem(
                "to",
                f"destination {move.new!r} is not declared under destinations{hint}; "
                "a move must end at a declared destination",
            )
        )
    return problems


def _chains(
    first_from: Mapping[str, DeclaredMove], first_to: Mapping[str, DeclaredMove]
) -> list[Problem]:
    """a -> b and b -> c: state would have to take b's entry twice over."""
    problems = []
    for key, onward in first_from.items():
        into = first_to.get(key)
        if into is None:
            continue
        problems.append(
            onward.problem(
                "from",
                f"{key!r} is the key {into.old!r} moves to at {into.at}, so it cannot move "
                f"on: chains of moves are refused; move {into.old!r} straight to "
                f"{onward.new!r} and remove this entry",
            )
        )
    return problems


def _cycles(moves: list[DeclaredMove], problems: list[Problem]) -> set[str]:
    """Report each cycle once (at its first entry); return the keys on one."""
    onward: dict[str, DeclaredMove] = {}
    for move in moves:
        onward.setdefault(move.old, move)
    on_cycle: set[str] = set()
    for start in onward:
        if start in on_cycle:
            continue
        path = [start]
        while (step := onward.get(path[-1])) is not None and step.new not in path:
            path.append(step.new)
        step = onward.get(path[-1])
        if step is None or step.new != start or len(path) < 2:
            continue
        entries = [onward[k] for k in path]
        first = min(entries, key=lambda m: (str(m.file), m.from_line))
        ring = " -> ".join([*path, start])
        places = ", ".join(str(m.at) for m in entries)
        problems.append(
            first.problem(
                "from",
                f"the moves form a cycle ({ring}; entries at {places}): a key cannot move "
                "back to where another one moves from; remove them",
            )
        )
        on_cycle.update(path)
    return on_cycle
