"""Who the token is: the org it logs in to, and what it may do there.

``GET /api/v2/tokens/me`` answers both (``organization`` is the token's org, a NamedEntity;
``authorizedScope`` its scopes), so ``Identity`` reads it once per client and shares the
answer between the org check every run makes and the preflight gate. SDK-free: the caller
passes its call path and the SDK's API objects in. ``OrgIdentity`` itself is plain data in
``live``, where the planner may read it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from iac.errors import IacError
from iac.genesys.access import Access, read_access
from iac.genesys.live import OrgIdentity

__all__ = ["Identity", "OrgIdentity"]


class Identity:
    """The token's org and access, read once per client (one GET /api/v2/tokens/me)."""

    def __init__(
        self,
        call: Callable[..., Awaitable[Any]],
        *,
        tokens_api: Any,
        authorization_api: Any,
        organization_api: Any,
    ) -> None:
        """``call`` is ``CallRunner.call``; the APIs are the SDK's ``TokensApi``,
        ``AuthorizationApi`` and ``OrganizationApi``."""
        self._call = call
        self._tokens = tokens_api
        self._authorization = authorization_api
        self._organization = organization_api
        self._token_info: Any = None
        self._lock: asyncio.Lock | None = None

    async def token_info(self) -> Any:
        """The SDK's ``TokenInfo`` for this client's token (read on first use, then kept)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # the org check and the preflight gate may ask at once
            if self._token_info is None:
                self._token_info = await self._call(
                    "GET /api/v2/tokens/me", self._tokens.get_tokens_me
                )
        return self._token_info

    async def org(self) -> OrgIdentity:
        info = await self.token_info()
        org = info.organization  # the org the token acts in (homeOrganization: a trustee's own)
        if org is None or not org.id:
            # Not expected for a client-credentials token, but the org must be known: ask it.
            org = await self._call(
                "GET /api/v2/organizations/me", self._organization.get_organizations_me
            )
        if org is None or not org.id:
            raise IacError(
                "Genesys did not say which org these credentials log in to "
                "(GET /api/v2/tokens/me and GET /api/v2/organizations/me name none)."
            )
        return OrgIdentity(id=str(org.id), name=str(org.name or ""))

    async def access(self) -> Access:
        return await read_access(self._call, self.token_info, self._authorization)
