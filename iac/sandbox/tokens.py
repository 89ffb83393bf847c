"""Client-credentials login and bearer-token checks."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from urllib.parse import parse_qs

from iac.sandbox.errors import oauth_error
from iac.sandbox.reply import Reply


class TokenStore:
    def __init__(self, client_id: str, client_secret: str, ttl_seconds: int) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}  # token -> monotonic expiry

    def login(self, authorization: str | None, form: bytes) -> Reply:
        """POST /oauth/token with grant_type=client_credentials and HTTP Basic credentials."""
        fields = parse_qs(form.decode("utf-8", "replace"))
        if fields.get("grant_type", [""])[0] != "client_credentials":
            return Reply(
                400,
                oauth_error(
                    "unsupported_grant_type", "Only grant_type=client_credentials is supported."
                ),
            )
        if not self._good_basic(authorization):
            return Reply(401, oauth_error("invalid_client", "Invalid client credentials."))
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry[token] = time.monotonic() + self._ttl
        return Reply.ok({"access_token": token, "token_type": "bearer", "expires_in": self._ttl})

    def _good_basic(self, authorization: str | None) -> bool:
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        client_id, sep, secret = decoded.partition(":")
        # compare_digest: no timing hints even in a sandbox, so the habit is kept
        return (
            bool(sep)
            and hmac.compare_digest(client_id, self._client_id)
            and (hmac.compare_digest(secret, self._client_secret))
        )

    def valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(token)
            if expiry is not None and expiry <= time.monotonic():
                del self._expiry[token]
                expiry = None
        return expiry is not None

    def revoke_all(self) -> int:
        """Forget every token, as if they all expired; returns how many there were."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
        return count


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: bearer <token>`` header (scheme case-insensitive)."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
