"""Knobs of one sandbox instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SandboxOptions:
    """How the sandbox behaves; the defaults mirror a stock Genesys Cloud org."""

    client_id: str = "sandbox-client"  # documented default credentials
    client_secret: str = "sandbox-secret"
    activation_delay: float = 1.0  # seconds from ACTIVATING to ACTIVE
    rate_limit_per_minute: int = 300  # requests per token per window
    rate_window_seconds: float = 60.0  # window length (tests shorten it)
    token_ttl_seconds: int = 86400
    expand_honoured: bool = True  # False: list ignores expand=config.current
    faults_file: Path | None = None  # JSON list of fault rules loaded at start
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
