"""Finding the example files and the ``iac`` command lines written in them.

Commands are collected from:
- the shell of CI files: GitHub ``run:`` steps and GitLab ``script``/``before_script``/
  ``after_script`` entries (heredoc bodies skipped, ``\\`` continuations joined);
- fenced code blocks (sh, bash, shell, console or no language) of Markdown under examples/
  and docs/;
- YAML comments written as commands: ``#`` followed by at least two spaces then ``iac ...``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
ENVIRONMENTS = EXAMPLES / "environments"
ENV_NAMES = ("dev", "test", "prod")

SHELL_KEYS = {"run", "script", "before_script", "after_script"}
SHELL_FENCES = {"", "sh", "bash", "shell", "console", "zsh"}
PUNCTUATION = set(";&|<>()")
# Words after which a new command starts (besides punctuation).
COMMAND_STARTERS = {"if", "then", "else", "elif", "do", "while", "until", "!", "exec", "time"}
_MENTIONS_IAC = re.compile(r"(?:^|[\s;&|(!/`])iac\s")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_COMMENT_COMMAND = re.compile(r"^\s*#\s{2,}(iac\s.*)$")


@dataclass(frozen=True)
class CommandLine:
    source: Path
    line: int  # 1-based line of the command's first line in the source (approximate for CI)
    argv: tuple[str, ...]  # the words after "iac"

    def label(self) -> str:
        rel = self.source.relative_to(ROOT)
        return f"{rel}:{self.line}: iac {' '.join(self.argv)}"


def yaml_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


_JINJA = re.compile(r"(?<!\$)\{\{|\{%")  # GitHub's ${{ ... }} is not Jinja


def is_template(text: str) -> bool:
    return _JINJA.search(text) is not None


def ci_files() -> list[Path]:
    return sorted(
        [*(EXAMPLES / "ci" / "github").glob("*.yml"), EXAMPLES / "ci" / "gitlab" / ".gitlab-ci.yml"]
    )


def markdown_files() -> list[Path]:
    return sorted([*EXAMPLES.rglob("*.md"), *DOCS.rglob("*.md")])


def logical_lines(script: str) -> Iterator[tuple[int, str]]:
    """(offset of first physical line, text) of each shell line, continuations joined."""
    lines = script.splitlines()
    i = 0
    while i < len(lines):
        start = i
        text = lines[i]
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        i += 1
        heredoc = _HEREDOC.search(text)
        if heredoc:  # skip the body: it is another language (python, a file's content)
            end = heredoc.group(2)
            while i < len(lines) and lines[i].strip() != end:
                i += 1
            i += 1
        if text.lstrip().startswith("#"):
            continue
        yield start, text


def iac_commands(text: str) -> Iterator[tuple[str, ...]]:
    """Each ``iac`` invocation in one shell line, as the words after ``iac``."""
    if not _MENTIONS_IAC.search(text):
        return
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: fall back to plain words
        tokens = text.split()
    for index, token in enumerate(tokens):
        if token != "iac" and not token.endswith("/iac"):
            continue
        before = tokens[index - 1] if index else None
        starts_command = (
            before is None
            or set(before) <= PUNCTUATION
            or before in COMMAND_STARTERS
            or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", before) is not None
        )
        if not starts_command:
            continue
        words: list[str] = []
        rest = tokens[index + 1 :]
        for position, word in enumerate(rest):
            if set(word) <= PUNCTUATION:
                break
            following = rest[position + 1] if position + 1 < len(rest) else ""
            if word.isdigit() and following[:1] in ("<", ">"):
                break  # a redirection's file descriptor, as in 2>&1
            words.append(word)
        yield tuple(words)


def _shell_strings(node: object, key: str | None = None) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _shell_strings(v, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from _shell_strings(item, key)
    elif isinstance(node, str) and key in SHELL_KEYS:
        yield node


def commands_in_ci_file(path: Path) -> list[CommandLine]:
    text = path.read_text(encoding="utf-8")
    found: list[CommandLine] = []
    file_lines = [line.strip() for line in text.splitlines()]
    cursor = 0  # scripts come out of the YAML in file order: search onwards from the last hit
    for script in _shell_strings(yaml.safe_load(text)):
        script_lines = script.splitlines()
        for offset, line in logical_lines(script):
            commands = list(iac_commands(line))
            if not commands:
                continue
            first = script_lines[offset].strip()
            number = next(
                (n for n in range(cursor, len(file_lines)) if first and first in file_lines[n]),
                None,
            )
            if number is not None:
                cursor = number + 1
            found.extend(CommandLine(path, (number or 0) + 1, argv) for argv in commands)
    return found


def commands_in_yaml_comments(path: Path) -> list[CommandLine]:
    found: list[CommandLine] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _COMMENT_COMMAND.match(line)
        if match:
            found.extend(CommandLine(path, number, argv) for argv in iac_commands(match.group(1)))
    return found


def commands_in_markdown(path: Path) -> list[CommandLine]:
    found: list[CommandLine] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    fence: str | None = None
    language = ""
    block: list[str] = []
    block_start = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if fence is None:
            match = re.match(r"^(```+|~~~+)\s*([\w+-]*)", stripped)
            if match:
                fence, language, block, block_start = match.group(1), match.group(2), [], number
            continue
        if stripped.startswith(fence):
            if language.lower() in SHELL_FENCES:
                script = "\n".join(re.sub(r"^\s*\$ ", "", b) for b in block)
                for offset, logical in logical_lines(script):
                    for argv in iac_commands(logical):
                        found.append(CommandLine(path, block_start + 1 + offset, argv))
            fence = None
            continue
        block.append(line)
    return found


def all_commands() -> list[CommandLine]:
    commands: list[CommandLine] = []
    for path in ci_files():
        commands.extend(commands_in_ci_file(path))
    for path in yaml_files():
        commands.extend(commands_in_yaml_comments(path))
    for path in markdown_files():
        commands.extend(commands_in_markdown(path))
    return commands
