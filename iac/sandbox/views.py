"""JSON renderings of org records, with exactly the keys of the SDK models."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from iac.sandbox import eventbridge
from iac.sandbox.org import Record, resolve_state

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
        "integrationType": eventbridge.type_summary(),
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
    recs: list[Record], page_size: int, page_number: int, filters: dict[str, str],
    expand_config: bool,
) -> dict[str, Any]:
    """One IntegrationEntityListing page; the *Uri links keep the caller's filters."""
    total = len(recs)
    page_count = math.ceil(total / page_size)
    start = (page_number - 1) * page_size
    page = recs[start : start + page_size]

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
    return {"id": org_id, "name": name, "state": "active",
            "selfUri": f"/api/v2/organizations/{org_id}"}
