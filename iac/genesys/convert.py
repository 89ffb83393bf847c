"""Between the SDK's model objects and ``LiveDestination``.

Duck-typed, so this module never imports the SDK: it reads the attributes the SDK's
``Integration`` and ``IntegrationConfiguration`` models carry.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, TypeVar

from iac.genesys.live import INTEGRATION_TYPE, LiveDestination, attributes_from_genesys

T = TypeVar("T")


def is_eventbridge(integration: Any) -> bool:
    """A listed integration of ours: it has an id and says it is of the EventBridge type.

    An entry without a type (or without an id) is not assumed to be one: a listing whose
    type filter was ignored would otherwise hand us strangers to update or delete.
    """
    kind = integration.integration_type
    return bool(integration.id) and kind is not None and kind.id == INTEGRATION_TYPE


def of_another_type(integration: Any) -> bool:
    """An integration read by its id that says it is of another type.

    Reading by id, the id is ours already: one that names no type is still taken as ours,
    since calling it gone would make the applier create it again.
    """
    kind = integration.integration_type
    return kind is not None and kind.id is not None and kind.id != INTEGRATION_TYPE


def is_deleted(integration: Any) -> bool:
    """Genesys says it is deleted (it may still be read for a moment after a DELETE)."""
    return integration.intended_state == "DELETED"


def config_matches(current: Any, sent: Any) -> bool:
    return (
        current.name == sent.name
        and (current.notes or "") == (sent.notes or "")
        and current.properties == sent.properties
    )


def inline_config(integration: Any) -> Any | None:
    info = integration.config
    current = info.current if info is not None else None
    # An entry can carry a config stub without properties; treat that as not inline.
    return current if current is not None and current.properties is not None else None


def to_live(integration: Any, config: Any) -> LiveDestination:
    reported = integration.reported_state
    return LiveDestination(
        id=integration.id,
        attributes=attributes_from_genesys(
            name=config.name or integration.name,
            notes=config.notes,
            intended_state=integration.intended_state,
            properties=config.properties,
        ),
        version=int(config.version or 1),
        reported_state=reported.code if reported else None,
        reported_detail=reported.detail.message if reported and reported.detail else None,
        reported_since=moment(reported.last_updated) if reported else None,
    )


def moment(value: Any) -> datetime | None:
    """A Genesys timestamp as an aware datetime (the SDK parses them; a string, as in raw
    JSON, is parsed here); None when absent or unreadable."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def model(cls: type[T], **attributes: Any) -> T:
    # SDK models take no constructor arguments; their setters validate instead.
    instance = cls()
    for name, value in attributes.items():
        setattr(instance, name, value)
    return instance
