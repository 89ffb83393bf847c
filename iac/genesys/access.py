"""What the current token may do in Genesys, as plain data (read by the preflight gate).

``read_access`` fills it in; it takes the client's call path and SDK API objects as
parameters, so this module stays free of the SDK (the gates import ``Access``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from iac.genesys.errors import GenesysApiError


@dataclass(frozen=True)
class Access:
    # Scopes of the token; empty when the OAuth client has no scope restriction.
    scopes: tuple[str, ...]
    # "domain:entity:action" grants of the OAuth client's roles; None where Genesys won't say.
    permissions: tuple[str, ...] | None
    # Why permissions are unknown (the answer of the call that reads them).
    unknown_because: str | None = None


async def read_access(
    call: Callable[..., Awaitable[Any]],
    token_info: Callable[[], Awaitable[Any]],
    authorization_api: Any,
) -> Access:
    """The token's scopes and the OAuth client's permissions.

    ``call`` is ``CallRunner.call``; ``token_info`` returns the SDK's ``TokenInfo`` (GET
    /api/v2/tokens/me, read once per client and shared with the org check:
    ``iac.genesys.org.Identity``); the API is the SDK's ``AuthorizationApi``.
    """
    info = await token_info()
    scopes = tuple(info.authorized_scope or ())
    try:
        subject = await call(
            "GET /api/v2/authorization/subjects/me",
            authorization_api.get_authorization_subjects_me,
            # Without it Genesys omits the roles' permission policies.
            include_full_roles=True,
        )
    except GenesysApiError as err:
        if err.status in (403, 404):
            return Access(scopes=scopes, permissions=None, unknown_because=str(err))
        raise
    permissions = tuple(
        f"{policy.domain}:{policy.entity_name}:{action}"
        for grant in subject.grants or ()
        if grant.role is not None
        for policy in grant.role.policies or ()
        for action in policy.actions or ()
    )
    return Access(scopes=scopes, permissions=permissions)
