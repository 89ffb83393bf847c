"""Field rules of Destination and the logical key, checked directly on the models."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from iac.config import Destination, DestinationsFile

VALID: dict[str, Any] = {
    "name": "Orders",
    "aws_account_id": "012345678901",
    "aws_region": "us-east-1",
    "event_source_suffix": "orders-prod",
    "topic_filters": ["v2.users.{id}.activity"],
}


def make(**changes: Any) -> Destination:
    return Destination.model_validate({**VALID, **changes})


def test_defaults() -> None:
    destination = make()
    assert destination.enabled is True
    assert destination.notes is None


def test_topic_filters_are_deduplicated_and_sorted() -> None:
    destination = make(topic_filters=["v2.users.{id}.activity", "v2.a", "v2.users.{id}.activity"])
    assert destination.topic_filters == ["v2.a", "v2.users.{id}.activity"]


def test_attributes_are_the_seven_fields_in_order() -> None:
    destination = make(notes="hello", enabled=False)
    attributes = destination.attributes()
    assert list(attributes) == [
        "name",
        "aws_account_id",
        "aws_region",
        "event_source_suffix",
        "topic_filters",
        "enabled",
        "notes",
    ]
    assert attributes["notes"] == "hello"
    assert attributes["enabled"] is False
    # A copy: mutating it must not reach into the frozen model.
    attributes["topic_filters"].append("v2.x")
    assert destination.topic_filters == ["v2.users.{id}.activity"]


def test_identity_fields() -> None:
    assert Destination.IDENTITY_FIELDS == ("aws_account_id", "aws_region", "event_source_suffix")
    assert make().identity() == ("012345678901", "us-east-1", "orders-prod")


def test_frozen_and_extra_forbidden() -> None:
    destination = make()
    with pytest.raises(ValidationError):
        destination.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        make(topic_filter=["v2.a"])


def test_equal_after_normalisation() -> None:
    assert make(topic_filters=["v2.b", "v2.a"]) == make(topic_filters=["v2.a", "v2.b", "v2.a"])


@pytest.mark.parametrize(
    "topic",
    [
        "v2.detail.events.conversation.{id}.customer.end",
        "v2.audits.entitytype.{id}.entityid.{id}",
        "v2.users.{id}.activity",
        "v2.operations.events.{id}",
        "v2.routing.queues.{id}.conversations.callbacks",
        "v2.a_b-C9",
    ],
)
def test_valid_topics(topic: str) -> None:
    assert make(topic_filters=[topic]).topic_filters == [topic]


@pytest.mark.parametrize(
    "topic",
    ["v2", "v2.", "v2..a", "v2.a.", "v3.users", "V2.users", "v2.a b", " v2.a", "v2.a\n",
     "v2.{ID}", "v2.{id", "v2.{id}x", "v2.*", ""],
)  # fmt: skip
def test_invalid_topics(topic: str) -> None:
    with pytest.raises(ValidationError):
        make(topic_filters=[topic])


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "us-gov-west-1", "ap-southeast-2"])
def test_valid_regions(region: str) -> None:
    assert make(aws_region=region).aws_region == region


@pytest.mark.parametrize(
    "region", ["us-east", "useast1", "us_east_1", "US-EAST-1", "u-east-1", "us-east-1a", ""]
)
def test_invalid_regions(region: str) -> None:
    with pytest.raises(ValidationError):
        make(aws_region=region)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("aws_account_id", 123456789012),
        ("aws_account_id", "12345678901"),
        ("aws_account_id", "1234567890123"),
        ("aws_account_id", "12345678901a"),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("name", 5),
        ("event_source_suffix", ""),
        ("event_source_suffix", "a" * 65),
        ("event_source_suffix", "has space"),
        ("event_source_suffix", "slash/no"),
        ("topic_filters", []),
        ("topic_filters", "v2.a"),
        ("enabled", "true"),
        ("enabled", 1),
        ("notes", 5),
    ],
)
def test_invalid_field_values(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        make(**{field: value})


def test_boundary_lengths_are_accepted() -> None:
    assert make(name="x" * 200, event_source_suffix="a._-" * 16)


@pytest.mark.parametrize("key", ["orders", "Orders_2", "1abc", "a-b", "a" * 64])
def test_valid_keys(key: str) -> None:
    assert key in DestinationsFile.model_validate({"destinations": {key: VALID}}).destinations


@pytest.mark.parametrize("key", ["-a", "_a", "a b", "a.b", "a" * 65, ""])
def test_invalid_keys(key: str) -> None:
    with pytest.raises(ValidationError):
        DestinationsFile.model_validate({"destinations": {key: VALID}})


def test_aws_event_bus_takes_create_or_name_not_both() -> None:
    from pydantic import ValidationError

    from iac.config.models import Destination

    base = {
        "name": "x",
        "aws_account_id": "123456789012",
        "aws_region": "us-east-1",
        "event_source_suffix": "x",
        "topic_filters": ["v2.users.{id}.activity"],
    }
    assert Destination.model_validate({**base, "aws_event_bus": {"create": True}}).aws_event_bus
    named = Destination.model_validate({**base, "aws_event_bus": {"name": "bus"}})
    assert named.aws_event_bus is not None and named.aws_event_bus.name == "bus"
    assert "aws_event_bus" not in named.attributes()  # not an attribute of the integration
    for bad in ({"create": True, "name": "bus"}, {}, {"create": False}):
        with pytest.raises(ValidationError):
            Destination.model_validate({**base, "aws_event_bus": bad})
