"""``moved:`` entries: read in load order, and refused with the file, line and field when they
cannot be applied (an undeclared ``to``, a ``from`` still declared, chains, cycles, ...)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iac.config import ConfigError, load_config

Write = Callable[[str, str], Path]


def dest(key: str) -> str:
    return (
        f"  {key}:\n"
        f"    name: {key}\n"
        f'    aws_account_id: "123456789012"\n'
        f"    aws_region: us-east-1\n"
        f"    event_source_suffix: {key}\n"
        f"    topic_filters: [v2.audits.entitytype.x]\n"
    )


def destinations(*keys: str) -> str:
    return "destinations:\n" + "".join(dest(k) for k in keys)


def errors(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return str(info.value).splitlines()


def test_moves_are_read_from_every_file_in_order(tmp_path: Path, write: Write) -> None:
    write("a.yaml", destinations("orders-eu") + "moved:\n  - from: orders\n    to: orders-eu\n")
    write("b.yml", "destinations: {}\nmoved:\n  - {from: billing, to: orders-eu2}\n")
    write("c.yaml", destinations("orders-eu2"))
    assert load_config(tmp_path).moved == (("orders", "orders-eu"), ("billing", "orders-eu2"))


def test_no_moves_is_the_default(tmp_path: Path, write: Write) -> None:
    write("a.yaml", destinations("orders"))
    assert load_config(tmp_path).moved == ()


def test_a_move_to_an_undeclared_key_names_its_line_and_the_nearest_key(
    tmp_path: Path, write: Write
) -> None:
    path = write(
        "a.yaml", destinations("orders-eu") + "moved:\n  - from: orders\n    to: orders-ue\n"
    )
    assert errors(tmp_path) == [
        f"{path}:10: moved[0].to: destination 'orders-ue' is not declared under destinations "
        "(did you mean 'orders-eu'?); a move must end at a declared destination"
    ]


def test_a_move_from_a_key_still_declared_is_refused(tmp_path: Path, write: Write) -> None:
    path = write(
        "a.yaml",
        destinations("orders", "orders-eu") + "moved:\n  - from: orders\n    to: orders-eu\n",
    )
    assert errors(tmp_path) == [
        f"{path}:15: moved[0].from: destination 'orders' is still declared at {path}:2; a key "
        "that moved is no longer declared (remove it there, or remove this entry)"
    ]


def test_a_chain_is_refused_with_the_move_to_make_instead(tmp_path: Path, write: Write) -> None:
    first = write("a.yaml", destinations("c") + "moved:\n  - from: a\n    to: b\n")
    second = write("b.yaml", "destinations: {}\nmoved:\n  - from: b\n    to: c\n")
    problems = errors(tmp_path)
    assert (
        f"{second}:3: moved[0].from: 'b' is the key 'a' moves to at {first}:9, so it cannot "
        "move on: chains of moves are refused; move 'a' straight to 'c' and remove this entry"
    ) in problems
    # b is not declared either: the first move ends nowhere.
    assert any(p.startswith(f"{first}:10: moved[0].to: destination 'b' is not") for p in problems)


def test_a_cycle_is_refused_once(tmp_path: Path, write: Write) -> None:
    path = write(
        "a.yaml",
        destinations("a") + "moved:\n  - from: a\n    to: b\n  - from: b\n    to: a\n",
    )
    assert errors(tmp_path) == [
        f"{path}:9: moved[0].from: the moves form a cycle (a -> b -> a; entries at {path}:9, "
        f"{path}:11): a key cannot move back to where another one moves from; remove them"
    ]


def test_one_key_moves_once_and_two_keys_cannot_become_one(tmp_path: Path, write: Write) -> None:
    path = write(
        "a.yaml",
        destinations("x", "y")
        + "moved:\n"
        + "  - {from: a, to: x}\n"
        + "  - {from: a, to: y}\n"
        + "  - {from: b, to: x}\n"
        + "  - {from: c, to: c}\n",
    )
    assert errors(tmp_path) == [
        f"{path}:16: moved[1].from: 'a' is already moved (to 'x') at {path}:15; a key moves once",
        f"{path}:17: moved[2].to: 'a' already moves to 'x' at {path}:15; two keys cannot both "
        "become one",
        f"{path}:18: moved[3].to: 'c' is the key it moves from",
    ]


@pytest.mark.parametrize(
    ("moved", "message"),
    [
        (
            "moved: orders\n",
            "14: moved: must be a list of renames, one '- from: OLD-KEY' item "
            "each with 'to: NEW-KEY' (got 'orders')",
        ),
        (
            "moved:\n  - orders\n",
            "15: moved[0]: must be a list of renames, one '- from: OLD-KEY' "
            "item each with 'to: NEW-KEY' (got 'orders')",
        ),
        (
            "moved:\n  - {from: orders, too: orders-eu}\n",
            "15: moved[0].too: unknown field 'too' (did you mean 'to'?)",
        ),
        (
            "moved:\n  - {from: 'a b', to: orders-eu}\n",
            "15: moved[0].from: must be a destination "
            "key: use letters, digits, '_' and '-', starting with a letter or digit, at most 64 "
            "characters (got 'a b')",
        ),
    ],
)
def test_malformed_entries_name_their_field(
    tmp_path: Path, write: Write, moved: str, message: str
) -> None:
    path = write("a.yaml", destinations("orders-eu", "other") + moved)
    assert errors(tmp_path) == [f"{path}:{message}"]
