"""Knobs of one sandbox instance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class SandboxOptions:
    """How the sandbox behaves; the defaults mirror a stock Genesys Cloud org."""

    client_id: str = "sandbox-client"  # documented default credentials
    client_secret: str = "sandbox-secret"
    activation_delay: float = 1.0  # seconds from ACTIVATING to ACTIVE
    rate_limit_per_minute: int = 300  # requests per token per window
    rate_window_seconds: float = 60.0  # window length (tests shorten it)
    # False: answers carry no inin-ratelimit-* headers, only Retry-After on a 429 (the part
    # Genesys documents), for a client that must then pace on Retry-After alone.
    rate_limit_headers: bool = True
    token_ttl_seconds: int = 86400
    # False: list and GET by id ignore expand=config.current. Kept as a shorthand for
    # behaviour={"expand_honoured": False}; a behaviour that sets the key wins.
    expand_honoured: bool = True
    # Modes for unverified API behaviour (see behaviour.py), e.g. {"version_conflict_status":
    # 400}; absent keys keep today's behaviour. Checked at start (SandboxStartError).
    behaviour: Mapping[str, Any] | None = None
    behaviour_file: Path | None = None  # a JSON object of modes; ``behaviour``'s keys win
    faults_file: Path | None = None  # JSON list of fault rules loaded at start
    # An AWS-compatible endpoint (e.g. moto in server mode) where the sandbox plays Genesys'
    # part: creating the partner event source when an integration becomes ACTIVE, deleting it
    # with the integration. None: AWS_ENDPOINT_URL_EVENTS or AWS_ENDPOINT_URL if set; "": none.
    aws_endpoint: str | None = None
    seed: int | None = None  # for probability faults
    # OAuth scopes of the client; empty: created without scopes, so not scope-restricted
    scopes: tuple[str, ...] = ()
    # Permissions of the client's role; "*" matches any one segment (integrations:*:*)
    permissions: tuple[str, ...] = (
        "integrations:integration:view",
        "integrations:integration:add",
        "integrations:integration:edit",
        "integrations:integration:delete",
    )
