"""aws_region against the AWS regions iac knows, and extra_aws_regions for newer ones."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from iac.config import ConfigError, Destination, destinations_schema, load_config
from iac.config.models import REGION_PATTERN
from iac.config.regions import AWS_REGIONS, close_regions

Write = Callable[[str, str], Path]


def destinations(*regions: str) -> str:
    lines = ["destinations:"]
    for number, region in enumerate(regions):
        lines += [
            f"  d{number}:",
            f"    name: Destination {number}",
            '    aws_account_id: "123456789012"',
            f"    aws_region: {region}",
            f"    event_source_suffix: s{number}",
            "    topic_filters: [v2.users.presence]",
        ]
    return "\n".join(lines) + "\n"


def load_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return str(info.value)


def test_a_typo_of_a_region_is_refused_with_the_closest_ones(tmp_path: Path, write: Write) -> None:
    write("d.yaml", destinations("us-east-9"))
    assert load_error(tmp_path) == (
        f"{tmp_path / 'd.yaml'}:5: destinations.d0.aws_region: 'us-east-9' is not an AWS region"
        " iac knows (did you mean us-east-2, us-east-1 or us-west-2?); if AWS opened it after"
        " this version of iac, add it to extra_aws_regions: [us-east-9]"
    )


def test_a_region_nothing_resembles_gets_no_guess(tmp_path: Path, write: Write) -> None:
    write("d.yaml", destinations("xx-north-7"))
    message = load_error(tmp_path)
    assert "'xx-north-7' is not an AWS region iac knows; if AWS opened it" in message


@pytest.mark.parametrize(
    "region",
    [
        "us-east-1",
        "ca-west-1",
        "mx-central-1",
        "il-central-1",
        "ap-southeast-5",
        "ap-southeast-7",
        "ap-east-2",
        "eu-south-2",
        "me-central-1",
        "us-gov-west-1",
        "cn-northwest-1",
        "us-isob-east-1",
    ],
)
def test_known_regions_are_accepted(tmp_path: Path, write: Write, region: str) -> None:
    write("d.yaml", destinations(region))
    assert load_config(tmp_path).destinations["d0"].aws_region == region


def test_every_known_region_has_the_grammar_of_aws_regions() -> None:
    pattern = re.compile(REGION_PATTERN)
    assert len(AWS_REGIONS) >= 40
    assert [r for r in sorted(AWS_REGIONS) if not pattern.match(r)] == []


def test_close_regions_suggest_the_likely_ones() -> None:
    assert close_regions("eu-centrl-1")[0] == "eu-central-1"
    assert close_regions("us-gov-west-2")[0] == "us-gov-west-1"
    assert close_regions("zz-nowhere-1") == []


def test_extra_aws_regions_allows_a_newer_region_in_every_file(
    tmp_path: Path, write: Write
) -> None:
    write("a.yaml", "extra_aws_regions: [xx-east-1]\n" + destinations("xx-east-1"))
    write("b.yaml", destinations("us-east-1", "xx-east-1").replace("d0", "b0").replace("d1", "b1"))
    config = load_config(tmp_path)
    assert {d.aws_region for d in config.destinations.values()} == {"us-east-1", "xx-east-1"}


def test_extra_aws_regions_must_look_like_regions(tmp_path: Path, write: Write) -> None:
    write("d.yaml", "extra_aws_regions: [xx-east-1, Frankfurt]\n" + destinations("xx-east-1"))
    assert load_error(tmp_path) == (
        f"{tmp_path / 'd.yaml'}:1: extra_aws_regions[1]: must be an AWS region code such as"
        " us-east-1 or eu-central-1 (got 'Frankfurt')"
    )


def test_a_region_in_no_extra_list_stays_refused(tmp_path: Path, write: Write) -> None:
    write("a.yaml", "extra_aws_regions: [xx-east-1]\ndestinations: {}\n")
    write("b.yaml", destinations("xx-east-2"))
    assert "'xx-east-2' is not an AWS region iac knows" in load_error(tmp_path)


def test_the_model_refuses_unknown_regions_without_context() -> None:
    body = {
        "name": "n",
        "aws_account_id": "123456789012",
        "aws_region": "us-east-9",
        "event_source_suffix": "s",
        "topic_filters": ["v2.a"],
    }
    with pytest.raises(ValidationError):
        Destination.model_validate(body)
    accepted = Destination.model_validate(body, context={"extra_aws_regions": {"us-east-9"}})
    assert accepted.aws_region == "us-east-9"


def test_schema_offers_the_known_regions_and_keeps_the_pattern() -> None:
    schema = destinations_schema()
    region = schema["$defs"]["Destination"]["properties"]["aws_region"]
    assert region["examples"] == sorted(AWS_REGIONS)
    assert region["pattern"] == REGION_PATTERN
    extra = schema["properties"]["extra_aws_regions"]
    assert extra["type"] == "array"
    assert extra["items"]["pattern"] == REGION_PATTERN
