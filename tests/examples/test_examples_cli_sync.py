"""The iac commands written in examples/ and docs/ exist, with every option they use.

Nothing is run: the click command tree of ``iac.cli.cli`` is walked instead.
"""

from __future__ import annotations

import click
import pytest
from iac_testing.examples import CommandLine, all_commands

from iac.cli import cli

COMMANDS = all_commands()


def _resolve(argv: tuple[str, ...]) -> list[str]:
    """Problems with one command line: unknown (sub)commands and options."""
    problems: list[str] = []
    command: click.Command = cli
    ctx = click.Context(cli, info_name="iac")
    path = ["iac"]
    options = _options(command, ctx)
    words = list(argv)
    while words:
        word = words.pop(0)
        word = word.strip("[]").rstrip(".")
        if not word:
            continue
        if word.startswith("-") and len(word) > 1:
            name = word.split("=", 1)[0]
            option = options.get(name)
            if option is None:
                problems.append(f"{' '.join(path)}: no option {name}")
            elif "=" not in word and not option.is_flag and not option.count and words:
                words.pop(0)  # its value
            continue
        if isinstance(command, click.Group):
            sub = command.get_command(ctx, word)
            if sub is None:
                problems.append(f"{' '.join(path)}: no command {word!r}")
                break
            command = sub
            ctx = click.Context(sub, info_name=word, parent=ctx)
            path.append(word)
            options = _options(command, ctx)
        # else: a positional argument
    return problems


def _options(command: click.Command, ctx: click.Context) -> dict[str, click.Option]:
    names: dict[str, click.Option] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                names[name] = param
    return names


def test_commands_were_found() -> None:
    subcommands = {c.argv[0] for c in COMMANDS if c.argv}
    assert {"plan", "apply", "drift", "validate"} <= subcommands
    sources = {c.source.suffix or c.source.name for c in COMMANDS}
    assert {".md", ".yml"} <= sources


@pytest.mark.parametrize("command", COMMANDS, ids=CommandLine.label)
def test_command_exists(command: CommandLine) -> None:
    assert command.argv, f"{command.label()}: bare 'iac'"
    problems = _resolve(command.argv)
    assert not problems, f"{command.label()}\n  " + "\n  ".join(problems)


def test_resolver_catches_unknown_things() -> None:
    assert _resolve(("plan", "--out", "p.iac", "examples")) == []
    assert _resolve(("plan", "--no-such-flag")) == ["iac plan: no option --no-such-flag"]
    assert _resolve(("frobnicate",)) == ["iac: no command 'frobnicate'"]
    assert _resolve(("audit", "verify", "--workspace", "prod")) == []
