"""Helpers for the client's tests against a real sandbox: its admin paths, and running a client.

Kept out of conftest so that test modules import them by a unique name.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from iac.genesys.client import GenesysClient, RetryPolicy
from iac.genesys.settings import GenesysTarget

TYPE_ID = "amazon-eventbridge-source"
LIST = "/api/v2/integrations"
# No waits between retries unless a test asks: these tests are about what is retried.
QUICK = RetryPolicy(backoff_initial=0.0, backoff_max=0.0)

T = TypeVar("T")


def behave(url: str, **modes: Any) -> dict[str, Any]:
    """PUT /__sandbox/behaviour: these modes, every other key back to its default."""
    response = httpx.put(f"{url}/__sandbox/behaviour", json=modes)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def fault(url: str, **rule: Any) -> None:
    httpx.post(f"{url}/__sandbox/faults", json=rule).raise_for_status()


def seed(url: str, count: int = 1) -> list[str]:
    """Unconfigured EventBridge integrations made behind the client's back (admin path)."""
    ids = []
    with httpx.Client(base_url=url) as http:
        for _ in range(count):
            response = http.post("/__sandbox/integrations", json={"typeId": TYPE_ID})
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


def requests(url: str, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
    """The API calls the sandbox handled, optionally only those of one method and path."""
    return [
        r
        for r in httpx.get(f"{url}/__sandbox/requests").json()
        if (method is None or r["method"] == method) and (path is None or r["path"] == path)
    ]


def forget_requests(url: str) -> None:
    httpx.delete(f"{url}/__sandbox/requests").raise_for_status()


def org_integrations(url: str) -> list[dict[str, Any]]:
    """Every integration the sandbox holds, straight from its store."""
    return list(httpx.get(f"{url}/__sandbox/org").json()["integrations"])


def with_client(
    target: GenesysTarget,
    action: Callable[[GenesysClient], Awaitable[T]],
    policy: RetryPolicy = QUICK,
    **options: Any,
) -> T:
    """Run ``action`` with a logged-in client."""

    async def run() -> T:
        async with GenesysClient(target, policy=policy, **options) as client:
            return await action(client)

    return asyncio.run(run())


ATTRIBUTES: dict[str, Any] = {
    "name": "Orders",
    "aws_account_id": "123456789012",
    "aws_region": "us-east-1",
    "event_source_suffix": "orders",
    "topic_filters": ["v2.users.{id}.activity"],
    "notes": None,
}


class CraftedApi:
    """A tiny stand-in for Genesys serving canned JSON, for answers the sandbox never gives.

    ``answers[(method, path)]`` is the JSON body of a 200 (query strings are ignored); the
    login answers with a token; anything else is a 404.
    """

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        self.answers = answers
        self.seen: list[tuple[str, str]] = []
        crafted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                path = urlsplit(self.path).path
                crafted.seen.append((self.command, path))
                status, body = 404, {"status": 404, "code": "not.found", "message": "Not found"}
                if path == "/oauth/token":
                    status, body = 200, {"access_token": "t", "token_type": "bearer"}
                elif (self.command, path) in crafted.answers:
                    status, body = 200, crafted.answers[(self.command, path)]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def target(self) -> GenesysTarget:
        return GenesysTarget(api_url=self.url, client_id="c", client_secret="s", sandbox=True)

    def __enter__(self) -> CraftedApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
