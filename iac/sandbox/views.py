"""JSON renderings of org records, with exactly the keys of the SDK models."""

from __future__ import annotations

import math
import time
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from iac.sandbox import eventbridge
from iac.sandbox.activation import resolve_state
from iac.sandbox.grants import Grants
from iac.sandbox.org import Record

_EFFECTIVE = {
    "ACTIVE": "Active",
    "ACTIVATING": "Activating",
    "INACTIVE": "Inactive",
    "DEACTIVATING": "Deactivating",
    "ERROR": "Error",
}


def iso_utc(epoch: float) -> str:
    """ISO-8601 UTC with milliseconds and Z, as Genesys writes dates."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def integration_uri(integration_id: str) -> str:
    return f"/api/v2/integrations/{integration_id}"


def config_json(rec: Record) -> dict[str, Any]:
    config = rec["config"]
    return {
        "id": rec["id"],
        "name": config["name"],
        "version": config["version"],
        "properties": config["properties"],
        "advanced": config["advanced"],
        "notes": config["notes"],
        "credentials": config["credentials"],
        "selfUri": integration_uri(rec["id"]) + "/config/current",
    }


def reported_state_json(rec: Record, now: float) -> dict[str, Any]:
    code, message, updated = resolve_state(rec["state"], now)
    out: dict[str, Any] = {"code": code, "effective": _EFFECTIVE.get(code, code)}
    if message:
        out["detail"] = {"message": message}
    out["lastUpdated"] = iso_utc(updated)
    return out


def integration_json(rec: Record, expand_config: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rec["id"],
        "name": rec["config"]["name"],
        "integrationType": (
            eventbridge.type_summary()
            if rec["typeId"] == eventbridge.TYPE_ID
            else {"id": rec["typeId"], "selfUri": f"/api/v2/integrations/types/{rec['typeId']}"}
        ),
        "notes": rec["config"]["notes"],
        "intendedState": rec["intendedState"],
        "reportedState": reported_state_json(rec, time.time()),
        "attributes": {},
        "selfUri": integration_uri(rec["id"]),
    }
    if expand_config:
        out["config"] = {"current": config_json(rec)}
    return out


def listing_json(
    page: list[Record],
    total: int,
    page_size: int,
    page_number: int,
    filters: dict[str, str],
    expand_config: bool,
) -> dict[str, Any]:
    """One IntegrationEntityListing page (``page``: its records, of ``total`` in all); the
    *Uri links keep the caller's filters."""
    page_count = math.ceil(total / page_size)

    def uri(number: int) -> str:
        query = {"pageSize": page_size, "pageNumber": number, **filters}
        return "/api/v2/integrations?" + urlencode(query)

    out: dict[str, Any] = {
        "entities": [integration_json(r, expand_config) for r in page],
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "firstUri": uri(1),
        "lastUri": uri(max(page_count, 1)),
        "selfUri": uri(page_number),
        "pageCount": page_count,
    }
    if page_number < page_count:
        out["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        out["previousUri"] = uri(page_number - 1)
    return out


def organization_json(org_id: str, name: str) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": name,
        "state": "active",
        "selfUri": f"/api/v2/organizations/{org_id}",
    }


def _stable_id(org_id: str, what: str) -> str:
    """An id that stays the same for one org across restarts (role, division)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"iac-sandbox:{org_id}:{what}"))


CLIENT_NAME = "iac sandbox client"
ROLE_NAME = "iac sandbox role"


def token_info_json(org_id: str, org_name: str, client_id: str, grants: Grants) -> dict[str, Any]:
    """GET /api/v2/tokens/me (TokenInfo) for a client-credentials token."""
    org = {"id": org_id, "name": org_name}  # NamedEntity: no selfUri
    client: dict[str, Any] = {
        "id": client_id,
        "name": CLIENT_NAME,
        "authorizedGrantType": "CLIENT-CREDENTIALS",
        "state": "active",
        "organization": dict(org),
    }
    if grants.scopes:  # the client's own scope list; absent when it has no restriction
        client["scope"] = list(grants.scopes)
    return {
        "organization": org,
        "homeOrganization": dict(org),
        "authorizedScope": grants.authorized_scope(),
        "OAuthClient": client,
    }


def subject_json(org_id: str, client_id: str, grants: Grants, full_roles: bool) -> dict[str, Any]:
    """GET /api/v2/authorization/subjects/me (AuthzSubject) for the OAuth client.

    One role holds every permission. Its policies are only sent with includeFullRoles=true,
    as the SDK documents that flag ("Include full role data with permission policies").
    """
    role_id = _stable_id(org_id, "role")
    division_id = _stable_id(org_id, "home-division")
    role: dict[str, Any] = {
        "id": role_id,
        "name": ROLE_NAME,
        "description": "Role of the sandbox OAuth client (see /__sandbox/grants).",
        "default": False,
        "selfUri": f"/api/v2/authorization/roles/{role_id}",
    }
    if full_roles:
        role["policies"] = grants.policies()
    grant = {
        "subjectId": client_id,
        "division": {
            "id": division_id,
            "name": "Home",
            "homeDivision": True,
            "selfUri": f"/api/v2/authorization/divisions/{division_id}",
        },
        "role": role,
        "grantMadeAt": iso_utc(grants.granted_at),
    }
    return {
        "id": client_id,
        "name": CLIENT_NAME,
        "grants": [grant] if grants.permissions else [],
        "version": 1,
        "selfUri": f"/api/v2/authorization/subjects/{client_id}",
    }
