"""Mapping between Genesys integration properties and configuration attributes."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from iac.genesys.convert import is_eventbridge, of_another_type, to_live
from iac.genesys.live import (
    INTEGRATION_TYPE,
    LiveDestination,
    attributes_from_genesys,
    properties_from_attributes,
)

ACTIVITY = "v2.users.{id}.activity"
OPERATIONS = "v2.operations.events.{id}"

PROPERTIES = {
    "awsAccountId": "123456789012",
    "awsAccountRegion": "eu-west-1",
    "eventSourceSuffix": "orders",
    "eventFilter": [OPERATIONS, ACTIVITY],
}


def test_properties_map_to_attribute_names() -> None:
    attributes = attributes_from_genesys(
        name="Orders", notes="owned by payments", intended_state="ENABLED", properties=PROPERTIES
    )

    assert attributes == {
        "name": "Orders",
        "aws_account_id": "123456789012",
        "aws_region": "eu-west-1",
        "event_source_suffix": "orders",
        "topic_filters": [OPERATIONS, ACTIVITY],
        "enabled": True,
        "notes": "owned by payments",
    }


def test_topic_filters_are_sorted_and_deduplicated() -> None:
    attributes = attributes_from_genesys(
        name="Orders",
        notes=None,
        intended_state="ENABLED",
        properties={**PROPERTIES, "eventFilter": [ACTIVITY, OPERATIONS, ACTIVITY]},
    )

    assert attributes["topic_filters"] == [OPERATIONS, ACTIVITY]


def test_empty_notes_and_disabled_state() -> None:
    attributes = attributes_from_genesys(
        name="Orders", notes="", intended_state="DISABLED", properties=PROPERTIES
    )

    assert attributes["notes"] is None
    assert attributes["enabled"] is False


def test_unconfigured_integration_has_no_identity() -> None:
    attributes = attributes_from_genesys(
        name="Amazon EventBridge Source", notes=None, intended_state=None, properties=None
    )

    assert attributes["aws_account_id"] is None
    assert attributes["aws_region"] is None
    assert attributes["event_source_suffix"] is None
    assert attributes["topic_filters"] is None
    assert attributes["enabled"] is False


def test_properties_from_attributes_is_the_inverse() -> None:
    normalised = {**PROPERTIES, "eventFilter": sorted(PROPERTIES["eventFilter"])}
    attributes = attributes_from_genesys(
        name="Orders", notes=None, intended_state="ENABLED", properties=normalised
    )

    assert properties_from_attributes(attributes) == normalised


def test_a_live_destination_tells_its_raw_name_and_whether_it_is_unconfigured() -> None:
    fresh = LiveDestination(
        "i-1",
        attributes_from_genesys(
            name="iac-pending-1a2b3c4d-orders", notes=None, intended_state=None, properties={}
        ),
        version=1,
    )
    configured = LiveDestination(
        "i-2",
        attributes_from_genesys(
            name="Orders", notes=None, intended_state="ENABLED", properties=PROPERTIES
        ),
        version=2,
    )
    topics_only = LiveDestination(
        "i-3",
        attributes_from_genesys(
            name="x", notes=None, intended_state=None, properties={"eventFilter": [ACTIVITY]}
        ),
        version=2,
    )

    assert (fresh.name, fresh.unconfigured) == ("iac-pending-1a2b3c4d-orders", True)
    assert (configured.name, configured.unconfigured) == ("Orders", False)
    assert topics_only.unconfigured is False
    assert LiveDestination("i-4", {}, version=1).name is None


def test_listed_entries_without_a_type_or_an_id_are_not_eventbridge() -> None:
    def integration(id_: str | None, type_id: str | None) -> SimpleNamespace:
        kind = None if type_id is None else SimpleNamespace(id=type_id)
        return SimpleNamespace(id=id_, integration_type=kind)

    assert is_eventbridge(integration("i-1", INTEGRATION_TYPE))
    assert not is_eventbridge(integration("i-1", None))
    assert not is_eventbridge(integration("i-1", "purecloud-data-actions"))
    assert not is_eventbridge(integration(None, INTEGRATION_TYPE))
    assert not is_eventbridge(integration("", INTEGRATION_TYPE))
    # Read by its id, an integration that names no type is still taken as ours.
    assert not of_another_type(integration("i-1", None))
    assert not of_another_type(integration("i-1", INTEGRATION_TYPE))
    assert of_another_type(integration("i-1", "purecloud-data-actions"))


@pytest.mark.parametrize(
    ("last_updated", "since"),
    [
        ("2024-01-02T03:04:05.678Z", datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)),
        (datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("not a time", None),
        (None, None),
    ],
)
def test_reported_since_is_an_aware_moment(last_updated: object, since: datetime | None) -> None:
    reported = SimpleNamespace(code="INACTIVE", detail=None, last_updated=last_updated)
    integration = SimpleNamespace(
        id="i-1", name="x", intended_state="DISABLED", reported_state=reported
    )
    config = SimpleNamespace(name="x", notes="", properties={}, version=1)

    assert to_live(integration, config).reported_since == since
