"""Business rules beyond the schema, checked against the whole org.

The schema already checks one configuration; these rules need live Genesys: an AWS identity
(account, region, suffix) used by another integration, including ones iac does not manage,
would make Genesys refuse the change half-way through an apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from iac.config.models import TOPIC_PATTERN, Destination
from iac.genesys.live import LiveDestination
from iac.plan.model import Action, GateKind, GateOutcome, GateResult, Plan

_TOPIC = re.compile(TOPIC_PATTERN)
_WRITES = (Action.CREATE, Action.UPDATE, Action.REPLACE)


def rule_results(
    plan: Plan, live: Mapping[str, LiveDestination], managed_ids: set[str]
) -> list[GateResult]:
    # Integrations this plan deletes free their identity (the applier orders the reuse).
    freed = {c.id for c in plan.changes if c.action in (Action.DELETE, Action.REPLACE)}
    holders = {
        _identity(d.attributes): d
        for d in live.values()
        if d.id not in freed and all(_identity(d.attributes))
    }
    results = []
    for change in plan.changes:
        if change.action not in _WRITES or change.after is None:
            continue
        problems = _topic_problems(change.after.get("topic_filters"))
        holder = holders.get(_identity(change.after))
        if holder is not None and holder.id != change.id:
            account, region, suffix = _identity(change.after)
            owner = (
                "another managed destination"
                if holder.id in managed_ids
                else ("an integration no configuration manages")
            )
            problems.append(
                f"account {account}, region {region} and suffix {suffix!r} are already used by "
                f"integration {holder.id} ({holder.attributes.get('name')!r}), {owner}"
            )
        results.append(
            GateResult(
                kind=GateKind.RULES,
                key=change.key,
                check="business_rules",
                outcome=GateOutcome.FAILED if problems else GateOutcome.PASSED,
                message="; ".join(problems) or "unique AWS identity in the org; topics well formed",
            )
        )
    return results


def _identity(attributes: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(attributes.get(a) for a in Destination.IDENTITY_FIELDS)


def _topic_problems(topics: Any) -> list[str]:
    if not isinstance(topics, list) or not topics:
        return ["topic_filters is empty: Genesys would forward nothing"]
    bad = [t for t in topics if not isinstance(t, str) or not _TOPIC.match(t)]
    return [f"malformed topic {t!r}" for t in bad]
