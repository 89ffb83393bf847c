"""The jobs of a plan's partner event buses (``destination.KEY.aws_event_bus``).

create  = wait for the partner event source Genesys makes when the integration activates
          (PENDING or ACTIVE), create the bus with ``EventSourceName`` = the source, then
          verify: the bus reads back and the source is ACTIVE (bound)
update  = verify a bus iac does not own (or one it finds already made) the same way, and
          record it
delete  = delete the bus (one already gone counts), before its destination's integration

The scheduler orders them with the destinations' jobs (``Change.depends_on``); state records
a bus once verified, and forgets it once deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from iac.apply.job import Job, JobStatus
from iac.apply.recorder import StateRecorder
from iac.apply.scheduling import Scheduler
from iac.aws.live import BusAddress, address_of
from iac.errors import IacError
from iac.plan.model import Action
from iac.state.model import BusState

# A partner event source that exists: before (PENDING) or after (ACTIVE) it is bound.
SOURCE_MADE = ("PENDING", "ACTIVE")


class BusClient(Protocol):
    """The AWS calls the bus jobs need; ``iac.aws.client.AwsAccess`` provides them."""

    async def bus_exists(self, address: BusAddress) -> bool: ...

    async def wait_for_source(
        self,
        address: BusAddress,
        source: str,
        *,
        states: tuple[str, ...],
        say: Callable[[str], None],
    ) -> str: ...

    async def create_bus(self, address: BusAddress, source: str) -> None: ...

    async def delete_bus(self, address: BusAddress) -> bool: ...


class BusSteps:
    """The AWS calls of one bus change, saving state once each lands and is verified."""

    def __init__(
        self,
        job: Job,
        buses: BusClient | None,
        recorder: StateRecorder,
        scheduler: Scheduler,
        set_status: Callable[[JobStatus], None],
    ) -> None:
        self.job = job
        self.change = job.change
        self.buses = buses
        self.recorder = recorder
        self.scheduler = scheduler
        self._status = set_status

    async def run(self) -> None:
        change = self.change
        await self.scheduler.wait_for(change.depends_on, "it must wait for")
        if self.buses is None:  # the run read no AWS account: a plan made elsewhere
            raise IacError("no AWS access in this run (is boto3 installed?)")
        async with self.scheduler.slots:
            self._status(JobStatus.RUNNING)
            if change.action is Action.DELETE:
                await self._delete(self.buses)
            else:
                await self._create_or_verify(self.buses)

    def _say(self, what: str) -> None:
        self.job.waiting_for = what
        self._status(JobStatus.WAITING)

    async def _delete(self, buses: BusClient) -> None:
        before = self.change.before or {}
        if before.get("owned"):
            await buses.delete_bus(address_of(before))
        await self.recorder.set_bus(self.change.key, None)
        self.scheduler.release(self.change)

    async def _create_or_verify(self, buses: BusClient) -> None:
        after = self.change.after
        assert after is not None
        address = address_of(after)
        source = str(after["source"])
        if address.name != source:
            raise IacError(
                f"the event bus {address.name} cannot be bound to the partner event source "
                f"{source}: a partner event bus carries its source's name. Use "
                f"aws_event_bus: {{name: {source}}}, or {{create: true}}."
            )
        await buses.wait_for_source(address, source, states=SOURCE_MADE, say=self._say)
        owned = bool(after["owned"])
        if self.change.action is Action.CREATE:
            await buses.create_bus(address, source)
        self._status(JobStatus.VERIFYING)
        if not await buses.bus_exists(address):
            made = "was created but does not read back" if owned else "does not exist"
            raise IacError(
                f"the partner event bus {address.describe()} {made}"
                + ("" if owned else f": create it with event source {source}, or use create: true")
            )
        await buses.wait_for_source(address, source, states=("ACTIVE",), say=self._say)
        await self.recorder.set_bus(
            self.change.key, BusState(address.name, address.account, address.region, owned)
        )
        self.job.verification = {
            "status": "verified",
            "message": f"bus {address.name} exists and its partner event source is ACTIVE",
        }
