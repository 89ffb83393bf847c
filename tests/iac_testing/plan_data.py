"""Plain-data builders for planner and renderer tests: attributes, live entries, state."""

from __future__ import annotations

from typing import Any

from iac.genesys.live import LiveDestination
from iac.state.model import ResourceState, State

ACTIVITY = "v2.users.{id}.activity"
OPERATIONS = "v2.operations.events.{id}"
AUDITS = "v2.audits.entitytype.{id}.entityid.{id}"


def attrs(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "Orders",
        "aws_account_id": "123456789012",
        "aws_region": "us-east-1",
        "event_source_suffix": "orders",
        "topic_filters": sorted([ACTIVITY, OPERATIONS]),
        "enabled": True,
        "notes": None,
    }
    return {**base, **overrides}


def live(id_: str, attributes: dict[str, Any], version: int = 3) -> LiveDestination:
    return LiveDestination(id=id_, attributes=dict(attributes), version=version)


def state(**resources: ResourceState) -> State:
    return State(lineage="lineage-1", serial=4, target="sandbox", resources=dict(resources))
