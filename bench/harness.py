"""What the benchmarks share: the YAML of N destinations, and a child's environment that
points iac at a sandbox and nowhere else."""

from __future__ import annotations

import os
from typing import Any

TOPICS = ["v2.detail.events.conversation.{id}.customer.end", "v2.users.{id}.activity"]


def destinations_yaml(
    count: int, *, name: str = "Bench", key: str = "d", suffix: str = "bench", start: int = 0
) -> str:
    """``count`` destinations that differ by number: keys ``d00000``, suffixes ``bench-00000``."""
    lines = ["destinations:"]
    for i in range(start, start + count):
        lines += [
            f"  {key}{i:05d}:",
            f"    name: {name} {i}",
            '    aws_account_id: "123456789012"',
            "    aws_region: us-east-1",
            f"    event_source_suffix: {suffix}-{i:05d}",
            "    topic_filters:",
            *(f'      - "{t}"' for t in TOPICS),
        ]
    return "\n".join(lines) + "\n"


def sandbox_env(url: str, options: Any) -> dict[str, str]:
    """This process's environment, less anything that would point iac elsewhere (other
    GENESYSCLOUD_* and IAC_* variables, CI), plus the variables that name the sandbox."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "CI" and not name.startswith(("GENESYSCLOUD_", "IAC_"))
    }
    return {
        **env,
        "GENESYSCLOUD_API_REGION": url,
        "GENESYSCLOUD_OAUTHCLIENT_ID": options.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": options.client_secret,
    }
