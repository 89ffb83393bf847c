"""The AWS regions ``aws_region`` may name, so that a typo (us-east-9) is caught offline.

The list is AWS's as of 2026: every region of the commercial partition, GovCloud, China and
the isolated partitions that the region grammar admits. A region AWS opens later is allowed
by listing it under ``extra_aws_regions:`` in a configuration file (see the README) until this
list catches up. A policy file's ``allowed_regions`` is a separate, narrower rule.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

AWS_REGIONS: frozenset[str] = frozenset(
    {
        # Commercial partition (aws).
        "af-south-1",  # Cape Town
        "ap-east-1",  # Hong Kong
        "ap-east-2",  # Taipei
        "ap-northeast-1",  # Tokyo
        "ap-northeast-2",  # Seoul
        "ap-northeast-3",  # Osaka
        "ap-south-1",  # Mumbai
        "ap-south-2",  # Hyderabad
        "ap-southeast-1",  # Singapore
        "ap-southeast-2",  # Sydney
        "ap-southeast-3",  # Jakarta
        "ap-southeast-4",  # Melbourne
        "ap-southeast-5",  # Malaysia
        "ap-southeast-6",  # New Zealand
        "ap-southeast-7",  # Thailand
        "ca-central-1",  # Canada Central
        "ca-west-1",  # Calgary
        "eu-central-1",  # Frankfurt
        "eu-central-2",  # Zurich
        "eu-north-1",  # Stockholm
        "eu-south-1",  # Milan
        "eu-south-2",  # Spain
        "eu-west-1",  # Ireland
        "eu-west-2",  # London
        "eu-west-3",  # Paris
        "il-central-1",  # Tel Aviv
        "me-central-1",  # UAE
        "me-south-1",  # Bahrain
        "mx-central-1",  # Mexico
        "sa-east-1",  # São Paulo
        "us-east-1",  # N. Virginia
        "us-east-2",  # Ohio
        "us-west-1",  # N. California
        "us-west-2",  # Oregon
        # AWS GovCloud (US) (aws-us-gov).
        "us-gov-east-1",
        "us-gov-west-1",
        # China (aws-cn).
        "cn-north-1",  # Beijing
        "cn-northwest-1",  # Ningxia
        # Isolated partitions (aws-iso, aws-iso-b, aws-iso-e, aws-iso-f).
        "us-iso-east-1",
        "us-iso-west-1",
        "us-isob-east-1",
        "us-isob-west-1",
        "eu-isoe-west-1",
        "us-isof-east-1",
        "us-isof-south-1",
    }
)


def is_known_region(region: str, extra: Iterable[str] = ()) -> bool:
    return region in AWS_REGIONS or region in set(extra)


def close_regions(region: str) -> list[str]:
    """Up to three known regions that ``region`` may be a typo of, closest first."""
    return difflib.get_close_matches(region, sorted(AWS_REGIONS), n=3, cutoff=0.75)
