"""Genesys Cloud error bodies, and the exception that carries one through the sandbox."""

from __future__ import annotations

import uuid
from typing import Any

# The code Genesys puts in an ErrorBody for each status the sandbox can answer.
DEFAULT_CODES: dict[int, str] = {
    400: "bad.request",
    401: "bad.credentials",
    403: "missing.permissions",
    404: "not.found",
    405: "method.not.allowed",
    409: "conflict",
    429: "too.many.requests",
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
    504: "gateway.timeout",
}


def error_body(
    status: int, code: str | None, message: str, params: dict[str, str] | None = None
) -> dict[str, Any]:
    """An ErrorBody with exactly the keys of the SDK model (camelCase).

    ``message`` may hold ``{name}`` placeholders filled from ``params``: Genesys sends the
    template as ``messageWithParams`` and the filled text as ``message``.
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
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message, self.params)


def bad_request(message: str, params: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, message, "bad.request", params)


def invalid_value(message: str, params: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, message, "invalid.value", params)


def not_found(what: str) -> ApiError:
    return ApiError(404, "{what} not found.", "not.found", {"what": what})
