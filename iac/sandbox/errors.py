"""Genesys Cloud error bodies, and the exception that carries one through the sandbox."""

from __future__ import annotations

import uuid
from typing import Any

from iac.errors import IacError

# The code Genesys puts in an ErrorBody for each status the sandbox can answer.
DEFAULT_CODES: dict[int, str] = {
    400: "bad.request",
    401: "bad.credentials",
    403: "missing.permissions",
    404: "not.found",
    405: "method.not.allowed",
    409: "conflict",
    429: "too.many.requests.retry.after",  # the normalized 429 code (see rate_limited)
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
    504: "gateway.timeout",
}


class SandboxStartError(IacError, ValueError):
    """A bad option or file at start: the CLI prints it as one line (``IacError``), and
    library callers that catch ``ValueError`` keep working."""


def limit_json(key: str, namespace: str, value: int) -> dict[str, Any]:
    """The ``limit`` of an ErrorBody (SDK model ``Limit``): which limit refused the call."""
    return {"key": key, "namespace": namespace, "value": value}


def error_body(
    status: int,
    code: str | None,
    message: str,
    params: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ErrorBody with exactly the keys of the SDK model (camelCase).

    ``message`` may hold ``{name}`` placeholders filled from ``params``: Genesys sends the
    template as ``messageWithParams`` and the filled text as ``message``. ``extra`` carries
    the optional ``entityId``, ``entityName`` and ``limit``, sent only when they apply.
    """
    params = params or {}
    filled = message
    for name, value in params.items():
        filled = filled.replace("{" + name + "}", value)
    return {
        "message": filled,
        "code": code or DEFAULT_CODES.get(status, "error"),
        "status": status,
        "messageWithParams": message,
        "messageParams": dict(params),
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
        **{key: value for key, value in (extra or {}).items() if value is not None},
    }


def oauth_error(error: str, description: str) -> dict[str, str]:
    """The login service's error shape, which is not an ErrorBody."""
    return {"error": error, "description": description, "error_description": description}


class ApiError(Exception):
    """Raised anywhere below the HTTP layer; becomes one ErrorBody response."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        *,
        entity_id: str | None = None,
        entity_name: str | None = None,
        limit: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params or {}
        self.headers = headers or {}
        self.extra = {"entityId": entity_id, "entityName": entity_name, "limit": limit}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message, self.params, self.extra)


def bad_request(message: str, params: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, message, "bad.request", params)


def invalid_value(message: str, params: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, message, "invalid.value", params)


def not_found(what: str) -> ApiError:
    return ApiError(404, "{what} not found.", "not.found", {"what": what})


def rate_limited(retry_after: int, limit: int) -> ApiError:
    """The 429 every API answers over its rate limit, with the normalized body.

    Code and message as Genesys announced them ("Normalized Platform API 429 responses",
    developer forum); ``Retry-After`` is added by the caller.
    ASSUMPTION: the body also names the limit (``limit``: key
    ``client.credentials.token.rate.per.minute``, namespace ``platform.api``, the allowed
    count), as Genesys' limits documentation names them. Settled by: exceeding the rate limit
    of a client-credentials token against a real org and reading the 429 body.
    """
    return ApiError(
        429,
        f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds",
        "too.many.requests.retry.after",
        limit=limit_json("client.credentials.token.rate.per.minute", "platform.api", limit),
    )
