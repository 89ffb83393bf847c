"""A destination's ``aws_event_bus`` block: the partner event bus in the customer's AWS
account, created and owned by iac (``create: true``) or an existing one it verifies (``name``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


def _field_title(name: str, _info: Any) -> str:
    return name


# Error type of two fields that must not be given together; ``ctx["fields"]`` names them.
EXCLUSIVE_ERROR = "mutually_exclusive"

# An EventBridge event bus name (AWS: 1-256 of letters, digits, '.', '-', '_', '/').
BUS_NAME_PATTERN = r"^[A-Za-z0-9./_-]{1,256}$"


class AwsEventBus(BaseModel):
    """The partner event bus in the customer's AWS account, bound to the destination's
    partner event source: created and owned by iac, or an existing one iac verifies."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        field_title_generator=_field_title,
        title="AwsEventBus",
        json_schema_extra={
            "oneOf": [
                {"required": ["create"], "properties": {"create": {"const": True}}},
                {"required": ["name"]},
            ]
        },
    )

    create: bool = Field(
        default=False,
        strict=True,
        description=(
            "true: iac creates the partner event bus (named after the partner event source,"
            " as AWS requires), owns it, and deletes it before the integration. Give create:"
            " true or name, not both."
        ),
    )
    name: str | None = Field(
        default=None,
        strict=True,
        pattern=BUS_NAME_PATTERN,
        description=(
            "An existing partner event bus (the source's name, aws.partner/genesys.com/cloud/"
            "<org>/<suffix>) that iac verifies is bound to the source, and never deletes."
        ),
    )

    @model_validator(mode="after")
    def _create_or_name(self) -> AwsEventBus:
        if self.create and self.name is not None:
            raise PydanticCustomError(
                EXCLUSIVE_ERROR,
                "create and name are mutually exclusive; give one of them",
                {"fields": ("create", "name")},
            )
        if not self.create and self.name is None:
            raise PydanticCustomError(
                "bus_needs_create_or_name",
                "aws_event_bus needs create: true (iac creates and owns the bus) or name: "
                "<an existing bus> (iac verifies it)",
            )
        return self
