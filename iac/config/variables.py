"""Template variables from the environment, variable files and ``--var`` options.

Sources, later ones overriding earlier ones name by name:

1. environment variables ``IAC_VAR_<name>`` (the name as written after the prefix),
2. ``--var-file`` files in the order given: YAML or JSON mappings of name to value,
3. ``--var name=value`` options in the order given (the value is always a string).

Every problem of every source is collected into one ConfigError. Values never appear in
messages: a variable may hold something that should not be printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from iac.config.files import FileProblem, read_text
from iac.config.problems import ConfigError, Problem
from iac.config.yaml_lines import YamlSyntaxError, parse_yaml

ENV_PREFIX = "IAC_VAR_"
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Valid identifiers that a template still cannot read as a variable.
_RESERVED = frozenset({"true", "false", "none", "True", "False", "None", "not", "self"})
_NAME_RULE = "letters, digits and '_', not starting with a digit"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a template variable, or None when it can."""
    if not name:
        return "the variable name is empty"
    if not NAME_PATTERN.match(name):
        return f"{name!r} is not a valid variable name ({_NAME_RULE})"
    if name in _RESERVED:
        return f"{name!r} is reserved in templates; choose another variable name"
    return None


def collect_variables(
    cli_vars: Sequence[str], var_files: Sequence[Path], environ: Mapping[str, str]
) -> dict[str, Any]:
    """Merge the three sources (env < files < --var); one ConfigError lists every problem."""
    variables: dict[str, Any] = {}
    messages: list[str] = []

    for env_name in sorted(environ):
        if not env_name.startswith(ENV_PREFIX):
            continue
        name = env_name[len(ENV_PREFIX) :]
        problem = name_problem(name)
        if problem:
            messages.append(f"environment variable {env_name}: {problem}")
        else:
            variables[name] = environ[env_name]

    file_problems: list[Problem] = []
    for path in var_files:
        found, problems = _read_var_file(Path(path))
        variables.update(found)
        file_problems.extend(problems)
    # Files keep the order they were given in; within a file, top to bottom.
    messages.extend(str(p) for p in dict.fromkeys(file_problems))

    for option in cli_vars:
        name, sep, value = option.partition("=")
        if not sep:
            messages.append(f"--var {option!r}: expected name=value")
            continue
        problem = name_problem(name.strip())
        if problem:
            messages.append(f"--var {name!r}: {problem}")
            continue
        variables[name.strip()] = value

    if messages:
        raise ConfigError("\n".join(messages), file_problems)
    return variables


def _read_var_file(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    try:
        text = read_text(path, "variable file")
    except FileProblem as err:
        return {}, [Problem(path, err.line, "", err.message)]
    try:
        parsed = parse_yaml(text)  # JSON is YAML too
    except YamlSyntaxError as err:
        return {}, [Problem(path, err.line, "", err.message)]
    if parsed is None:
        return {}, []  # empty or comments only: no variables
    if not isinstance(parsed.data, dict):
        return {}, [
            Problem(
                path,
                parsed.line_of(()),
                "",
                "a variable file must be a mapping of variable names to values",
            )
        ]
    problems = [
        Problem(
            path,
            dup.line,
            str(dup.path[0]),
            f"duplicate variable {dup.path[0]!r} (first at line {dup.first_line})",
        )
        for dup in parsed.duplicates
        if len(dup.path) == 1
    ]
    found: dict[str, Any] = {}
    for name, value in parsed.data.items():
        line = parsed.line_of((name,))
        if not isinstance(name, str):
            problems.append(Problem(path, line, "", f"variable name must be text; got {name!r}"))
            continue
        problem = name_problem(name)
        if problem:
            problems.append(Problem(path, line, "", problem))
            continue
        found[name] = value
    return found, problems
