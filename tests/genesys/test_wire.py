"""Decoding the bulk answers ourselves: the same reading as the SDK's models, and a clear
error, naming the call, for a body of the wrong shape."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from genesys_sandbox import LIST, CraftedApi, with_client

from iac.genesys import wire
from iac.genesys.client import GenesysClient
from iac.genesys.convert import inline_config, is_eventbridge, to_live
from iac.genesys.errors import GenesysApiError

ENTRY = {
    "id": "i-1",
    "name": "Orders",
    "integrationType": {"id": "amazon-eventbridge-source", "name": "EventBridge"},
    "intendedState": "ENABLED",
    "reportedState": {
        "code": "ACTIVE",
        "effective": "Active",
        "detail": {"message": None},
        "lastUpdated": "2026-11-30T01:02:03.456Z",
    },
    "config": {
        "current": {
            "name": "Orders",
            "version": 3,
            "properties": {
                "awsAccountId": "123456789012",
                "awsAccountRegion": "us-east-1",
                "eventSourceSuffix": "orders",
                "eventFilter": ["b", "a"],
            },
            "advanced": {},
            "notes": "",
            "credentials": {},
        }
    },
    "selfUri": "/api/v2/integrations/i-1",
    "somethingNew": {"unknown": "keys are ignored, as the SDK's models do"},
}


def test_an_entry_reads_as_a_live_destination() -> None:
    entry = wire.integration(ENTRY)
    assert is_eventbridge(entry)
    config = inline_config(entry)
    assert config is not None
    live = to_live(entry, config)
    assert live.version == 3
    assert live.reported_state == "ACTIVE"
    assert live.reported_since == datetime(2026, 11, 30, 1, 2, 3, 456000, tzinfo=timezone.utc)
    assert live.attributes["topic_filters"] == ["a", "b"]
    assert live.attributes["enabled"] is True


def test_states_the_sdk_would_call_outdated_are_kept_as_genesys_wrote_them() -> None:
    entry = wire.integration({**ENTRY, "intendedState": "RESTORED"})
    assert entry.intended_state == "RESTORED"


def test_numbers_as_strings_are_read_and_nonsense_is_absent() -> None:
    page = wire.integration_listing(
        {"entities": [], "pageSize": "100", "total": 1.0, "pageCount": True, "nextUri": 7}
    )
    assert (page.page_size, page.total, page.page_count, page.next_uri) == (100, 1, None, None)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([], "the listing is list, not an object"),
        ({"entities": {"id": "x"}}, "its entities are dict, not a list"),
        ({"entities": ["x"]}, "an integration is str, not an object"),
        ({"entities": [{**ENTRY, "config": {"current": {"properties": [1]}}}]}, "properties"),
    ],
)
def test_a_listing_of_the_wrong_shape_is_refused(body: object, complaint: str) -> None:
    with pytest.raises(wire.MalformedAnswer, match=complaint):
        wire.integration_listing(body)


def test_a_malformed_answer_fails_the_call_that_got_it_in_one_line() -> None:
    async def listing(client: GenesysClient) -> object:
        return await client.list_destinations()

    with (
        CraftedApi({("GET", LIST): {"entities": "nope"}}) as api,
        pytest.raises(GenesysApiError) as caught,
    ):
        with_client(api.target(), listing)
    message = str(caught.value)
    assert message.startswith("GET /api/v2/integrations failed: HTTP 200: ")
    assert "not a valid IntegrationEntityListing (its entities are str, not a list)" in message
    assert "\n" not in message
