"""The state document and the org it records: round trips, and states from before."""

from __future__ import annotations

import json

from iac.state.document import decode, encode
from iac.state.model import ResourceState, State

ATTRS = {
    "name": "Orders",
    "aws_account_id": "123456789012",
    "aws_region": "us-east-1",
    "event_source_suffix": "orders",
    "topic_filters": ["v2.users.{id}.activity"],
    "enabled": True,
    "notes": None,
}
ORG_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def sample(**org: str) -> State:
    state = State(
        lineage="0b3f8f5e-lineage",
        serial=4,
        target="https://api.mypurecloud.com",
        resources={"orders": ResourceState("i-1", dict(ATTRS))},
    )
    return state.with_org(org["org_id"], org.get("org_name")) if org else state


def test_a_state_with_its_org_round_trips_with_the_org_after_the_target() -> None:
    state = sample(org_id=ORG_ID, org_name="Acme Corp")
    text = encode(state)
    assert decode(text) == state
    assert list(json.loads(text)) == [
        "version",
        "lineage",
        "serial",
        "target",
        "org_id",
        "org_name",
        "resources",
    ]


def test_a_state_without_an_org_leaves_the_keys_out() -> None:
    text = encode(sample())
    assert list(json.loads(text)) == ["version", "lineage", "serial", "target", "resources"]
    assert decode(text) == sample()


def test_a_state_written_before_iac_recorded_the_org_loads_without_one() -> None:
    old = {
        "version": 1,
        "lineage": "0b3f8f5e-lineage",
        "serial": 4,
        "target": "sandbox",
        "resources": {"orders": {"id": "i-1", "attributes": ATTRS}},
    }
    state = decode(json.dumps(old))
    assert (state.org_id, state.org_name) == (None, None)
    assert state.resources["orders"].id == "i-1"
    # Recording the org is the next write's business; nothing else changes.
    recorded = state.with_org(ORG_ID, "Sandbox Org")
    assert json.loads(encode(recorded))["org_id"] == ORG_ID
    assert decode(encode(recorded)).resources == state.resources


def test_an_org_without_a_name_records_the_id_only() -> None:
    state = sample(org_id=ORG_ID)
    document = json.loads(encode(state))
    assert document["org_id"] == ORG_ID and "org_name" not in document
    assert decode(encode(state)) == state
