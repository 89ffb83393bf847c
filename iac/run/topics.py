"""``iac topics``: the notification topics of the org's catalog that EventBridge carries, to
choose ``topic_filters`` from.

The target is chosen as for ``plan`` (the org the environment, or a configuration's ``org:``
block, names; else the built-in sandbox). It changes nothing, so it takes no lock and reads
no state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from iac.errors import IacError
from iac.genesys.errors import GenesysApiError
from iac.genesys.settings import GenesysTarget, OrgChoice
from iac.genesys.topics import CatalogTopic, unavailable
from iac.run.target import open_target
from iac.workspace import SANDBOX_ORG_FILE


@dataclass(frozen=True)
class TopicsOutcome:
    where: str  # the target line: the API URL (or the sandbox) and the org
    # The catalog's EventBridge topics that match the search (all of them without one).
    topics: tuple[CatalogTopic, ...]
    eventbridge: int  # how many the catalog has in all
    catalog_size: int  # every topic of the catalog, whatever its transports
    search: str | None = None

    @property
    def other_transports(self) -> int:
        """Topics left out: delivered only over transports that are not EventBridge."""
        return self.catalog_size - self.eventbridge


def topics_listing(
    *,
    state_dir: Path,
    sandbox: bool,
    org: OrgChoice | None,
    search: str | None,
    notify: Callable[[str], None],
) -> TopicsOutcome:
    with open_target(
        sandbox=sandbox,
        sandbox_org_file=state_dir / SANDBOX_ORG_FILE,
        notify=notify,
        org=org,
    ) as target:
        return asyncio.run(list_topics(target, search))


async def list_topics(target: GenesysTarget, search: str | None) -> TopicsOutcome:
    from iac.genesys.client import GenesysClient  # the SDK: only for runs that talk to it

    async with GenesysClient(target) as client:
        org = await client.org()
        try:
            catalog = await client.topic_catalog()
        except GenesysApiError as err:
            if err.status not in (403, 404):
                raise
            raise IacError(unavailable(err).reason) from None
    named = f"org {org.name}, " if org.name else "org "
    eventbridge = catalog.eventbridge()
    return TopicsOutcome(
        where=f"{target.display} ({named}id {org.id})",
        topics=catalog.search(search),
        eventbridge=len(eventbridge),
        catalog_size=len(catalog.topics),
        search=search,
    )
