"""Mapping between Genesys integration properties and configuration attributes."""

from __future__ import annotations

from iac.genesys.live import attributes_from_genesys, properties_from_attributes

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
