"""Renames of logical keys, in state only: the configuration's ``moved:`` entries and
``iac state mv``. Pure functions of plain data, like the planner that uses them.

A move takes the state entry of its ``from`` key (and a create intent recorded under it) to
its ``to`` key. As in Terraform, a move whose ``from`` is not in state is nothing to do (it
was applied already, or never had anything to move); one whose ``to`` is already in state is
not made, and says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from iac.plan.model import Change
from iac.state.model import State

Move = tuple[str, str]  # (from key, to key)


@dataclass(frozen=True)
class Moved:
    """The state with the moves made, and what became of each."""

    state: State
    # to key -> from key, for each move made
    made: dict[str, str] = field(default_factory=dict)
    # from key -> why its move was not made (the to key is in state already)
    skipped: dict[str, str] = field(default_factory=dict)


def rename(state: State, old: str, new: str) -> State:
    """``old``'s entry (and create intent) under ``new``; the caller checks both keys."""
    resources = {(new if k == old else k): v for k, v in state.resources.items()}
    pending = {(new if k == old else k): v for k, v in state.pending_creates.items()}
    return replace(state, resources=dict(sorted(resources.items())), pending_creates=pending)


def apply_moves(state: State, moves: Iterable[Move]) -> Moved:
    """Make each move whose ``from`` key state holds, unless its ``to`` key is taken.

    The configuration's checks (``iac.config.moves``) allow no chains, so the order of the
    moves does not matter.
    """
    made: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for old, new in moves:
        if old not in state.resources and old not in state.pending_creates:
            continue
        if new in state.resources or new in state.pending_creates:
            skipped[old] = (
                f"moved: destination.{old} was not moved to destination.{new}, which state "
                f"already holds (integration {_id(state, new)}); remove one of them from state "
                "(iac state rm) or this moved entry"
            )
            continue
        state = rename(state, old, new)
        made[new] = old
    return Moved(state, made, skipped)


def _id(state: State, key: str) -> str:
    entry = state.resources.get(key)
    return entry.id if entry else "not yet known"


def mark_moves(changes: Iterable[Change], moved: Moved) -> list[Change]:
    """Each moved key's change with the key it moved from; a move not made, explained."""
    marked = []
    for c in changes:
        if c.key in moved.made and not c.deposed:
            c = replace(c, previous_key=moved.made[c.key])
        elif c.key in moved.skipped and not c.deposed:
            c = replace(c, warnings=(*c.warnings, moved.skipped[c.key]))
        marked.append(c)
    return marked
