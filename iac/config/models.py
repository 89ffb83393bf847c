"""Pydantic models of a destinations file: the single source of validation rules and schema.

The field descriptions double as editor hover text through the generated JSON Schema, so they
state the rule in user terms. Patterns are written so that pydantic (Rust regex) and JSON Schema
(ECMA regex) read them the same way: ``[0-9]`` rather than ``\\d``, explicit ``^...$`` anchors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iac.config.event_bus import EXCLUSIVE_ERROR, AwsEventBus
from iac.config.regions import AWS_REGIONS, close_regions

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
# AWS's region grammar (partition, direction, number), as Genesys validates awsAccountRegion.
REGION_PATTERN = (
    r"^[a-z]{2}(-gov|-iso[bef]?)?-"
    r"(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$"
)
# Genesys region names are AWS-style but not all AWS regions (eusc-de-east-1): the SDK's
# table decides at run time.
GENESYS_REGION_PATTERN = r"^[a-z]+(-[a-z]+)+-[0-9]+$"
SUFFIX_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
TOPIC_PATTERN = r"^v2(\.([A-Za-z0-9_-]+|\{id\}))+$"
ENDPOINT_PATTERN = r"^https://[^\s/?#]+(/[^\s]*)?$"
API_URL_PATTERN = r"^https?://[^\s/?#]+(/[^\s]*)?$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Unanchored on purpose: both regex flavours search, so this means "has a visible character".
NOT_BLANK_PATTERN = r"\S"

LogicalKey = Annotated[str, StringConstraints(strict=True, pattern=KEY_PATTERN)]
RegionName = Annotated[
    str,
    StringConstraints(strict=True, pattern=REGION_PATTERN),
    Field(description="An AWS region code, e.g. xx-east-1."),
]

# Error type of an aws_region that is well formed but not a region AWS has (as far as we
# know); ``ctx["close"]`` lists known regions it may be a typo of.
UNKNOWN_REGION_ERROR = "unknown_aws_region"
# Validation context key: regions to accept beyond AWS_REGIONS (a folder's extra_aws_regions).
EXTRA_REGIONS = "extra_aws_regions"
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
        description=(
            "AWS region of the partner event source, e.g. us-east-1 or eu-central-1: a region"
            " AWS has (a newer one: list it under extra_aws_regions)."
        ),
        # Completion in editors; validation keeps the pattern, since extra_aws_regions may
        # name regions the schema cannot know.
        examples=sorted(AWS_REGIONS),
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

    prevent_destroy: bool = Field(
        default=False,
        strict=True,
        description="Refuse any plan that would delete or replace this destination.",
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

    aws_event_bus: AwsEventBus | None = Field(
        default=None,
        description=(
            "The partner event bus in the AWS account, bound to this destination's partner"
            " event source: {create: true} (iac creates and owns it) or {name: <existing"
            " bus>} (iac verifies it). Absent: iac manages the Genesys side only. Needs"
            " boto3 (pip install genesys-eventbridge-iac[aws]) and AWS credentials."
        ),
    )

    @field_validator("aws_region")
    @classmethod
    def _known_region(cls, region: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, Mapping) else {}
        if region in AWS_REGIONS or region in context.get(EXTRA_REGIONS, ()):
            return region
        raise PydanticCustomError(
            UNKNOWN_REGION_ERROR,
            "{region} is not an AWS region",
            {"region": region, "close": close_regions(region)},
        )

    @field_validator("topic_filters")
    @classmethod
    def _normalise_topics(cls, topics: list[str]) -> list[str]:
        # Genesys treats the filter as a set; normalising keeps plans free of no-op diffs.
        return sorted(set(topics))

    @field_validator("notes")
    @classmethod
    def _normalise_notes(cls, notes: str | None) -> str | None:
        # Genesys does not tell empty notes from none: "" would never verify.
        return notes or None

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


class OrgSettings(BaseModel):
    """Which Genesys Cloud org this configuration folder is applied to, and as whom."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        field_title_generator=_field_title,
        title="OrgSettings",
        # The schema's side of _one_location below, so editors flag both given too.
        json_schema_extra={"not": {"required": ["region", "api_url"]}},
    )

    region: str | None = Field(
        default=None,
        strict=True,
        pattern=GENESYS_REGION_PATTERN,
        description=(
            "Genesys Cloud region of the org as an AWS-style name, e.g. us-east-1 or"
            " eu-west-1. Give region or api_url, not both; with neither,"
            " GENESYSCLOUD_REGION or GENESYSCLOUD_API_REGION apply."
        ),
    )
    api_url: str | None = Field(
        default=None,
        strict=True,
        pattern=API_URL_PATTERN,
        description=(
            "Base URL of the org's Genesys Cloud API, e.g. https://api.mypurecloud.ie."
            " Give region or api_url, not both."
        ),
    )
    client_id_env: str | None = Field(
        default=None,
        strict=True,
        pattern=ENV_NAME_PATTERN,
        description=(
            "NAME of the environment variable holding the OAuth client id (never the id"
            " itself). Defaults to GENESYSCLOUD_OAUTHCLIENT_ID."
        ),
    )
    client_secret_env: str | None = Field(
        default=None,
        strict=True,
        pattern=ENV_NAME_PATTERN,
        description=(
            "NAME of the environment variable holding the OAuth client secret (never the"
            " secret itself). Defaults to GENESYSCLOUD_OAUTHCLIENT_SECRET."
        ),
    )

    @model_validator(mode="after")
    def _one_location(self) -> OrgSettings:
        if self.region is not None and self.api_url is not None:
            raise PydanticCustomError(
                EXCLUSIVE_ERROR,
                "region and api_url are mutually exclusive; give one of them",
                {"fields": ("region", "api_url")},
            )
        return self


def identity_of(attributes: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    """(account, region, suffix) of any attributes, or None unless all three are set.

    An integration whose configuration never landed has no identity yet: it names no partner
    event source and so collides with nothing.
    """
    if not attributes:
        return None
    identity = tuple(attributes.get(f) for f in Destination.IDENTITY_FIELDS)
    return identity if all(identity) else None


class Moved(BaseModel):
    """A destination's logical key renamed: iac moves its state entry, Genesys is not called."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        field_title_generator=_field_title,
        title="Moved",
    )

    from_: LogicalKey = Field(
        alias="from",
        title="from",
        description=(
            "The key the destination had: no longer declared under destinations. Once state"
            " no longer knows it (the move was applied), the entry does nothing and can be"
            " removed."
        ),
    )
    to: LogicalKey = Field(
        description="The key the destination has now: declared under destinations.",
    )


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
            " at most 64 characters). To rename a key without deleting and creating the"
            " integration, list the rename under moved."
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
    org: OrgSettings | None = Field(
        default=None,
        description=(
            "The Genesys Cloud org this folder is applied to: its region or API URL and the"
            " names of the environment variables holding the OAuth client's credentials."
            " Optional; at most one file of the folder may declare it."
        ),
    )
    moved: list[Moved] = Field(
        default_factory=list,
        description=(
            "Renamed destination keys, e.g. [{from: orders, to: orders-eu}]: the plan shows"
            " 'has moved' and apply renames the key in state instead of deleting and"
            " creating the integration. Each from is a key no longer declared, each to a"
            " declared one; a key is moved once, and not on again (no chains)."
        ),
    )
    extra_aws_regions: list[RegionName] = Field(
        default_factory=list,
        description=(
            "AWS regions to accept in aws_region although iac does not know them yet (a"
            " region AWS opened after this version of iac), e.g. [xx-east-1]. Applies to"
            " every file of the folder."
        ),
    )
