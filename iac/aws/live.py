"""The partner event bus as plain data: what the configuration asks for (``WantedBus``) and
what the AWS account holds (``LiveBus``). Free of boto3, so the planner and its tests use it.

A Genesys integration makes the partner event source
``aws.partner/genesys.com/cloud/<orgId>/<suffix>`` in the configured account and region; a
partner event bus must carry that exact name and be created with it as ``EventSourceName``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCE_PREFIX = "aws.partner/genesys.com/cloud"


def source_name(org_id: str, suffix: str) -> str:
    """The partner event source Genesys makes for an integration of org ``org_id``."""
    return f"{SOURCE_PREFIX}/{org_id}/{suffix}"


@dataclass(frozen=True)
class BusAddress:
    """Where a bus lives and what it is called: equal addresses are the same bus."""

    account: str
    region: str
    name: str

    def describe(self) -> str:
        return f"{self.name} (account {self.account}, {self.region})"


@dataclass(frozen=True)
class WantedBus:
    """A destination's ``aws_event_bus`` block, resolved against the org: ``owned`` (create:
    true) means iac creates and deletes the bus; otherwise it only verifies ``address``."""

    address: BusAddress
    source: str  # the partner event source the bus must be bound to
    owned: bool

    def attributes(self) -> dict[str, Any]:
        """As the plan shows it: state's attributes (``bus_attributes``) and the source."""
        return {**bus_attributes(self.address, self.owned), "source": self.source}


@dataclass(frozen=True)
class LiveBus:
    """What the account holds for one address: whether the bus exists, and the state of the
    partner event source of the same name (None: the source does not exist)."""

    address: BusAddress
    exists: bool
    source_state: str | None = None


def bus_attributes(address: BusAddress, owned: bool) -> dict[str, Any]:
    return {
        "name": address.name,
        "aws_account_id": address.account,
        "aws_region": address.region,
        "owned": owned,
    }


def address_of(attributes: dict[str, Any]) -> BusAddress:
    return BusAddress(
        str(attributes["aws_account_id"]), str(attributes["aws_region"]), str(attributes["name"])
    )
