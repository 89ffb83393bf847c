"""An httpx-backed HTTP client for the SDK, replacing its urllib3 default.

Why: urllib3 as the SDK configures it retries connection errors for every method, so a POST
whose answer was lost can be sent twice. This transport never retries; the client decides
what is safe to send again. It also verifies TLS strictly and keeps connections alive.

Ownership: an ``HttpxHttpClient`` closes only the ``httpx.Client`` it built itself. One
passed in (``HttpxHttpClient(client=...)``, e.g. a test's, with its own event hooks) stays
the caller's to close.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient
from PureCloudPlatformClientV2.rest import ApiException

# Told of every request: (method, status), status None when no answer came.
ResponseHook = Callable[[str, int | None], None]


def default_httpx_client(timeout_seconds: float = 30.0, verify: bool | str = True) -> httpx.Client:
    """The ``httpx.Client`` the transport builds when given none.

    No retries and no redirects: a wrapped client of the caller's should be built the same
    way, or it would resend calls that the Genesys client deems unsafe to repeat.
    """
    return httpx.Client(
        timeout=timeout_seconds,
        verify=verify,
        follow_redirects=False,
        transport=httpx.HTTPTransport(retries=0, verify=verify),
    )


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
    """The SDK's HTTP client, over ``client`` or, when None, over ``default_httpx_client``.

    ``timeout_seconds`` and ``verify`` apply only to the client built here. Response hooks
    (``on_response`` and ``add_response_hook``) are told of every request, answered or not;
    they run in the SDK's worker threads.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout_seconds: float = 30.0,
        verify: bool | str = True,
        on_response: ResponseHook | None = None,
    ) -> None:
        super().__init__()
        self._owns_client = client is None
        self._client = default_httpx_client(timeout_seconds, verify) if client is None else client
        # A tuple, replaced rather than mutated: worker threads iterate it while the event
        # loop's thread may add or remove a hook.
        self._hooks: tuple[ResponseHook, ...] = () if on_response is None else (on_response,)

    @property
    def is_closed(self) -> bool:
        return self._client.is_closed

    def add_response_hook(self, hook: ResponseHook) -> None:
        self._hooks = (*self._hooks, hook)

    def remove_response_hook(self, hook: ResponseHook) -> None:
        """Forget ``hook`` (its first registration); unknown hooks are ignored."""
        hooks = list(self._hooks)
        if hook in hooks:
            hooks.remove(hook)
        self._hooks = tuple(hooks)

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
        for hook in self._hooks:
            hook(method, status)

    def close(self) -> None:
        """Close the ``httpx.Client`` if this transport built it; a caller's stays open."""
        if self._owns_client:
            self._client.close()
