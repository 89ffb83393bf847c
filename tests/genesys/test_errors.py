"""Genesys failures as the one-line messages the user sees, and the fields behind them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iac.genesys.errors import from_api_exception, from_transport_error


class ApiFailure(Exception):
    """The shape of the SDK's ApiException: status, reason, body, headers."""

    def __init__(
        self, status: int | None, reason: str, body: Any, headers: dict[str, str] | None = None
    ):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers or {}


def genesys_body(status: int, code: str, message: str, context_id: str = "ctx-42") -> str:
    return json.dumps(
        {"message": message, "code": code, "status": status, "contextId": context_id, "details": []}
    )


def test_message_is_one_line_with_call_status_code_message_and_context() -> None:
    body = genesys_body(400, "invalid.value", "Value [abc]\nis not valid for awsAccountId")
    err = from_api_exception(
        "PUT /api/v2/integrations/i-1/config/current", ApiFailure(400, "Bad Request", body)
    )

    message = str(err)
    assert "\n" not in message
    assert message.startswith("PUT /api/v2/integrations/i-1/config/current failed: ")
    assert "HTTP 400 invalid.value: Value [abc] is not valid for awsAccountId" in message
    assert "[contextId ctx-42]" in message
    assert (err.status, err.code) == (400, "invalid.value")


def test_forbidden_explains_the_missing_scope_and_permissions() -> None:
    body = genesys_body(403, "missing.permissions", "Unable to perform the requested action.")
    message = str(
        from_api_exception("GET /api/v2/integrations", ApiFailure(403, "Forbidden", body))
    )

    assert "HTTP 403 missing.permissions" in message
    assert "'integrations' scope" in message
    assert "integrations:integration:view/add/edit/delete" in message


@pytest.mark.parametrize(
    ("status", "committed"),
    [(500, True), (503, True), (400, False), (404, False), (409, False), (429, False)],
)
def test_only_server_errors_may_have_committed(status: int, committed: bool) -> None:
    err = from_api_exception(
        "POST /api/v2/integrations", ApiFailure(status, "x", genesys_body(status, "c", "m"))
    )

    assert err.maybe_committed is committed


@pytest.mark.parametrize(
    "body", ["<html>\n<body>502 Bad Gateway</body>\n</html>", b"upstream\r\ntimed out", None, "[]"]
)
def test_non_json_body_still_yields_one_line(body: Any) -> None:
    err = from_api_exception("GET /api/v2/integrations", ApiFailure(502, "Bad\nGateway", body))

    message = str(err)
    assert "\n" not in message and "\r" not in message
    assert message.startswith("GET /api/v2/integrations failed: HTTP 502")
    assert err.maybe_committed


def test_html_body_text_is_kept_as_the_message() -> None:
    body = "<html>\n<body>502 Bad Gateway</body>\n</html>"
    message = str(
        from_api_exception("GET /api/v2/integrations", ApiFailure(502, "Bad Gateway", body))
    )

    assert "HTTP 502: <html> <body>502 Bad Gateway</body> </html>" in message


def test_empty_body_falls_back_to_http_reason() -> None:
    message = str(
        from_api_exception("DELETE /api/v2/integrations/i-1", ApiFailure(404, "Not Found", ""))
    )

    assert message == "DELETE /api/v2/integrations/i-1 failed: HTTP 404: Not Found"


def test_transport_error_may_have_committed() -> None:
    err = from_transport_error(
        "POST /api/v2/integrations",
        "https://api.mypurecloud.com",
        ConnectionResetError("Connection reset\nby peer"),
    )

    assert err.maybe_committed is True
    assert err.status is None
    assert str(err) == (
        "POST /api/v2/integrations failed: no answer from https://api.mypurecloud.com: "
        "ConnectionResetError: Connection reset by peer"
    )


# -- Genesys' detail as fields -------------------------------------------------------------


def test_fields_hold_status_code_message_and_context() -> None:
    body = genesys_body(409, "conflict", "Version 1 does not match\nthe current version 2")
    err = from_api_exception(
        "PUT /api/v2/integrations/i-1/config/current", ApiFailure(409, "Conflict", body)
    )

    assert err.call == "PUT /api/v2/integrations/i-1/config/current"
    assert (err.status, err.code, err.context_id) == (409, "conflict", "ctx-42")
    assert err.message == "Version 1 does not match the current version 2"
    assert err.maybe_committed is False
    # The text is built from the same parts and is exactly what it always was.
    assert str(err) == (
        "PUT /api/v2/integrations/i-1/config/current failed: HTTP 409 conflict: "
        "Version 1 does not match the current version 2 (the integration was changed by "
        "someone else since it was read; run plan again) [contextId ctx-42]"
    )
    assert str(err) == f"{err.call} failed: {err.detail}"


def test_login_error_shape_gives_code_and_description() -> None:
    body = json.dumps(
        {
            "error": "invalid_client",
            "description": "Invalid client credentials.",
            "error_description": "Invalid client credentials.",
        }
    )
    err = from_api_exception("Genesys login", ApiFailure(401, "Unauthorized", body))

    assert (err.status, err.code, err.message, err.context_id) == (
        401,
        "invalid_client",
        "Invalid client credentials.",
        None,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Not Found"),  # nothing in the body: the HTTP reason
        ("<html>\n<body>gone</body>\n</html>", "<html> <body>gone</body> </html>"),
        (json.dumps({"code": "not.found"}), "Not Found"),
    ],
)
def test_message_without_an_error_body(body: str, message: str) -> None:
    err = from_api_exception("GET /api/v2/integrations/i-1", ApiFailure(404, "Not Found", body))

    assert err.message == message
    assert err.context_id is None
    assert err.code == ("not.found" if body.startswith("{") else None)


def test_no_message_at_all_is_none() -> None:
    err = from_api_exception("GET /api/v2/integrations", ApiFailure(500, "", None))

    assert err.message is None
    assert str(err) == "GET /api/v2/integrations failed: HTTP 500: no message"


def test_with_detail_keeps_every_field() -> None:
    err = from_api_exception(
        "POST /api/v2/integrations",
        ApiFailure(503, "Service Unavailable", genesys_body(503, "service.unavailable", "busy")),
    )

    told = err.with_detail(f"{err.detail}; try later")

    assert str(told) == f"{err}; try later"
    assert (told.call, told.status, told.code, told.message, told.context_id) == (
        err.call,
        503,
        "service.unavailable",
        "busy",
        "ctx-42",
    )
    assert told.maybe_committed is True


def test_transport_error_has_no_genesys_fields() -> None:
    err = from_transport_error(
        "GET /api/v2/integrations", "https://api.mypurecloud.com", TimeoutError("timed out")
    )

    assert (err.status, err.code, err.message, err.context_id) == (None, None, None, None)
    assert err.detail == "no answer from https://api.mypurecloud.com: TimeoutError: timed out"


# -- version conflicts: 409, or 400 "does not match the current version" ------------------


@pytest.mark.parametrize(
    ("status", "message", "conflict"),
    [
        (409, "Version 1 does not match the current version 2", True),
        (409, "Conflict", True),
        (400, "Version 1 does not match the current version 2", True),
        (400, "The version DOES NOT MATCH THE CURRENT VERSION.", True),
        (400, "Value [abc] is not valid for awsAccountId", False),
        (404, "Version 1 does not match the current version 2", False),
        (412, "does not match the current version", False),
    ],
)
def test_a_stale_version_is_409_or_a_400_saying_so(
    status: int, message: str, conflict: bool
) -> None:
    err = from_api_exception(
        "PUT /api/v2/integrations/i-1/config/current",
        ApiFailure(status, "x", genesys_body(status, "bad.request", message)),
    )

    assert err.is_version_conflict is conflict
    # A 400 conflict is told like a 409 one: what happened, and what to do.
    assert ("changed by someone else since it was read; run plan again" in str(err)) is conflict
