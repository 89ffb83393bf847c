"""Business rules beyond the schema, checked against the whole org.

The schema already checks one configuration; these rules need live Genesys: an AWS identity
(account, region, suffix) used by another integration, including ones iac does not manage,
would make Genesys refuse the change half-way through an apply; so would a create past the
integration type's ``maxInstances``, which counts every EventBridge integration in the org.
Each topic is also looked up in the org's own topic catalog (``topics.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from iac.config.models import TOPIC_PATTERN, identity_of
from iac.gates.topics import Catalog, topic_results
from iac.genesys.live import INTEGRATION_TYPE, LiveDestination
from iac.plan.model import Action, GateKind, GateOutcome, GateResult, Plan

_TOPIC = re.compile(TOPIC_PATTERN)
_WRITES = (Action.CREATE, Action.UPDATE, Action.REPLACE)
_CREATING = (Action.CREATE, Action.REPLACE)


def rule_results(
    plan: Plan,
    live: Mapping[str, LiveDestination],
    managed_ids: set[str],
    max_instances: int | None = None,
    catalog: Catalog | None = None,
) -> list[GateResult]:
    """``max_instances``: the type's cap (None: Genesys does not say, nothing to check).
    ``catalog``: the org's topic catalog, or why it could not be read (None: not read)."""
    over_cap = instance_cap_problem(plan, live, max_instances)
    # Integrations this plan deletes free their identity (the applier orders the reuse).
    freed = {c.id for c in plan.changes if c.action in (Action.DELETE, Action.REPLACE)}
    holders = {
        identity: d
        for d in live.values()
        if d.id not in freed and (identity := identity_of(d.attributes)) is not None
    }
    results = []
    for change in plan.changes:
        if change.action not in _WRITES or change.after is None:
            continue
        problems = _topic_problems(change.after.get("topic_filters"))
        if over_cap and change.action in _CREATING:
            problems.append(over_cap)
        wanted = identity_of(change.after)
        holder = holders.get(wanted) if wanted else None
        if wanted and holder is not None and holder.id != change.id:
            account, region, suffix = wanted
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
    return results + topic_results(plan, catalog)


def instance_cap_problem(
    plan: Plan, live: Mapping[str, LiveDestination], max_instances: int | None
) -> str | None:
    """Why the plan's creates would take the org past ``max_instances``; None if they fit.

    The org's count is every EventBridge integration it holds, managed or not, plus the
    plan's creates, minus its deletes of integrations that exist. A replace creates its new
    integration before deleting the old one (unless it must delete first), so while it runs
    the org holds one more: the plan must fit at that peak too.
    """
    if max_instances is None:
        return None
    creates = [c for c in plan.changes if c.action in _CREATING]
    if not creates:
        return None
    deletes = [
        c for c in plan.changes if c.action in (Action.DELETE, Action.REPLACE) and c.id in live
    ]
    overlapping = [c for c in deletes if c.action is Action.REPLACE and not c.destroy_before_create]
    has = len(live)
    after = has + len(creates) - len(deletes)
    peak = after + len(overlapping)
    if peak <= max_instances:
        return None
    message = (
        f"the org may have at most {max_instances} {INTEGRATION_TYPE} integrations; it has "
        f"{has}, and this plan creates {len(creates)}"
    )
    if deletes:
        message += f" and deletes {len(deletes)}"
    if after <= max_instances:
        message += (
            f": {peak} at once, since a replace creates its new integration before deleting "
            "the old one"
        )
    return message


def _topic_problems(topics: Any) -> list[str]:
    if not isinstance(topics, list) or not topics:
        return ["topic_filters is empty: Genesys would forward nothing"]
    bad = [t for t in topics if not isinstance(t, str) or not _TOPIC.match(t)]
    return [f"malformed topic {t!r}" for t in bad]
