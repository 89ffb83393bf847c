"""What a destination looks like in Genesys, as plain data, and the mapping both ways;
also the org (``OrgIdentity``) it lives in.

The attribute names are the configuration's (``aws_account_id``...); the property names
are the integration type's (``awsAccountId``...). Keeping the mapping here, free of the
SDK, lets the planner and its tests use it without importing the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

INTEGRATION_TYPE = "amazon-eventbridge-source"

# configuration attribute -> integration config property
PROPERTY_NAMES = {
    "aws_account_id": "awsAccountId",
    "aws_region": "awsAccountRegion",
    "event_source_suffix": "eventSourceSuffix",
    "topic_filters": "eventFilter",
}


@dataclass(frozen=True)
class LiveDestination:
    """One EventBridge integration and its current configuration, as plain data.

    ``attributes["name"]`` is the integration's name exactly as Genesys holds it (the
    configuration's name, else the integration's), so a create's pending name can be
    recognised by comparing it as is.
    """

    id: str
    attributes: dict[str, Any]
    # Config version the next PUT must carry (Genesys answers 409 to a stale one).
    version: int
    reported_state: str | None = None
    reported_detail: str | None = None
    # When Genesys last changed the reported state (reportedState.lastUpdated, timezone-aware);
    # for one never enabled, when it was made. None when Genesys does not say.
    reported_since: datetime | None = None

    @property
    def name(self) -> str | None:
        """The raw name (``attributes["name"]``)."""
        name = self.attributes.get("name")
        return name if isinstance(name, str) else None

    @property
    def unconfigured(self) -> bool:
        """As a create leaves it: no configuration property set yet (no AWS account,
        region, suffix or topics), whatever its name."""
        return all(self.attributes.get(attr) in (None, []) for attr in PROPERTY_NAMES)


@dataclass(frozen=True)
class OrgIdentity:
    """A Genesys Cloud org: its id (what state and saved plans are bound to) and its name."""

    id: str
    name: str

    def __str__(self) -> str:
        return describe_org(self.id, self.name)


def describe_org(org_id: str, name: str | None) -> str:
    """How every message names an org: ``Acme Corp (id 7c9e...)``."""
    return f"{name} (id {org_id})" if name else f"id {org_id}"


def attributes_from_genesys(
    *,
    name: str | None,
    notes: str | None,
    intended_state: str | None,
    properties: dict[str, Any] | None,
) -> dict[str, Any]:
    """Normalise an integration and its config into configuration attributes."""
    props = properties or {}
    topics = props.get(PROPERTY_NAMES["topic_filters"])
    return {
        "name": name,
        "aws_account_id": props.get(PROPERTY_NAMES["aws_account_id"]),
        "aws_region": props.get(PROPERTY_NAMES["aws_region"]),
        "event_source_suffix": props.get(PROPERTY_NAMES["event_source_suffix"]),
        "topic_filters": sorted(set(topics)) if isinstance(topics, list) else topics,
        "enabled": intended_state == "ENABLED",
        # Genesys does not distinguish "no notes" from empty notes.
        "notes": notes or None,
    }


def properties_from_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    return {prop: attributes[attr] for attr, prop in PROPERTY_NAMES.items()}
