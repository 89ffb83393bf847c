"""The policy file: an organisation's rules for destinations, as YAML, and its loader.

``iac.gates.policy`` checks every planned change against it.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iac.config.files import FileProblem, read_text
from iac.config.messages import translate
from iac.config.problems import ConfigError, Problem
from iac.config.yaml_lines import YamlSyntaxError, parse_yaml


class Policy(BaseModel):
    """Rules every planned change must pass. Omitted rules allow everything."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_aws_account_ids: list[str] | None = Field(
        default=None, description="Only these AWS accounts may receive events."
    )
    allowed_regions: list[str] | None = Field(
        default=None, description="Only these AWS regions may host partner event sources."
    )
    required_topic_patterns: list[str] = Field(
        default_factory=list,
        description="Each pattern (shell-style, e.g. v2.audits.*) must match a topic.",
    )
    forbidden_topic_patterns: list[str] = Field(
        default_factory=list, description="No topic may match these patterns."
    )
    allow_delete: bool = Field(default=True, description="Whether plans may delete.")
    allow_replace: bool = Field(default=True, description="Whether plans may replace.")
    allow_aws_event_bus: bool = Field(
        default=True,
        description="Whether destinations may manage a partner event bus in their AWS account "
        "(aws_event_bus): false blocks plans that create, verify or delete one.",
    )


def load_policy(path: Path) -> Policy:
    try:
        text = read_text(path, "policy file")
    except FileProblem as err:
        raise ConfigError.from_problems([Problem(path, err.line, "", err.message)]) from None
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as err:
        raise ConfigError.from_problems([Problem(path, err.line, "", err.message)]) from None
    data = parsed.data if parsed is not None else {}
    rules = ", ".join(Policy.model_fields)
    if not isinstance(data, dict):
        raise ConfigError.from_problems(
            [Problem(path, 1, "", f"a policy file is a mapping of rules ({rules})")]
        )
    unknown = [
        Problem(path, parsed.line_of((key,)) if parsed else 1, str(key), _unknown_rule(key))
        for key in data
        if key not in Policy.model_fields
    ]
    if unknown:
        raise ConfigError.from_problems(unknown)
    try:
        return Policy.model_validate(data)
    except ValidationError as err:
        problems = [
            Problem(path, parsed.line_of(m.loc) if parsed else 1, m.path, m.message)
            for m in translate(err.errors())
        ]
        raise ConfigError.from_problems(problems) from None


def _unknown_rule(key: object) -> str:
    close = difflib.get_close_matches(str(key), list(Policy.model_fields), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"rules: {', '.join(Policy.model_fields)}"
    return f"unknown policy rule {key!r} ({hint})"
