"""An httpx-backed HTTP client for the SDK, replacing its urllib3 default.

Why: urllib3 as the SDK configures it retries connection errors for every method, so a POST
whose answer was lost can be sent twice. This transport never retries; the client decides
what is safe to send again. It also verifies TLS strictly and keeps connections alive.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
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
    def __init__(self, timeout_seconds: float = 30.0, verify: bool | str = True) -> None:
        super().__init__()
        self._client = httpx.Client(
            timeout=timeout_seconds,
            verify=verify,
            follow_redirects=False,
            transport=httpx.HTTPTransport(retries=0, verify=verify),
        )
        # Responses by (method, status), for the run summary and telemetry.
        self.responses: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

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
        response = self._client.request(
            options.method,
            options.url,
            params=options.query_params or None,
            headers=headers,
            content=content,
        )
        with self._lock:
            self.responses[(options.method, response.status_code)] += 1
        wrapped = HttpxResponse(response)
        if self.post_hook:
            wrapped = self.post_hook(wrapped)
        if not 200 <= wrapped.status <= 299:
            raise ApiException(http_resp=wrapped)
        return wrapped

    def close(self) -> None:
        self._client.close()
