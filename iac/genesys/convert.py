"""Between the SDK's model objects and ``LiveDestination``.

Duck-typed, so this module never imports the SDK: it reads the attributes the SDK's
``Integration`` and ``IntegrationConfiguration`` models carry.
"""

from __future__ import annotations

from typing import Any, TypeVar

from iac.genesys.live import INTEGRATION_TYPE, LiveDestination, attributes_from_genesys

T = TypeVar("T")


def is_eventbridge(integration: Any) -> bool:
    kind = integration.integration_type
    return kind is None or kind.id == INTEGRATION_TYPE


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
    )


def model(cls: type[T], **attributes: Any) -> T:
    # SDK models take no constructor arguments; their setters validate instead.
    instance = cls()
    for name, value in attributes.items():
        setattr(instance, name, value)
    return instance
