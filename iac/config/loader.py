"""Reads a folder of YAML files into the desired state, collecting every problem at once.

Per file: read text -> render it as a sandboxed Jinja2 template with the caller's variables
(see ``iac.config.templates``) -> parse YAML (with lines). Then, with the regions every file
adds to the known ones (``extra_aws_regions``), validate each with pydantic, and check what
spans files: a logical key declared twice, two keys naming the same partner event source,
and a top-level setting (``policy``, ``org``) that more than one file declares. Every step
stays within the limits of ``iac.config.limits``.

Lines of YAML and field problems are lines of the rendered text: the file's own lines unless
a template adds or removes lines, which shifts everything after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from iac.config.files import FileProblem, read_text
from iac.config.limits import MAX_PROBLEMS_PER_FILE, number
from iac.config.messages import format_path, translate
from iac.config.models import (
    EXTRA_REGIONS,
    REGION_PATTERN,
    Destination,
    DestinationsFile,
    OrgSettings,
)
from iac.config.moves import DeclaredMove, move_problems
from iac.config.problems import ConfigError, Problem, SourceLocation
from iac.config.templates import TemplateProblem, render_template
from iac.config.yaml_guard import YamlLimitError, check_characters
from iac.config.yaml_lines import ParsedYaml, YamlSyntaxError, parse_yaml

YAML_SUFFIXES = (".yaml", ".yml")
_REGION = re.compile(REGION_PATTERN)

# Top-level settings that apply to the whole folder, so only one file may declare each:
# key -> problem when a second file does (formatted with the first one's location).
_ONE_PER_FOLDER: dict[str, str] = {
    "policy": "a policy is already named at {}; name it in one file only",
    "org": "an org block is already declared at {}; declare it in one file only",
}


@dataclass(frozen=True)
class DesiredConfig:
    """The desired state: destinations by logical key (sorted) and where each was declared."""

    destinations: dict[str, Destination]
    locations: dict[str, SourceLocation]
    files: tuple[Path, ...] = field(default=())  # the YAML files read, in load order
    # The policy file a configuration file names (resolved against that file's folder).
    policy_file: Path | None = None
    # Where each destination's connectivity probe goes.
    probe_endpoints: dict[str, str] = field(default_factory=dict)
    # Keys of the destinations with prevent_destroy: no plan may delete or replace them.
    protected: frozenset[str] = frozenset()
    # The folder's org block, if a file declares one.
    org: OrgSettings | None = None
    # Renamed keys (from, to), from the files' moved: entries, in load order.
    moved: tuple[tuple[str, str], ...] = ()


@dataclass
class _FileResult:
    problems: list[Problem] = field(default_factory=list)
    # Keys as written (even if their body is invalid) and the destinations that validated.
    keys: dict[str, SourceLocation] = field(default_factory=dict)
    valid: dict[str, Destination] = field(default_factory=dict)
    # Where the file declares each _ONE_PER_FOLDER setting (valid or not), and valid values.
    declared: dict[str, SourceLocation] = field(default_factory=dict)
    policy: Path | None = None
    org: OrgSettings | None = None
    moves: list[DeclaredMove] = field(default_factory=list)


def config_files(folder: Path) -> list[Path]:
    """The YAML files directly in ``folder``, sorted by name; subfolders are not searched."""
    if not folder.exists():
        raise ConfigError(f"config folder not found: {folder}")
    if not folder.is_dir():
        raise ConfigError(f"config path is not a folder: {folder}")
    files = sorted(
        (p for p in folder.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file()),
        key=lambda p: p.name,
    )
    if not files:
        raise ConfigError(f"no *.yaml or *.yml files in {folder}")
    return files


def load_config(folder: Path, variables: Mapping[str, Any] | None = None) -> DesiredConfig:
    """Load and validate the YAML files in ``folder``; one ConfigError lists all problems.

    Each file is first rendered as a Jinja2 template with ``variables`` (None: no variables;
    see ``iac.config.variables.collect_variables`` for building them from the command line).
    """
    folder = Path(folder)
    files = config_files(folder)
    variables = dict(variables or {})
    problems: list[Problem] = []
    locations: dict[str, SourceLocation] = {}
    destinations: dict[str, Destination] = {}
    declared: dict[str, SourceLocation] = {}
    policy: Path | None = None
    org: OrgSettings | None = None
    moves: list[DeclaredMove] = []
    parsed_files = [(path, _parse_file(path, variables)) for path in files]
    context = {EXTRA_REGIONS: _extra_regions(parsed for _, (parsed, _) in parsed_files)}
    for path, (parsed, result) in parsed_files:
        if parsed is not None:
            _validate(path, parsed, result, context)
        problems.extend(result.problems)
        problems.extend(_one_per_folder(declared, result.declared))
        policy = policy or result.policy
        org = org or result.org
        moves += result.moves
        for key, where in result.keys.items():
            first = locations.get(key)
            if first is not None:
                problems.append(
                    Problem(
                        where.file,
                        where.line,
                        format_path(("destinations", key)),
                        f"destination {key!r} is already declared at {first}",
                    )
                )
                continue
            locations[key] = where
            if key in result.valid:
                destinations[key] = result.valid[key]
    problems.extend(_identity_clashes(destinations, locations))
    # A key declared in a file that could not be read would look undeclared.
    unread = any(parsed is None and result.problems for _, (parsed, result) in parsed_files)
    problems.extend(move_problems(moves, locations, complete=not unread))
    if problems:
        raise ConfigError.from_problems(problems)
    keys = sorted(destinations)
    return DesiredConfig(
        destinations={k: destinations[k] for k in keys},
        locations={k: locations[k] for k in keys},
        files=tuple(files),
        policy_file=policy,
        probe_endpoints={k: destinations[k].probe_endpoint() for k in keys},
        protected=frozenset(k for k in keys if destinations[k].prevent_destroy),
        org=org,
        moved=tuple((m.old, m.new) for m in moves),
    )


def _one_per_folder(
    first: dict[str, SourceLocation], found: dict[str, SourceLocation]
) -> list[Problem]:
    """Problems for settings in ``found`` that ``first`` already has; records the new ones."""
    problems: list[Problem] = []
    for name, where in found.items():
        if name in first:
            message = _ONE_PER_FOLDER[name].format(first[name])
            problems.append(Problem(where.file, where.line, name, message))
        else:
            first[name] = where
    return problems


def _parse_file(path: Path, variables: Mapping[str, Any]) -> tuple[ParsedYaml | None, _FileResult]:
    """The file's YAML (None when it has none or fails), and the problems met on the way."""
    result = _FileResult()
    try:
        text = read_text(path)
        # Before templating, so that the line is the file's own.
        check_characters(text)
    except (FileProblem, YamlLimitError) as err:
        result.problems.append(Problem(path, err.line, "", err.message))
        return None, result
    try:
        text = render_template(path, text, variables)
    except TemplateProblem as err:
        result.problems.append(Problem(path, err.line, "", err.message))
        return None, result
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as err:
        result.problems.append(Problem(path, err.line, "", err.message))
        return None, result
    if parsed is None:
        return None, result  # empty or comments only: nothing declared
    for dup in parsed.duplicates:
        result.problems.append(
            Problem(
                path,
                dup.line,
                format_path(dup.path),
                f"duplicate key {dup.path[-1]!r} (first at line {dup.first_line});"
                " YAML would silently keep only the last one",
            )
        )
    return parsed, result


def _extra_regions(parsed_files: Iterable[ParsedYaml | None]) -> frozenset[str]:
    """Every well-formed region that a file lists under extra_aws_regions."""
    found: set[str] = set()
    for parsed in parsed_files:
        data = parsed.data if parsed is not None else None
        listed = data.get(EXTRA_REGIONS) if isinstance(data, dict) else None
        if isinstance(listed, list):
            found.update(r for r in listed if isinstance(r, str) and _REGION.match(r))
    return frozenset(found)


def _validate(path: Path, parsed: ParsedYaml, result: _FileResult, context: dict[str, Any]) -> None:
    data = parsed.data
    declared = data.get("destinations") if isinstance(data, dict) else None
    if isinstance(declared, dict):
        for key in declared:
            if isinstance(key, str):
                line = parsed.line_of(("destinations", key))
                result.keys[key] = SourceLocation(path, line)
    if isinstance(data, dict):
        for name in _ONE_PER_FOLDER:
            if data.get(name) is not None:
                result.declared[name] = SourceLocation(path, parsed.line_of((name,)))
    try:
        model = DestinationsFile.model_validate(data, context=context)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        for msg in translate(errors[:MAX_PROBLEMS_PER_FILE], parsed.line_of):
            result.problems.append(Problem(path, parsed.line_of(msg.loc), msg.path, msg.message))
        if len(errors) > MAX_PROBLEMS_PER_FILE:
            # Nobody reads ten thousand lines; the first ones show what went wrong.
            more = len(errors) - MAX_PROBLEMS_PER_FILE
            line = parsed.line_of(tuple(errors[MAX_PROBLEMS_PER_FILE]["loc"]))
            message = f"... and {number(more)} more problems in this file (fix these first)"
            result.problems.append(Problem(path, line, "", message))
        # Keep the destinations that are fine on their own so cross-file checks still run.
        if isinstance(declared, dict):
            result.valid.update(_salvage(declared, context))
        return
    result.valid.update(model.destinations)
    for index, move in enumerate(model.moved):
        lines = (parsed.line_of(("moved", index, name)) for name in ("from", "to"))
        result.moves.append(DeclaredMove(move.from_, move.to, path, index, *lines))
    if model.policy is not None:
        result.policy = path.parent / model.policy
    result.org = model.org


def _salvage(declared: dict[Any, Any], context: dict[str, Any]) -> dict[str, Destination]:
    valid: dict[str, Destination] = {}
    for key, body in declared.items():
        if not isinstance(key, str):
            continue
        try:
            valid[key] = Destination.model_validate(body, context=context)
        except ValidationError:
            continue  # already reported by the whole-file validation
    return valid


def _identity_clashes(
    destinations: dict[str, Destination], locations: dict[str, SourceLocation]
) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[tuple[str, str, str], str] = {}
    # Declaration order (file, line) decides which of two clashing keys is "first".
    for key in sorted(destinations, key=lambda k: (str(locations[k].file), locations[k].line)):
        identity = destinations[key].identity()
        first = owners.setdefault(identity, key)
        if first == key:
            continue
        where = locations[key]
        account, region, suffix = identity
        problems.append(
            Problem(
                where.file,
                where.line,
                format_path(("destinations", key)),
                f"same aws_account_id, aws_region and event_source_suffix ({account}, {region},"
                f" {suffix}) as {first!r} at {locations[first]}: both would be one partner"
                " event source",
            )
        )
    return problems
