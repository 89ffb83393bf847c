"""OAuth scopes and role permissions of the sandbox's one OAuth client, checked like Genesys.

Genesys checks a request in two steps once the token is valid: the token's OAuth scopes
(``missing.any.scopes``), then the permissions of the roles granted to the client
(``missing.permissions``); both are 403. An OAuth client created without scopes is not
scope-restricted, which the sandbox models as an empty ``scopes`` tuple.

The grants belong to the client, not to a token: changing them (PUT /__sandbox/grants)
affects tokens already issued, on their next request.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from iac.sandbox.errors import ApiError, SandboxStartError, bad_request

READ_SCOPES = ("integrations", "integrations:readonly")
WRITE_SCOPES = ("integrations",)
# GET /api/v2/notifications/availabletopics needs no permission (Genesys' SDK docs), but a
# scope-restricted client needs this scope. ASSUMPTION: the scope's name, and that there is
# no read-only variant. Settled by: the call with a client restricted to other scopes.
NOTIFICATION_SCOPES = ("notifications",)

# What an unrestricted client's token reports as authorizedScope. The real API lists every
# scope there is; the sandbox lists the ones for the APIs it serves.
UNRESTRICTED_SCOPES = (
    "authorization",
    "authorization:readonly",
    "integrations",
    "integrations:readonly",
    "notifications",
    "organization",
    "organization:readonly",
)

# The permission each method of /api/v2/integrations... needs (PUT is config/current).
ACTIONS = {"GET": "view", "POST": "add", "PUT": "edit", "PATCH": "edit", "DELETE": "delete"}


def permission_for(method: str) -> str:
    return f"integrations:integration:{ACTIONS[method]}"


def has_permission(granted: tuple[str, ...] | list[str], needed: str) -> bool:
    """True when a granted permission covers ``needed``; ``*`` matches any one segment."""
    want = needed.split(":")
    for perm in granted:
        have = perm.split(":")
        if len(have) == len(want) and all(h in ("*", w) for h, w in zip(have, want, strict=True)):
            return True
    return False


def _strings(doc: dict[str, Any], key: str, check_permission: bool) -> tuple[str, ...]:
    value = doc[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad_request(f"Grants {key} must be a list of non-empty strings.")
    if check_permission:
        for perm in value:
            parts = perm.split(":")
            if len(parts) != 3 or not all(parts):
                raise bad_request(
                    "Permission {permission} is not of the form domain:entity:action.",
                    {"permission": perm},
                )
    return tuple(dict.fromkeys(value))  # de-duplicated, order kept


def _require_scope(scopes: tuple[str, ...], accepted: tuple[str, ...]) -> None:
    if scopes and not set(scopes) & set(accepted):
        raise ApiError(
            403,
            "This request requires a token with one of the following scopes: [{scopes}].",
            "missing.any.scopes",
            {"scopes": ", ".join(accepted)},
        )


class Grants:
    def __init__(self, scopes: tuple[str, ...], permissions: tuple[str, ...]) -> None:
        self._lock = threading.Lock()
        self._granted_at = time.time()
        try:
            self._scopes = _strings({"scopes": list(scopes)}, "scopes", False)
            self._permissions = _strings({"permissions": list(permissions)}, "permissions", True)
        except ApiError as exc:  # bad options are a startup error, not an API one
            raise SandboxStartError(f"bad sandbox grants: {exc.body()['message']}") from exc

    @property
    def scopes(self) -> tuple[str, ...]:
        """The client's scope restriction; empty means unrestricted."""
        with self._lock:
            return self._scopes

    @property
    def permissions(self) -> tuple[str, ...]:
        with self._lock:
            return self._permissions

    @property
    def granted_at(self) -> float:
        """When the permissions were last set: the grantMadeAt of the role grant."""
        with self._lock:
            return self._granted_at

    def authorized_scope(self) -> list[str]:
        """TokenInfo.authorizedScope: the restriction, or every scope when unrestricted."""
        scopes = self.scopes
        return list(scopes) if scopes else list(UNRESTRICTED_SCOPES)

    def check_integrations(self, method: str) -> None:
        """Raise the 403 Genesys answers when the scope, then the permission, is missing."""
        with self._lock:
            scopes, permissions = self._scopes, self._permissions
        _require_scope(scopes, READ_SCOPES if method == "GET" else WRITE_SCOPES)
        needed = permission_for(method)
        if not has_permission(permissions, needed):
            raise ApiError(
                403,
                "Unable to perform the requested action. You are missing the following "
                "permission(s): [{permissions}]",
                "missing.permissions",
                {"permissions": needed},
            )

    def check_scope(self, accepted: tuple[str, ...]) -> None:
        """Raise Genesys' 403 when the client is scope-restricted to none of ``accepted``."""
        _require_scope(self.scopes, accepted)

    def policies(self) -> list[dict[str, Any]]:
        """AuthzGrantPolicy list: one per domain+entity, its actions in grant order."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for perm in self.permissions:
            domain, entity, action = perm.split(":")
            actions = grouped.setdefault((domain, entity), [])
            if action not in actions:
                actions.append(action)
        return [
            {
                "actions": ["*"] if "*" in actions else actions,
                "domain": domain,
                "entityName": entity,
            }
            for (domain, entity), actions in grouped.items()
        ]

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {"scopes": list(self._scopes), "permissions": list(self._permissions)}

    def update(self, doc: dict[str, Any]) -> None:
        """PUT /__sandbox/grants: ``scopes`` and/or ``permissions``, each replaced as a whole."""
        unknown = set(doc) - {"scopes", "permissions"}
        if unknown:
            raise bad_request(f"Unknown grants keys: {', '.join(sorted(unknown))}.")
        scopes = _strings(doc, "scopes", False) if "scopes" in doc else None
        permissions = _strings(doc, "permissions", True) if "permissions" in doc else None
        with self._lock:
            if scopes is not None:
                self._scopes = scopes
            if permissions is not None and permissions != self._permissions:
                self._permissions = permissions
                self._granted_at = time.time()
