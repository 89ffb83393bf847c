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
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode

import httpx

from iac.genesys.sdk import AbstractHttpClient, ApiException

# Told of every request: (method, status), status None when no answer came.
ResponseHook = Callable[[str, int | None], None]
# Told of the answer to the request sent in its context: (status, headers), both None when no
# answer came. The caller sets it in the context it runs one SDK call in (a copy, in a worker
# thread: see ``CallRunner``), so each answer reaches the call that sent it, even when several
# clients share this transport. The pacer learns the rate limit's headers this way.
AnswerListener = Callable[[int | None, Mapping[str, str] | None], None]
answer_listener: ContextVar[AnswerListener | None] = ContextVar("answer_listener", default=None)


def default_httpx_client(
    timeout_seconds: float = 30.0, verify: bool | str = True, max_connections: int = 8
) -> httpx.Client:
    """The ``httpx.Client`` the transport builds when given none.

    No retries and no redirects: a wrapped client of the caller's should be built the same
    way, or it would resend calls that the Genesys client deems unsafe to repeat.
    ``max_connections``: as many as the caller sends at once, all kept alive between calls
    (httpx keeps 20 by default: a larger concurrency would reconnect all the time).
    """
    connections = max(1, max_connections)
    # The pool is the transport's: httpx ignores a Client's limits once given a transport.
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.Client(
        timeout=timeout_seconds,
        verify=verify,
        follow_redirects=False,
        transport=httpx.HTTPTransport(retries=0, verify=verify, limits=limits),
    )


class HttpxResponse:
    """The response shape the SDK reads: status, reason, data (text) and headers."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        # Names the call in errors raised while decoding the answer (query string left out).
        self.request_line = f"{response.request.method} {response.request.url.path}"
        self.data = response.text
        self._headers = response.headers

    def getheaders(self) -> httpx.Headers:
        return self._headers

    def getheader(self, name: str, default: Any = None) -> Any:
        return self._headers.get(name, default)


class HttpxHttpClient(AbstractHttpClient):
    """The SDK's HTTP client, over ``client`` or, when None, over ``default_httpx_client``.

    ``timeout_seconds``, ``verify`` and ``max_connections`` (at least the concurrency of the
    calls sent through it) apply only to the client built here. Response hooks
    (``on_response`` and ``add_response_hook``) are told of every request, answered or not;
    they run in the SDK's worker threads.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout_seconds: float = 30.0,
        verify: bool | str = True,
        max_connections: int = 8,
        on_response: ResponseHook | None = None,
    ) -> None:
        super().__init__()
        self._owns_client = client is None
        self._client = (
            default_httpx_client(timeout_seconds, verify, max_connections)
            if client is None
            else client
        )
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
            self._report(options.method, None, None)
            raise
        self._report(options.method, response.status_code, response.headers)
        wrapped = HttpxResponse(response)
        if self.post_hook:
            wrapped = self.post_hook(wrapped)
        if not 200 <= wrapped.status <= 299:
            raise ApiException(http_resp=wrapped)
        return wrapped

    def _report(self, method: str, status: int | None, headers: httpx.Headers | None) -> None:
        listener = answer_listener.get()
        if listener is not None:
            listener(status, headers)
        for hook in self._hooks:
            hook(method, status)

    def close(self) -> None:
        """Close the ``httpx.Client`` if this transport built it; a caller's stays open."""
        if self._owns_client:
            self._client.close()
