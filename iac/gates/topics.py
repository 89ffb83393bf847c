"""The rules gate's topic check: every topic a change sends is one the org's catalog has, and
one Genesys delivers over EventBridge.

A mistyped topic, or one only notification channels carry, is accepted by Genesys, goes
ACTIVE and then delivers nothing: here it fails, with the catalog's closest topic as a
suggestion. A Preview topic, or one whose transports iac does not know, warns. A catalog that
could not be read (a token without the scope) warns once for the run: nothing is refused on a
guess.
"""

from __future__ import annotations

import re
from typing import Any

from iac.config.models import TOPIC_PATTERN
from iac.genesys.topics import CatalogTopic, CatalogUnavailable, Delivery, TopicCatalog
from iac.plan.model import Action, Change, GateKind, GateOutcome, GateResult, Plan

CHECK = "topics"
_TOPIC = re.compile(TOPIC_PATTERN)
_WRITES = (Action.CREATE, Action.UPDATE, Action.REPLACE)

Catalog = TopicCatalog | CatalogUnavailable


def topic_results(plan: Plan, catalog: Catalog | None) -> list[GateResult]:
    """One result per change that writes topics; None: the catalog was not read (no writes)."""
    writes = [c for c in plan.changes if c.action in _WRITES and c.after is not None]
    if catalog is None or not writes:
        return []
    if isinstance(catalog, CatalogUnavailable):
        return [
            GateResult(
                kind=GateKind.RULES,
                key=None,
                check=CHECK,
                outcome=GateOutcome.WARNING,
                message=f"not checked against the org's topic catalog: {catalog.reason}",
            )
        ]
    return [_result(change, catalog) for change in writes]


def _result(change: Change, catalog: TopicCatalog) -> GateResult:
    assert change.after is not None
    topics = _well_formed(change.after.get("topic_filters"))
    failures: list[str] = []
    warnings: list[str] = []
    details: dict[str, Any] = {}
    for topic in topics:
        found = catalog.find(topic)
        if found is None:
            suggestion = catalog.suggestion(topic)
            failures.append(
                f"topic {topic!r} is not in the org's topic catalog"
                + (f"; did you mean {suggestion!r}?" if suggestion else "")
            )
            details.setdefault("not_in_catalog", []).append(topic)
            if suggestion:
                details.setdefault("suggestions", {})[topic] = suggestion
            continue
        problem, warning = _delivery(topic, found)
        if problem:
            failures.append(problem)
            details.setdefault("not_eventbridge", {})[topic] = list(found.transports or ())
        if warning:
            warnings.append(warning)
            details.setdefault("unverified_transports", {})[topic] = list(found.transports or ())
        if found.preview:
            warnings.append(f"topic {topic!r} is a Preview topic: Genesys may change or remove it")
            details.setdefault("preview", []).append(topic)
    if failures:
        outcome = GateOutcome.FAILED
    elif warnings:
        outcome = GateOutcome.WARNING
    else:
        outcome = GateOutcome.PASSED
    count = len(topics)
    message = "; ".join(failures + warnings) or (
        f"{'the topic is' if count == 1 else f'all {count} topics are'} in the org's catalog "
        "and delivered over EventBridge"
    )
    return GateResult(
        kind=GateKind.RULES,
        key=change.key,
        check=CHECK,
        outcome=outcome,
        message=message,
        details=details,
    )


def _delivery(topic: str, found: CatalogTopic) -> tuple[str | None, str | None]:
    """(why it fails, why it warns) for how Genesys delivers ``found``."""
    delivery = found.delivery
    if delivery is Delivery.OTHER:
        transports = ", ".join(found.transports or ())
        return (
            f"topic {topic!r} is not delivered over EventBridge (the catalog's transports for "
            f"it: {transports}): an integration forwarding it would receive nothing",
            None,
        )
    if delivery is Delivery.UNKNOWN:
        if found.unknown_transports:
            said = f"lists transports iac does not know ({', '.join(found.unknown_transports)})"
        else:
            said = "does not say which transports deliver it"
        return (
            None,
            f"the catalog {said} for topic {topic!r}: whether Genesys delivers it over "
            "EventBridge is unverified",
        )
    return None, None


def _well_formed(topics: Any) -> list[str]:
    """The topics worth looking up (the business rules report empty and malformed ones)."""
    if not isinstance(topics, list):
        return []
    return [t for t in topics if isinstance(t, str) and _TOPIC.match(t)]
