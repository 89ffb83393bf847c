"""Policy: an organisation's rules for destinations, in a YAML file, checked on every plan.

A violation names the destination, the rule and the value, and blocks that destination only
(unless --strict).
"""

from __future__ import annotations

import difflib
import fnmatch
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iac.config.messages import translate
from iac.config.problems import ConfigError, Problem
from iac.config.yaml_lines import YamlSyntaxError, parse_yaml
from iac.plan.model import Action, Change, GateKind, GateOutcome, GateResult, Plan


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


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"policy file {path}: cannot read it: {err.strerror or err}") from None
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


def policy_results(plan: Plan, policy: Policy) -> list[GateResult]:
    results = []
    for change in plan.changes:
        if change.action is Action.NOOP:
            continue
        violations = _violations(change, policy)
        results.append(
            GateResult(
                kind=GateKind.POLICY,
                key=change.key,
                check=violations[0][0] if violations else "policy",
                outcome=GateOutcome.FAILED if violations else GateOutcome.PASSED,
                message="; ".join(m for _, m in violations) or "complies with the policy",
                details={"rules": [r for r, _ in violations]} if violations else {},
            )
        )
    return results


def _violations(change: Change, policy: Policy) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if change.action is Action.DELETE and not change.deposed and not policy.allow_delete:
        found.append(("allow_delete", "rule allow_delete: the policy forbids deleting it"))
    if change.action is Action.REPLACE and not policy.allow_replace:
        changed = ", ".join(a.name for a in change.attribute_changes if a.forces_replacement)
        found.append(
            ("allow_replace", f"rule allow_replace: the policy forbids replacing it ({changed})")
        )
    after: dict[str, Any] = change.after or {}
    if not after:
        return found
    account, region = after.get("aws_account_id"), after.get("aws_region")
    if policy.allowed_aws_account_ids is not None and account not in policy.allowed_aws_account_ids:
        found.append(
            (
                "allowed_aws_account_ids",
                f"rule allowed_aws_account_ids: account {account!r} is not allowed "
                f"(allowed: {', '.join(policy.allowed_aws_account_ids) or 'none'})",
            )
        )
    if policy.allowed_regions is not None and region not in policy.allowed_regions:
        found.append(
            (
                "allowed_regions",
                f"rule allowed_regions: region {region!r} is not allowed "
                f"(allowed: {', '.join(policy.allowed_regions) or 'none'})",
            )
        )
    topics = list(after.get("topic_filters") or [])
    for pattern in policy.required_topic_patterns:
        if not any(fnmatch.fnmatchcase(t, pattern) for t in topics):
            found.append(
                (
                    "required_topic_patterns",
                    f"rule required_topic_patterns: no topic matches {pattern!r}",
                )
            )
    for pattern in policy.forbidden_topic_patterns:
        for topic in topics:
            if fnmatch.fnmatchcase(topic, pattern):
                found.append(
                    (
                        "forbidden_topic_patterns",
                        f"rule forbidden_topic_patterns: topic {topic!r} matches {pattern!r}",
                    )
                )
    return found
