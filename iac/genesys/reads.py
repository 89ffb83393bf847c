"""What the client reads from Genesys: the listing, one integration, a config, the type.

SDK-free: the caller passes its call path (``calls.CallRunner``) and the SDK's
``IntegrationsApi`` in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from iac.genesys.calls import CallRunner, RetryPolicy
from iac.genesys.convert import (
    inline_config,
    is_deleted,
    is_eventbridge,
    of_another_type,
    to_live,
)
from iac.genesys.listing import read_listing
from iac.genesys.live import INTEGRATION_TYPE, LiveDestination

PAGE_SIZE = 100
_EXPAND = ["config.current"]


class Reads:
    """Reads for one client; ``on_listing`` is told the ids of every listing it returns."""

    def __init__(
        self,
        calls: CallRunner,
        api: Any,
        policy: RetryPolicy,
        on_listing: Callable[[Iterable[str]], None],
    ) -> None:
        self._calls = calls
        self._api = api
        self._policy = policy
        self._on_listing = on_listing
        self._type_info: Any = None
        self._type_lock: asyncio.Lock | None = None

    async def destinations(self) -> dict[str, LiveDestination]:
        entries = await read_listing(
            self._list_page,
            PAGE_SIZE,
            attempts=self._policy.listing_attempts,
            backoff=self._policy.backoff,
        )
        # One deleted a moment ago may still be listed, as DELETED: it is gone all the same.
        integrations = {i.id: i for i in entries if is_eventbridge(i) and not is_deleted(i)}
        # expand=config.current is a request, not a promise: fetch what did not come inline.
        lacking = [i for i in integrations.values() if inline_config(i) is None]
        fetched = await asyncio.gather(*(self.config(i.id) for i in lacking))
        configs = {i.id: c for i, c in zip(lacking, fetched, strict=True)}
        live = {}
        for integration_id, integration in integrations.items():
            config = inline_config(integration) or configs.get(integration_id)
            if config is not None:  # None: deleted between the list and the config read
                live[integration_id] = to_live(integration, config)
        self._on_listing(integrations)
        return live

    async def destination(self, integration_id: str) -> LiveDestination | None:
        integration = await self.integration(integration_id)
        if integration is None or of_another_type(integration) or is_deleted(integration):
            return None
        config = inline_config(integration) or await self.config(integration_id)
        return None if config is None else to_live(integration, config)

    async def integration(self, integration_id: str) -> Any | None:
        """The SDK's ``Integration``; None when Genesys answers 404."""
        return await self._calls.call_unless_gone(
            f"GET /api/v2/integrations/{integration_id}",
            self._api.get_integration,
            integration_id,
            expand=_EXPAND,
        )

    async def config(self, integration_id: str) -> Any | None:
        """The SDK's ``IntegrationConfiguration``; None when Genesys answers 404."""
        return await self._calls.call_unless_gone(
            f"GET /api/v2/integrations/{integration_id}/config/current",
            self._api.get_integration_config_current,
            integration_id,
        )

    async def max_instances(self) -> int | None:
        if self._type_lock is None:
            self._type_lock = asyncio.Lock()
        async with self._type_lock:  # the type is read once, however many ask at once
            if self._type_info is None:
                self._type_info = await self._calls.call(
                    f"GET /api/v2/integrations/types/{INTEGRATION_TYPE}",
                    self._api.get_integrations_type,
                    INTEGRATION_TYPE,
                )
        value = self._type_info.max_instances
        return None if value is None else int(value)

    async def _list_page(self, number: int) -> Any:
        return await self._calls.call(
            "GET /api/v2/integrations",
            self._api.get_integrations,
            page_size=PAGE_SIZE,
            page_number=number,
            integration_type=INTEGRATION_TYPE,
            expand=_EXPAND,
        )
