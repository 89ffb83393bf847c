"""The run's AWS side: the partner event buses the configuration's ``aws_event_bus`` blocks
ask for, what the AWS accounts hold for them (refresh), and the AWS preflight.

boto3 is loaded only when a configuration has such a block, or the state still records a bus
(to delete it): every other run leaves this idle and imports nothing of AWS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iac.aws.live import SOURCE_PREFIX, BusAddress, LiveBus, WantedBus, source_name
from iac.gates.aws_preflight import AwsProbe, aws_preflight_results
from iac.plan.buses import address_of
from iac.plan.model import GateResult, Plan
from iac.state.model import State

if TYPE_CHECKING:
    from iac.aws.client import AwsAccess, AwsSettings


def wanted_buses(
    blocks: Mapping[str, Mapping[str, Any]],
    desired: Mapping[str, Mapping[str, Any]],
    org_id: str,
) -> dict[str, WantedBus]:
    """Each block resolved against the org: the source its destination makes, and the bus."""
    wanted = {}
    for key, block in blocks.items():
        attributes = desired[key]
        source = source_name(org_id, str(attributes["event_source_suffix"]))
        owned = bool(block.get("create"))
        name = source if owned else str(block["name"])
        address = BusAddress(str(attributes["aws_account_id"]), str(attributes["aws_region"]), name)
        wanted[key] = WantedBus(address, source, owned)
    return wanted


@dataclass
class AwsSide:
    """``wanted`` and ``live`` are those of the last ``refresh``."""

    blocks: Mapping[str, Mapping[str, Any]]
    settings: AwsSettings | None = None
    wanted: dict[str, WantedBus] | None = None
    live: dict[BusAddress, LiveBus] | None = None
    probes: dict[tuple[str, str], AwsProbe] | None = None
    _access: AwsAccess | None = None

    def needed(self, state: State) -> bool:
        return bool(self.blocks) or any(r.bus for r in state.resources.values())

    def access(self) -> AwsAccess:
        if self._access is None:
            from iac.aws.client import AwsAccess

            self._access = AwsAccess(self.settings)
        return self._access

    def close(self) -> None:
        if self._access is not None:
            self._access.close()

    async def refresh(
        self, desired: Mapping[str, Mapping[str, Any]], state: State, org_id: str
    ) -> None:
        """Read every bus wanted or recorded, in the accounts the credentials belong to."""
        self.wanted = wanted_buses(self.blocks, desired, org_id)
        self.live, self.probes = {}, {}
        if not self.needed(state):
            return
        addresses = {w.address for w in self.wanted.values()} | {
            address_of(r.bus) for r in state.resources.values() if r.bus is not None
        }
        for account, region in sorted({(a.account, a.region) for a in addresses}):
            self.probes[(account, region)] = await self._probe(account, region)
        # Another account's reads would mislead: only the credentials' own account is read.
        probes = self.probes
        readable = sorted(
            (a for a in addresses if probes[(a.account, a.region)].caller_account == a.account),
            key=lambda a: (a.account, a.region, a.name),
        )
        # Each bus is two calls; read them all at once, not one after the other.
        found = await asyncio.gather(*(self.access().read(a) for a in readable))
        self.live = dict(zip(readable, found, strict=True))

    async def _probe(self, account: str, region: str) -> AwsProbe:
        from iac.aws.errors import AwsError

        access = self.access()
        try:
            caller = await access.caller_account(account, region)
        except AwsError as err:
            return AwsProbe(account, region, identity_error=str(err))
        if caller != account:
            return AwsProbe(account, region, caller_account=caller)
        denied = None
        try:
            # A dry read: a missing source is fine, a refusal is what this looks for.
            await access.source_state(account, region, f"{SOURCE_PREFIX}/iac-preflight")
        except AwsError as err:
            denied = str(err)
        return AwsProbe(account, region, caller_account=caller, permission_error=denied)

    def gate_results(self, plan: Plan, *, blocking: bool) -> list[GateResult]:
        return aws_preflight_results(plan, self.probes or {}, blocking=blocking)
