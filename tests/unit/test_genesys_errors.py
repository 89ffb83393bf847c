"""Genesys failures as the one-line messages the user sees."""

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
