"""``GET /api/v2/notifications/availabletopics``: the org's catalog of notification topics.

ASSUMPTION (sample catalog): ``available_topics.json``, shipped with the package, is a sample,
not Genesys' catalog. Its topic names are those Genesys' public docs name (conversation detail
events, audits, users, routing queues, analytics, operations, outbound, flows); their
descriptions, transports, permissions and schemas are illustrative. It holds one topic
delivered only over notification channels (``v2.users.{id}.conversations``, transports
``["Websocket"]``) and one Preview topic (``v2.taskmanagement.workitems.queues.{id}``), so
the rules gate's refusals and warnings can be seen against the sandbox. A real org answers
with its own catalog, hundreds of topics long. Settled by: GET
/api/v2/notifications/availabletopics?expand=transports&expand=visibility on a real org,
compared topic by topic.

Query parameters, as the SDK's ``NotificationsApi.get_notifications_availabletopics`` sends
them:

- ``includePreview`` (``true``/``false``): Preview topics only when true. Genesys' SDK
  documentation gives true as the default; the sandbox follows it. ASSUMPTION: the default is
  true on the live API too. Settled by: the same GET with and without
  ``includePreview=false``, looking for a topic whose ``visibility`` is Preview.
- ``expand``: the fields Genesys' SDK documentation lists as expandable (``EXPANDABLE``) are
  sent only when named; ``id``, ``topicParameters`` and the ``requires...`` flags always.
  ASSUMPTION: that is which fields a bare GET leaves out, and an unknown ``expand`` value is a
  400. Settled by: a GET without ``expand``, one with each value, and one with ``expand=bogus``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from iac.sandbox.errors import bad_request

CATALOG_FILE = "available_topics.json"
EXPANDABLE = (
    "description",
    "enforced",
    "schema",
    "visibility",
    "transports",
    "publicApiTemplateUriPaths",
    "requiresPermissions",
    "permissionDetails",
)


@cache
def catalog() -> tuple[dict[str, Any], ...]:
    """Every topic of the shipped sample catalog, with every field (read once)."""
    text = resources.files("iac.sandbox").joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    return tuple(json.loads(text)["entities"])


def available_topics(query: dict[str, list[str]]) -> dict[str, Any]:
    """The ``AvailableTopicEntityListing`` for this query (400 for a value it cannot take)."""
    expand = _expand(query.get("expand", []))
    preview = _flag(query, "includePreview", default=True)
    entities = [
        {key: value for key, value in topic.items() if key not in EXPANDABLE or key in expand}
        for topic in catalog()
        if preview or topic.get("visibility") != "Preview"
    ]
    return {"entities": entities}


def _expand(values: list[str]) -> set[str]:
    wanted = {value.strip() for value in values if value.strip()}  # comma lists: split already
    unknown = sorted(wanted - set(EXPANDABLE))
    if unknown:
        raise bad_request(
            "Invalid expand value(s) {values}: valid values are {valid}.",
            {"values": ", ".join(unknown), "valid": ", ".join(EXPANDABLE)},
        )
    return wanted


def _flag(query: dict[str, list[str]], name: str, *, default: bool) -> bool:
    values = query.get(name)
    if not values:
        return default
    value = values[-1].strip().lower()
    if value not in ("true", "false"):
        raise bad_request(
            "{name} must be true or false, not {value}.", {"name": name, "value": values[-1]}
        )
    return value == "true"
