"""``iac topics`` as people and scripts read it: plain data in, text and JSON out."""

from __future__ import annotations

import json

from iac.cli.render.topics import render_topics_json, render_topics_text
from iac.genesys.topics import CatalogTopic
from iac.run.topics import TopicsOutcome

WHERE = "https://api.example.test (org Acme, id o-1)"
END = CatalogTopic(
    "v2.detail.events.conversation.{id}.customer.end",
    "A customer left.",
    ("EventBridge",),
    "Public",
)
PREVIEW = CatalogTopic("v2.tasks.{id}", "Tasks.", ("All",), "Preview")
PIGEON = CatalogTopic("v2.pigeons.{id}", "", ("CarrierPigeon",), "Public")


def outcome(*topics: CatalogTopic, search: str | None = None) -> TopicsOutcome:
    return TopicsOutcome(WHERE, topics, eventbridge=3, catalog_size=5, search=search)


def test_text_lists_each_topic_with_its_description_and_marks() -> None:
    assert render_topics_text(outcome(END, PREVIEW, PIGEON)) == (
        f"Target: {WHERE}\n"
        "\n"
        "  v2.detail.events.conversation.{id}.customer.end\n"
        "      A customer left.\n"
        "  v2.tasks.{id}  (Preview)\n"
        "      Tasks.\n"
        "  v2.pigeons.{id}  (transports not known to iac: CarrierPigeon; EventBridge unverified)\n"
        "\n"
        "3 of the 5 topics in the org's catalog reach EventBridge (not listed: 2 delivered only "
        "over other transports).\n"
    )


def test_text_says_how_many_matched_a_search_and_when_none_did() -> None:
    assert render_topics_text(outcome(END, search="customer")).endswith(
        "\n1 of the 3 EventBridge topics in the org's catalog matches 'customer'.\n"
    )
    assert render_topics_text(outcome(search="nothing")) == (
        f"Target: {WHERE}\n\nNo EventBridge topic in the org's catalog matches 'nothing'.\n"
    )


def test_json_carries_every_topic_with_its_transports_and_delivery() -> None:
    document = json.loads(render_topics_json(outcome(END, PIGEON, search="x")))
    assert document == {
        "target": WHERE,
        "search": "x",
        "catalog_size": 5,
        "eventbridge_topics": 3,
        "topics": [
            {
                "id": END.id,
                "description": "A customer left.",
                "transports": ["EventBridge"],
                "visibility": "Public",
                "delivery": "eventbridge",
            },
            {
                "id": PIGEON.id,
                "description": "",
                "transports": ["CarrierPigeon"],
                "visibility": "Public",
                "delivery": "unknown",
            },
        ],
    }
