"""Pydantic models of a destinations file: the single source of validation rules and schema.

The field descriptions double as editor hover text through the generated JSON Schema, so they
state the rule in user terms. Patterns are written so that pydantic (Rust regex) and JSON Schema
(ECMA regex) read them the same way: ``[0-9]`` rather than ``\\d``, explicit ``^...$`` anchors.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"
SUFFIX_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
TOPIC_PATTERN = r"^v2(\.([A-Za-z0-9_-]+|\{id\}))+$"
ENDPOINT_PATTERN = r"^https://[^\s/?#]+(/[^\s]*)?$"
# Unanchored on purpose: both regex flavours search, so this means "has a visible character".
NOT_BLANK_PATTERN = r"\S"

LogicalKey = Annotated[str, StringConstraints(strict=True, pattern=KEY_PATTERN)]
Topic = Annotated[
    str,
    StringConstraints(strict=True, pattern=TOPIC_PATTERN),
    Field(
        description=(
            "A topic: 'v2.' then dot-separated segments of letters, digits, '_', '-' or '{id}'."
        )
    ),
]


def _field_title(name: str, _info: Any) -> str:
    # Editors show the title as the hover heading; the YAML key reads better than "Aws Region".
    return name


class Destination(BaseModel):
    """One Amazon EventBridge Source integration in Genesys Cloud."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        field_title_generator=_field_title,
        title="Destination",
    )

    # Changing any of these points Genesys at a different partner event source: replace.
    IDENTITY_FIELDS: ClassVar[tuple[str, ...]] = (
        "aws_account_id",
        "aws_region",
        "event_source_suffix",
    )

    name: str = Field(
        strict=True,
        min_length=1,
        max_length=200,
        pattern=NOT_BLANK_PATTERN,
        description="Display name of the integration in Genesys Cloud (1-200 characters).",
    )
    aws_account_id: str = Field(
        strict=True,
        pattern=ACCOUNT_ID_PATTERN,
        description=(
            "AWS account that receives the events: exactly 12 digits, quoted "
            '(e.g. "012345678901") so YAML keeps leading zeros.'
        ),
    )
    aws_region: str = Field(
        strict=True,
        pattern=REGION_PATTERN,
        description="AWS region of the partner event source, e.g. us-east-1 or eu-central-1.",
    )
    event_source_suffix: str = Field(
        strict=True,
        pattern=SUFFIX_PATTERN,
        description=(
            "Suffix of the partner event source name aws.partner/genesys.com/cloud/<org>/<suffix>:"
            " 1-64 letters, digits, '.', '-' or '_'. Unique per AWS account and region;"
            " changing it replaces the destination."
        ),
    )
    topic_filters: list[Topic] = Field(
        min_length=1,
        description=(
            "Genesys notification topics to forward, e.g. "
            "v2.detail.events.conversation.{id}.customer.end. Order and duplicates do not matter."
        ),
    )
    enabled: bool = Field(
        default=True,
        strict=True,
        description="Whether the integration is enabled (events flow). Defaults to true.",
    )
    notes: str | None = Field(
        default=None,
        strict=True,
        description="Free-text notes stored on the integration in Genesys Cloud.",
    )

    endpoint_url: str | None = Field(
        default=None,
        strict=True,
        pattern=ENDPOINT_PATTERN,
        description=(
            "HTTPS endpoint probed for connectivity and TLS before this destination is created"
            " or changed. Defaults to https://events.<aws_region>.amazonaws.com. Not sent to"
            " Genesys."
        ),
    )

    @field_validator("topic_filters")
    @classmethod
    def _normalise_topics(cls, topics: list[str]) -> list[str]:
        # Genesys treats the filter as a set; normalising keeps plans free of no-op diffs.
        return sorted(set(topics))

    def attributes(self) -> dict[str, Any]:
        """Plain JSON-able dict of the managed fields: what the planner diffs and state stores."""
        return {
            "name": self.name,
            "aws_account_id": self.aws_account_id,
            "aws_region": self.aws_region,
            "event_source_suffix": self.event_source_suffix,
            "topic_filters": list(self.topic_filters),
            "enabled": self.enabled,
            "notes": self.notes,
        }

    def probe_endpoint(self) -> str:
        return self.endpoint_url or f"https://events.{self.aws_region}.amazonaws.com"

    def identity(self) -> tuple[str, str, str]:
        """(account, region, suffix): equal identities mean the same partner event source."""
        return (self.aws_account_id, self.aws_region, self.event_source_suffix)


class DestinationsFile(BaseModel):
    """A YAML file declaring Genesys Cloud Amazon EventBridge destinations."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        field_title_generator=_field_title,
        title="Genesys Cloud EventBridge destinations",
    )

    destinations: dict[LogicalKey, Destination] = Field(
        description=(
            "Destinations by logical key: the key is the stable handle the tool tracks the"
            " integration by (letters, digits, '_' and '-', starting with a letter or digit,"
            " at most 64 characters). Renaming a key means delete and create."
        ),
        # Without this, patternProperties lets keys that miss the pattern through unchecked.
        json_schema_extra={"additionalProperties": False},
    )
    policy: str | None = Field(
        default=None,
        strict=True,
        min_length=1,
        description=(
            "Path of a policy file (relative to this file) whose rules every plan and apply"
            " must pass: allowed accounts and regions, required or forbidden topics, whether"
            " deletes and replaces are allowed. At most one file may name a policy."
        ),
    )
