"""Genesys failures as one-line messages that name the call and Genesys' own words."""

from __future__ import annotations

import json
from typing import Any

from iac.errors import IacError

_HINTS = {
    401: "the access token was refused; check the OAuth client's id and secret",
    403: (
        "the OAuth client lacks a permission: it needs the 'integrations' scope and the "
        "integrations:integration:view/add/edit/delete permissions"
    ),
    409: "the integration was changed by someone else since it was read; run plan again",
    429: "Genesys' rate limit was still exceeded after retrying",
}


class GenesysApiError(IacError):
    def __init__(
        self,
        call: str,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        maybe_committed: bool = False,
    ) -> None:
        super().__init__(f"{call} failed: {detail}")
        self.call = call
        self.status = status
        self.code = code
        # True when Genesys may have carried out the call although no answer arrived
        # (lost connection, 5xx): a create must look before it sends again.
        self.maybe_committed = maybe_committed


def from_api_exception(call: str, exc: Any) -> GenesysApiError:
    """Build the error from an SDK ``ApiException`` (duck-typed: no SDK import here)."""
    status = getattr(exc, "status", None)
    body = _parse_body(getattr(exc, "body", None))
    code = body.get("code") or body.get("error")
    message = (
        body.get("message")
        or body.get("error_description")
        or body.get("description")
        or getattr(exc, "reason", None)
        or "no message"
    )
    parts = [f"HTTP {status}"]
    if code:
        parts.append(str(code))
    detail = " ".join(parts) + f": {_one_line(str(message))}"
    if status in _HINTS:
        detail += f" ({_HINTS[status]})"
    if body.get("contextId"):
        detail += f" [contextId {body['contextId']}]"
    return GenesysApiError(
        call,
        detail,
        status=status,
        code=str(code) if code else None,
        maybe_committed=status is not None and status >= 500,
    )


def from_transport_error(call: str, url: str, exc: Exception) -> GenesysApiError:
    reason = _one_line(str(exc)) or type(exc).__name__
    return GenesysApiError(
        call,
        f"no answer from {url}: {type(exc).__name__}: {reason}",
        maybe_committed=True,
    )


def _parse_body(raw: Any) -> dict[str, Any]:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {"message": _one_line(str(raw))[:200]}
    return data if isinstance(data, dict) else {}


def _one_line(text: str) -> str:
    return " ".join(text.split())
