"""The one integration type the sandbox knows: Amazon EventBridge Source.

Holds the type metadata Genesys returns and the validation of its configuration
properties, which the real service enforces when a configuration is PUT.
"""

from __future__ import annotations

import re
from typing import Any

from iac.sandbox.errors import invalid_value

TYPE_ID = "amazon-eventbridge-source"
TYPE_NAME = "Amazon EventBridge Source"
TYPE_URI = f"/api/v2/integrations/types/{TYPE_ID}"

# Needed before the integration can go ACTIVE; a PUT may still save a partial set.
REQUIRED_PROPERTIES = ("awsAccountId", "awsAccountRegion", "eventSourceSuffix", "eventFilter")

_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
_REGION_RE = re.compile(
    r"^[a-z]{2}(?:-gov|-iso[bef]?)?-"
    r"(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$"
)
_SUFFIX_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TOPIC_RE = re.compile(r"^v2(?:\.(?:[A-Za-z0-9_-]+|\{id\}))+$")


def type_summary() -> dict[str, Any]:
    """The integrationType object embedded in every Integration."""
    return {
        "id": TYPE_ID,
        "name": TYPE_NAME,
        "description": "Sends Genesys Cloud events to an Amazon EventBridge partner event source.",
        "provider": "genesys",
        "category": "Event Streaming",
        "selfUri": TYPE_URI,
    }


def type_detail(max_instances: int | None = None) -> dict[str, Any]:
    """GET /api/v2/integrations/types/{id}: the summary plus schema links.

    ``maxInstances`` (behaviour ``max_instances``) is sent only when there is a cap.
    ASSUMPTION: the type's real maxInstances is unknown; with no cap the key is left out.
    Settled by: GET /api/v2/integrations/types/amazon-eventbridge-source on a real org.
    """
    out: dict[str, Any] = {
        **type_summary(),
        "configPropertiesSchemaUri": f"{TYPE_URI}/configschemas/properties",
        "configAdvancedSchemaUri": f"{TYPE_URI}/configschemas/advanced",
        "nonInstallable": False,
    }
    if max_instances is not None:
        out["maxInstances"] = max_instances
    return out


def properties_schema() -> dict[str, Any]:
    """A JsonSchemaDocument describing the same rules validate_properties enforces.

    ASSUMPTION: the real schema's contents are unknown. Settled by: GET
    /api/v2/integrations/types/amazon-eventbridge-source/configschemas/properties on a real org.
    """
    return {
        "id": f"{TYPE_URI}/configschemas/properties",
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": f"{TYPE_NAME} properties",
        "description": "Where Genesys Cloud creates the partner event source, and what it sends.",
        "type": "object",
        "required": list(REQUIRED_PROPERTIES),
        "properties": {
            "awsAccountId": {"type": "string", "pattern": _ACCOUNT_RE.pattern},
            "awsAccountRegion": {"type": "string", "pattern": _REGION_RE.pattern},
            "eventSourceSuffix": {"type": "string", "pattern": _SUFFIX_RE.pattern},
            "eventFilter": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": _TOPIC_RE.pattern},
            },
        },
        "additionalProperties": False,
    }


def advanced_schema() -> dict[str, Any]:
    return {
        "id": f"{TYPE_URI}/configschemas/advanced",
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": f"{TYPE_NAME} advanced",
        "description": "This integration type has no advanced settings.",
        "type": "object",
        "required": [],
        "properties": {},
        "additionalProperties": False,
    }


def _bad(prop: str, rule: str) -> Exception:
    return invalid_value(
        "Invalid value for property {property}: {rule}", {"property": prop, "rule": rule}
    )


def validate_properties(props: dict[str, Any]) -> None:
    """Raise a 400 naming the first offending property; absent properties are allowed.

    ASSUMPTION: the rules (and the invalid.value code) are the CX as Code module's, not
    Genesys' own, which are unpublished. Settled by: GET .../configschemas/properties of this
    type on a real org, and PUTs of values at each rule's edge.
    """
    for key in props:
        if key not in REQUIRED_PROPERTIES:
            raise invalid_value(
                "Unknown property {property} for integration type {type}.",
                {"property": key, "type": TYPE_ID},
            )
    checks = (
        ("awsAccountId", _ACCOUNT_RE, "must be a string of exactly 12 digits"),
        ("awsAccountRegion", _REGION_RE, "must be an AWS region code such as us-east-1"),
        ("eventSourceSuffix", _SUFFIX_RE, "must be 1-64 letters, digits, '.', '-' or '_'"),
    )
    for key, pattern, rule in checks:
        if key in props:
            value = props[key]
            if not isinstance(value, str) or not pattern.match(value):
                raise _bad(key, rule)
    if "eventFilter" in props:
        topics = props["eventFilter"]
        if not isinstance(topics, list) or not topics:
            raise _bad("eventFilter", "must be a non-empty list of topic names")
        for topic in topics:
            if not isinstance(topic, str) or not _TOPIC_RE.match(topic):
                raise _bad(
                    "eventFilter", f"{topic!r} is not a topic name like v2.users.{{id}}.activity"
                )


def missing_required(props: dict[str, Any]) -> list[str]:
    return [key for key in REQUIRED_PROPERTIES if key not in props]


def identity(props: dict[str, Any]) -> tuple[str, str, str] | None:
    """(account, region, suffix): what names the AWS partner event source, if complete."""
    try:
        return (props["awsAccountId"], props["awsAccountRegion"], props["eventSourceSuffix"])
    except KeyError:
        return None
