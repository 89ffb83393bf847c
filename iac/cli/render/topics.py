"""``iac topics`` as text for people and as JSON for scripts."""

from __future__ import annotations

import json
from typing import Any

from iac.genesys.topics import CatalogTopic, Delivery
from iac.run.topics import TopicsOutcome


def render_topics_text(outcome: TopicsOutcome) -> str:
    lines = [f"Target: {outcome.where}", ""]
    for topic in outcome.topics:
        lines.append(f"  {topic.id}{_marks(topic)}")
        if topic.description:
            lines.append(f"      {topic.description}")
    if outcome.topics:
        lines.append("")
    lines.append(_summary(outcome))
    return "\n".join(lines) + "\n"


def render_topics_json(outcome: TopicsOutcome) -> str:
    doc: dict[str, Any] = {
        "target": outcome.where,
        "search": outcome.search,
        "catalog_size": outcome.catalog_size,
        "eventbridge_topics": outcome.eventbridge,
        "topics": [_topic_json(t) for t in outcome.topics],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _topic_json(topic: CatalogTopic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "description": topic.description,
        "transports": None if topic.transports is None else list(topic.transports),
        "visibility": topic.visibility,
        # "eventbridge", or "unknown" when the catalog names transports iac does not know.
        "delivery": topic.delivery.value,
    }


def _marks(topic: CatalogTopic) -> str:
    marks = []
    if topic.preview:
        marks.append("Preview")
    if topic.delivery is Delivery.UNKNOWN:
        said = ", ".join(topic.transports or ()) or "none given"
        marks.append(f"transports not known to iac: {said}; EventBridge unverified")
    return f"  ({'; '.join(marks)})" if marks else ""


def _summary(outcome: TopicsOutcome) -> str:
    n, total = len(outcome.topics), outcome.eventbridge
    if outcome.search:
        if not n:
            return f"No EventBridge topic in the org's catalog matches {outcome.search!r}."
        found = f"{n} of the {total} EventBridge topics in the org's catalog"
        return f"{found} match{'es' if n == 1 else ''} {outcome.search!r}."
    line = f"{total} of the {outcome.catalog_size} topics in the org's catalog reach EventBridge"
    if outcome.other_transports:
        line += f" (not listed: {outcome.other_transports} delivered only over other transports)"
    return line + "."
