"""What the current token may do in Genesys, as plain data (read by the preflight gate)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    # Scopes of the token; empty when the OAuth client has no scope restriction.
    scopes: tuple[str, ...]
    # "domain:entity:action" grants of the OAuth client's roles; None where Genesys won't say.
    permissions: tuple[str, ...] | None
    # Why permissions are unknown (the answer of the call that reads them).
    unknown_because: str | None = None
