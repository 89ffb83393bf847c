"""An httpx-backed HTTP client for the SDK, replacing its urllib3 default.

Why: urllib3 as the SDK configures it retries connection errors for every method, so a POST
whose answer was lost can be sent twice. This transport never retries; the client decides
what is safe to send again. It also verifies TLS strictly and keeps connections alive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient
from PureCloudPlatformClientV2.rest import ApiException


class HttpxResponse:
    """The response shape the SDK reads: status, reason, data (text) and headers."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.data = response.text
        self._headers = response.headers

    def getheaders(self) -> httpx.Headers:
        return self._headers

    def getheader(self, name: str, default: Any = None) -> Any:
        return self._headers.get(name, default)


class HttpxHttpClient(AbstractHttpClient):
    def __init__(
        self,
        timeout_seconds: float = 30.0,
        verify: bool | str = True,
        on_response: Callable[[str, int | None], None] | None = None,
    ) -> None:
        super().__init__()
        # Told of every request: (method, status), status None when no answer came.
        self._on_response = on_response
        self._client = httpx.Client(
            timeout=timeout_seconds,
            verify=verify,
            follow_redirects=False,
            transport=httpx.HTTPTransport(retries=0, verify=verify),
        )

    def request(self, http_request_options: Any) -> HttpxResponse:
        options = http_request_options
        if self.pre_hook:
            options = self.pre_hook(options)
        headers = dict(options.headers or {})
        content: bytes | str | None = None
        if options.post_params:
            content = urlencode(options.post_params)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif options.body is not None:
            content = json.dumps(options.body)
        try:
            response = self._client.request(
                options.method,
                options.url,
                params=options.query_params or None,
                headers=headers,
                content=content,
            )
        except httpx.TransportError:
            self._report(options.method, None)
            raise
        self._report(options.method, response.status_code)
        wrapped = HttpxResponse(response)
        if self.post_hook:
            wrapped = self.post_hook(wrapped)
        if not 200 <= wrapped.status <= 299:
            raise ApiException(http_resp=wrapped)
        return wrapped

    def _report(self, method: str, status: int | None) -> None:
        if self._on_response is not None:
            self._on_response(method, status)

    def close(self) -> None:
        self._client.close()
