"""The answers we read in bulk, decoded straight from their JSON into small typed values.

The SDK's deserialiser walks every model through ``eval`` of type names: 28,000 calls for the
10 pages of a 1,000-integration listing, most of a plan's time. These values carry the same
attribute names as the SDK's models (``integration_type.id``, ``config.current.version``...),
so the code that reads them (``convert``, ``listing``) works on either.

Decoding follows the SDK's leniency where it is harmless (unknown keys are ignored, an absent
value is None) and keeps what it would have lost: an intended or reported state the SDK does
not know stays as Genesys wrote it rather than becoming ``"outdated_sdk_version"``. A body whose
shape is wrong (an entity that is not an object, entities that are not a list) is refused with
``MalformedAnswer``, naming what was wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iac.genesys.convert import moment


class MalformedAnswer(ValueError):
    """A body that is not the JSON shape its call answers with."""


@dataclass(frozen=True, slots=True)
class TypeRef:
    id: str | None


@dataclass(frozen=True, slots=True)
class StatusDetail:
    message: str | None


@dataclass(frozen=True, slots=True)
class ReportedState:
    code: str | None
    detail: StatusDetail | None
    last_updated: datetime | None


@dataclass(frozen=True, slots=True)
class Configuration:
    """``IntegrationConfiguration``: what a config read or PUT answers."""

    id: str | None
    name: str | None
    version: int | None
    properties: dict[str, Any] | None
    advanced: dict[str, Any] | None
    notes: str | None
    credentials: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ConfigurationInfo:
    current: Configuration | None


@dataclass(frozen=True, slots=True)
class Integration:
    id: str | None
    name: str | None
    integration_type: TypeRef | None
    notes: str | None
    intended_state: str | None
    reported_state: ReportedState | None
    config: ConfigurationInfo | None


@dataclass(frozen=True, slots=True)
class IntegrationListing:
    """``IntegrationEntityListing``: one page of ``GET /api/v2/integrations``."""

    entities: list[Integration]
    page_size: int | None
    page_number: int | None
    total: int | None
    page_count: int | None
    next_uri: str | None


def integration_listing(data: Any) -> IntegrationListing:
    body = _object(data, "the listing")
    entities = body.get("entities")
    if entities is None:
        entities = []
    if not isinstance(entities, list):
        raise MalformedAnswer(f"its entities are {type(entities).__name__}, not a list")
    return IntegrationListing(
        entities=[integration(entity) for entity in entities],
        page_size=_int(body.get("pageSize")),
        page_number=_int(body.get("pageNumber")),
        total=_int(body.get("total")),
        page_count=_int(body.get("pageCount")),
        next_uri=_str(body.get("nextUri")),
    )


def integration(data: Any) -> Integration:
    body = _object(data, "an integration")
    kind = body.get("integrationType")
    reported = body.get("reportedState")
    config = body.get("config")
    return Integration(
        id=_str(body.get("id")),
        name=_str(body.get("name")),
        integration_type=None if kind is None else TypeRef(_str(_object(kind, "a type").get("id"))),
        notes=_str(body.get("notes")),
        intended_state=_str(body.get("intendedState")),
        reported_state=None if reported is None else _reported(reported),
        config=None if config is None else _config_info(config),
    )


def configuration(data: Any) -> Configuration:
    body = _object(data, "a configuration")
    return Configuration(
        id=_str(body.get("id")),
        name=_str(body.get("name")),
        version=_int(body.get("version")),
        properties=_dict(body.get("properties"), "its properties"),
        advanced=_dict(body.get("advanced"), "its advanced settings"),
        notes=_str(body.get("notes")),
        credentials=_dict(body.get("credentials"), "its credentials"),
    )


# The SDK's response type names these calls answer with, and their decoders.
DECODERS: dict[str, Callable[[Any], Any]] = {
    "IntegrationEntityListing": integration_listing,
    "Integration": integration,
    "IntegrationConfiguration": configuration,
}


def _reported(data: Any) -> ReportedState:
    body = _object(data, "a reported state")
    detail = body.get("detail")
    message = None if detail is None else _str(_object(detail, "a detail").get("message"))
    return ReportedState(
        code=_str(body.get("code")),
        detail=None if detail is None else StatusDetail(message),
        last_updated=moment(body.get("lastUpdated")),
    )


def _config_info(data: Any) -> ConfigurationInfo:
    current = _object(data, "a config").get("current")
    return ConfigurationInfo(None if current is None else configuration(current))


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedAnswer(f"{what} is {type(data).__name__}, not an object")
    return data


def _dict(value: Any, what: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise MalformedAnswer(f"{what} are {type(value).__name__}, not an object")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    # As the SDK reads an int: a number, or a string of one.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None

