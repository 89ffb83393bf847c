"""Genesys failures as one-line messages that name the call and Genesys' own words.

The parts of the message are also kept as fields (``status``, ``code``, ``message``,
``context_id``), so callers decide on those instead of re-parsing the text.
"""

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

# How Genesys words a stale configuration version when it answers 400 rather than 409 (the
# CX as Code provider treats both as a version conflict).
VERSION_CONFLICT_TEXT = "does not match the current version"


class GenesysApiError(IacError):
    """A failed Genesys call; ``str(err)`` is ``"{call} failed: {detail}"``.

    - ``call``: what was attempted, e.g. ``"PUT /api/v2/integrations/{id}/config/current"``.
    - ``detail``: the text after ``" failed: "``, as the user sees it.
    - ``status``: the HTTP status; None when no answer arrived.
    - ``code``: Genesys' error code (``"not.found"``, ``"invalid.value"``...), or the login
      service's ``error`` (``"invalid_client"``); None when the answer carried none.
    - ``message``: Genesys' own message text, on one line (the login service's
      ``error_description``; the HTTP reason when the body says nothing); None if none.
    - ``context_id``: Genesys' ``contextId`` of the failed request, for its support.
    - ``maybe_committed``: True when Genesys may have carried out the call although no
      answer arrived (lost connection, 5xx): a create must look before it sends again.
    - ``is_version_conflict``: the write carried a stale configuration version (409, or a
      400 saying the version "does not match the current version").
    """

    def __init__(
        self,
        call: str,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
        context_id: str | None = None,
        maybe_committed: bool = False,
    ) -> None:
        super().__init__(f"{call} failed: {detail}")
        self.call = call
        self.detail = detail
        self.status = status
        self.code = code
        self.message = message
        self.context_id = context_id
        self.maybe_committed = maybe_committed

    @property
    def is_version_conflict(self) -> bool:
        return is_version_conflict(self.status, self.message)

    def with_detail(self, detail: str) -> GenesysApiError:
        """The same failure told differently (e.g. with a hint the caller knows)."""
        return GenesysApiError(
            self.call,
            detail,
            status=self.status,
            code=self.code,
            message=self.message,
            context_id=self.context_id,
            maybe_committed=self.maybe_committed,
        )


def from_api_exception(call: str, exc: Any) -> GenesysApiError:
    """Build the error from an SDK ``ApiException`` (duck-typed: no SDK import here)."""
    status = getattr(exc, "status", None)
    body = _parse_body(getattr(exc, "body", None))
    code = body.get("code") or body.get("error")
    raw_message = (
        body.get("message")
        or body.get("error_description")
        or body.get("description")
        or getattr(exc, "reason", None)
    )
    message = _one_line(str(raw_message)) if raw_message else None
    context_id = str(body["contextId"]) if body.get("contextId") else None
    parts = [f"HTTP {status}"]
    if code:
        parts.append(str(code))
    # Whitespace-only text still shows as empty (the field says None): the text is unchanged.
    detail = " ".join(parts) + f": {'no message' if message is None else message}"
    hint = _HINTS.get(409) if is_version_conflict(status, message) else _HINTS.get(status or 0)
    if hint:
        detail += f" ({hint})"
    if context_id:
        detail += f" [contextId {context_id}]"
    return GenesysApiError(
        call,
        detail,
        status=status,
        code=str(code) if code else None,
        message=message or None,
        context_id=context_id,
        maybe_committed=status is not None and status >= 500,
    )


def is_version_conflict(status: int | None, message: str | None) -> bool:
    """A stale configuration version: 409, or 400 with Genesys' "does not match" wording."""
    if status == 409:
        return True
    return status == 400 and VERSION_CONFLICT_TEXT in (message or "").lower()


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
