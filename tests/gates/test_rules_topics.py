"""The rules gate's topic check, and the catalog it reads: plain data, no Genesys."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from iac_testing.plan_data import attrs, live, state

from iac.gates import GateOptions, evaluate_gates
from iac.gates.rules import rule_results
from iac.gates.topics import topic_results
from iac.genesys.access import Access
from iac.genesys.errors import GenesysApiError
from iac.genesys.topics import (
    CatalogTopic,
    CatalogUnavailable,
    Delivery,
    TopicCatalog,
    catalog_from,
    unavailable,
)
from iac.plan.model import GateOutcome, GateResult, Plan
from iac.plan.planner import plan
from iac.state.model import ResourceState

CUSTOMER_END = "v2.detail.events.conversation.{id}.customer.end"
PRESENCE = "v2.users.{id}.presence"
DESK = "v2.users.{id}.conversations"
WORKITEMS = "v2.taskmanagement.workitems.queues.{id}"
PIGEON = "v2.pigeons.{id}.arrivals"

CATALOG = TopicCatalog(
    (
        CatalogTopic(CUSTOMER_END, "A customer left.", ("EventBridge", "ProcessAutomation")),
        CatalogTopic(PRESENCE, "Presence changed.", ("All",), "Public"),
        CatalogTopic(DESK, "For agent desktops.", ("Websocket",), "Public"),
        CatalogTopic(WORKITEMS, "Work items.", ("All",), "Preview"),
        CatalogTopic(PIGEON, "Pigeons.", ("CarrierPigeon",), "Public"),
    )
)


def creating(*topic_lists: list[str]) -> Plan:
    """A plan creating d0, d1... with these topic_filters."""
    desired = {
        f"d{n}": attrs(name=f"D{n}", event_source_suffix=f"d{n}", topic_filters=topics)
        for n, topics in enumerate(topic_lists)
    }
    return plan(desired, state(), {})


def only(results: list[GateResult]) -> GateResult:
    assert len(results) == 1, results
    return results[0]


# -- how a topic is delivered --------------------------------------------------------------


@pytest.mark.parametrize(
    ("transports", "delivery"),
    [
        (("All",), Delivery.EVENTBRIDGE),
        (("all",), Delivery.EVENTBRIDGE),
        (("EventBridge",), Delivery.EVENTBRIDGE),
        (("Websocket", "Amazon Event-Bridge"), Delivery.EVENTBRIDGE),
        (("Websocket",), Delivery.OTHER),
        (("WebSocket", "ProcessAutomation"), Delivery.OTHER),
        (("Websocket", "CarrierPigeon"), Delivery.UNKNOWN),
        ((), Delivery.UNKNOWN),
        (None, Delivery.UNKNOWN),
    ],
)
def test_all_and_any_transport_naming_eventbridge_deliver(
    transports: tuple[str, ...] | None, delivery: Delivery
) -> None:
    assert CatalogTopic("v2.x", transports=transports).delivery is delivery


def test_only_the_transports_iac_does_not_know_are_named_unknown() -> None:
    assert CatalogTopic("v2.x", transports=("Websocket", "Pigeon")).unknown_transports == (
        "Pigeon",
    )
    assert CatalogTopic("v2.x", transports=("All", "Pigeon")).unknown_transports == ()


def test_a_concrete_id_matches_the_catalogs_placeholder_and_nothing_else_does() -> None:
    assert CATALOG.find(PRESENCE) is not None
    found = CATALOG.find("v2.users.8f2e1a.presence")
    assert found is not None and found.id == PRESENCE
    assert CATALOG.find("v2.users.{id}.presence.extra") is None
    assert CATALOG.find("v2.{id}.8f2e1a.presence") is None


def test_suggestions_prefer_eventbridge_topics_and_need_to_be_close() -> None:
    assert CATALOG.suggestion("v2.detail.events.conversation.{id}.customer.ned") == CUSTOMER_END
    assert CATALOG.suggestion("v2.users.{id}.presense") == PRESENCE
    assert CATALOG.suggestion("v2.something.else.entirely") is None


def test_search_lists_only_eventbridge_topics_matching_every_word() -> None:
    assert [t.id for t in CATALOG.search(None)] == sorted(
        [CUSTOMER_END, PRESENCE, WORKITEMS, PIGEON]
    )
    assert [t.id for t in CATALOG.search("CUSTOMER")] == [CUSTOMER_END]
    assert [t.id for t in CATALOG.search("customer left")] == [CUSTOMER_END]
    assert CATALOG.search("customer arrived") == ()
    assert CATALOG.search("desktops") == ()  # Websocket only


def test_catalog_from_reads_models_duck_typed_and_skips_entries_without_id() -> None:
    catalog = catalog_from(
        [
            SimpleNamespace(
                id=PRESENCE, description="  Presence\n changed. ", transports=["All"],
                visibility="Public",
            ),
            SimpleNamespace(id=None, description="x", transports=None, visibility=None),
            SimpleNamespace(id=DESK, description=None, transports=None, visibility=None),
        ]
    )  # fmt: skip
    assert catalog.topics == (
        CatalogTopic(PRESENCE, "Presence changed.", ("All",), "Public"),
        CatalogTopic(DESK, "", None, None),
    )


def test_a_refusal_says_what_genesys_said_was_missing() -> None:
    err = GenesysApiError(
        "GET /api/v2/notifications/availabletopics",
        "HTTP 403 missing.any.scopes: ...",
        status=403,
        message="This request requires a token with one of the following scopes: [notifications].",
    )
    reason = unavailable(err).reason
    assert reason.startswith("GET /api/v2/notifications/availabletopics answered HTTP 403: ")
    assert "scopes: [notifications]" in reason
    assert "'notifications' scope" in reason


# -- the gate ------------------------------------------------------------------------------


def test_a_mistyped_topic_fails_with_the_closest_topic_of_the_catalog() -> None:
    typo = "v2.detail.events.conversation.{id}.customer.ned"
    result = only(topic_results(creating([typo, PRESENCE]), CATALOG))
    assert result.outcome is GateOutcome.FAILED
    assert result.check == "topics" and result.key == "d0"
    assert result.message == (
        f"topic {typo!r} is not in the org's topic catalog; did you mean {CUSTOMER_END!r}?"
    )
    assert result.details == {"not_in_catalog": [typo], "suggestions": {typo: CUSTOMER_END}}


def test_a_topic_without_a_close_one_fails_without_a_suggestion() -> None:
    result = only(topic_results(creating(["v2.nothing.like.it"]), CATALOG))
    assert result.outcome is GateOutcome.FAILED
    assert result.message == "topic 'v2.nothing.like.it' is not in the org's topic catalog"


def test_a_topic_not_delivered_over_eventbridge_fails_with_its_transports() -> None:
    result = only(topic_results(creating([DESK]), CATALOG))
    assert result.outcome is GateOutcome.FAILED
    assert f"topic {DESK!r} is not delivered over EventBridge" in result.message
    assert "transports for it: Websocket" in result.message
    assert result.details == {"not_eventbridge": {DESK: ["Websocket"]}}


def test_a_preview_topic_and_an_unknown_transport_warn_and_say_why() -> None:
    result = only(topic_results(creating([WORKITEMS, PIGEON]), CATALOG))
    assert result.outcome is GateOutcome.WARNING
    assert f"topic {WORKITEMS!r} is a Preview topic" in result.message
    assert "lists transports iac does not know (CarrierPigeon)" in result.message
    assert "whether Genesys delivers it over EventBridge is unverified" in result.message
    assert result.details == {
        "preview": [WORKITEMS],
        "unverified_transports": {PIGEON: ["CarrierPigeon"]},
    }


def test_a_failure_outranks_warnings_and_every_problem_is_told() -> None:
    result = only(topic_results(creating([WORKITEMS, DESK]), CATALOG))
    assert result.outcome is GateOutcome.FAILED
    assert "not delivered over EventBridge" in result.message and "Preview" in result.message


def test_known_topics_delivered_over_eventbridge_pass() -> None:
    results = topic_results(creating([PRESENCE, "v2.users.42.presence"], [CUSTOMER_END]), CATALOG)
    assert [(r.key, r.outcome) for r in results] == [
        ("d0", GateOutcome.PASSED),
        ("d1", GateOutcome.PASSED),
    ]
    assert (
        results[0].message == "all 2 topics are in the org's catalog and delivered over EventBridge"
    )
    assert results[1].message == "the topic is in the org's catalog and delivered over EventBridge"


def test_malformed_topics_are_left_to_the_business_rules() -> None:
    result = only(topic_results(creating(["v2.*", PRESENCE]), CATALOG))
    assert result.outcome is GateOutcome.PASSED


def test_only_writes_are_checked_and_an_unread_catalog_checks_nothing() -> None:
    kept = attrs(topic_filters=[DESK])
    unchanged = plan({"k": kept}, state(k=ResourceState("i-1", kept)), {"i-1": live("i-1", kept)})
    assert topic_results(unchanged, CATALOG) == []
    assert topic_results(creating([DESK]), None) == []
    renamed = plan(
        {"k": {**kept, "name": "Renamed"}},
        state(k=ResourceState("i-1", kept)),
        {"i-1": live("i-1", kept)},
    )
    assert only(topic_results(renamed, CATALOG)).outcome is GateOutcome.FAILED


def test_an_unreadable_catalog_warns_once_for_the_run_and_blocks_nothing() -> None:
    p = creating([DESK], ["v2.typo"])
    reason = "GET /api/v2/notifications/availabletopics answered HTTP 403: missing scope"

    async def access() -> Access:
        return Access(scopes=(), permissions=None, unknown_because="not asked")

    gated = asyncio.run(
        evaluate_gates(
            p,
            live={},
            managed_ids=set(),
            probe_endpoints={},
            read_access=access,
            options=GateOptions(skip_probes_reason="offline"),
            catalog=CatalogUnavailable(reason),
        )
    )
    topics = [g for g in gated.gates if g.check == "topics"]
    assert [(g.key, g.outcome) for g in topics] == [(None, GateOutcome.WARNING)]
    assert topics[0].message == f"not checked against the org's topic catalog: {reason}"
    assert not gated.blocked


def test_the_rules_gate_blocks_only_the_destination_with_a_bad_topic() -> None:
    p = creating([PRESENCE], [DESK])

    async def access() -> Access:
        return Access(scopes=(), permissions=None, unknown_because="not asked")

    gated = asyncio.run(
        evaluate_gates(
            p,
            live={},
            managed_ids=set(),
            probe_endpoints={},
            read_access=access,
            options=GateOptions(skip_probes_reason="offline"),
            catalog=CATALOG,
        )
    )
    blocked = {c.key: c.blocked_by for c in gated.changes}
    assert blocked["d0"] == ()
    assert len(blocked["d1"]) == 1 and blocked["d1"][0].startswith(
        f"rules topics: topic {DESK!r} is not delivered over EventBridge"
    )
    checks = [(r.key, r.check) for r in rule_results(p, {}, set(), None, CATALOG)]
    assert checks == [
        ("d0", "business_rules"),
        ("d1", "business_rules"),
        ("d0", "topics"),
        ("d1", "topics"),
    ]
