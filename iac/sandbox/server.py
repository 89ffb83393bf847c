"""The HTTP face of the sandbox: a loopback server speaking the Genesys Cloud wire format.

Order of checks for a non-admin request: fault rules (by method and path), then the
login endpoint or bearer auth (401), then the per-token rate limit (429), then the API
route; on /api/v2/integrations... the route first checks the OAuth scope, then the
permission (both 403, see ``grants.py``), so a refused request still uses up budget.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from iac.sandbox.activation import ActivationPolicy
from iac.sandbox.admin import PREFIX, Admin
from iac.sandbox.api import Api
from iac.sandbox.aws_partner import AwsPartner
from iac.sandbox.behaviour import BehaviourSetting, initial_behaviour
from iac.sandbox.body import parse_query
from iac.sandbox.errors import ApiError, error_body, not_found, rate_limited
from iac.sandbox.faults import FaultBook, load_rules_file
from iac.sandbox.grants import Grants
from iac.sandbox.options import SandboxOptions
from iac.sandbox.org import OrgStore
from iac.sandbox.ratelimit import RateLimiter
from iac.sandbox.reply import Reply
from iac.sandbox.requestlog import RequestLog
from iac.sandbox.tokens import TokenStore, bearer_token

_MAX_BODY = 10 * 1024 * 1024


class _Sandbox:
    """Everything one server instance serves from, shared by all handler threads."""

    def __init__(self, data_file: Path | None, options: SandboxOptions) -> None:
        self.behaviour = BehaviourSetting(
            initial_behaviour(options.behaviour, options.behaviour_file, options.expand_honoured)
        )
        self.activation = ActivationPolicy(options.activation_delay)
        self.store = OrgStore(data_file, self.activation, self.behaviour)
        aws_endpoint = options.aws_endpoint
        if aws_endpoint is None:
            aws_endpoint = os.environ.get("AWS_ENDPOINT_URL_EVENTS") or os.environ.get(
                "AWS_ENDPOINT_URL"
            )
        if aws_endpoint:
            self.store.partner = AwsPartner(aws_endpoint, self.store.org_id)
        rules = load_rules_file(options.faults_file) if options.faults_file else []
        self.faults = FaultBook(rules, options.seed)
        self.limiter = RateLimiter(
            options.rate_limit_per_minute,
            options.rate_window_seconds,
            counts=options.rate_limit_headers,
        )
        self.tokens = TokenStore(
            options.client_id, options.client_secret, options.token_ttl_seconds
        )
        self.grants = Grants(tuple(options.scopes), tuple(options.permissions))
        self.requests = RequestLog()
        self.api = Api(self.store, self.behaviour, self.grants, options.client_id)
        self.admin = Admin(
            self.store,
            self.faults,
            self.requests,
            self.activation,
            self.tokens,
            self.grants,
            self.behaviour,
        )

    def serve(self, method: str, path: str, query: str, body: bytes, auth: str | None) -> Reply:
        if path == "/oauth/token":
            if method != "POST":
                return Reply.from_error(not_found(f"Resource {method} {path}"))
            return self.tokens.login(auth, body)
        if not path.startswith("/api/"):
            return Reply.from_error(not_found(f"Resource {method} {path}"))
        token = bearer_token(auth)
        if token is None:
            reply = Reply.from_error(
                ApiError(
                    401,
                    "No authentication bearer token specified in authorization header.",
                    "authentication.required",
                )
            )
        elif not self.tokens.valid(token):
            reply = Reply.from_error(ApiError(401, "Invalid login credentials.", "bad.credentials"))
        else:
            decision = self.limiter.hit(token)
            headers = decision.headers()
            if decision.allowed:
                reply = self.api.handle(method, path, parse_query(query), body)
            else:
                retry_after = int(headers["Retry-After"])
                reply = Reply.from_error(rate_limited(retry_after, decision.limit))
            reply.headers.update(headers)
            return reply
        reply.headers.update(self.limiter.idle().headers())
        return reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so every answer has a Content-Length
    server_version = "iac-sandbox"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 120  # idle keep-alive connections do not pin a thread forever
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the sandbox logs nothing, and never the Authorization header."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        path = split.path
        try:
            body = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self._send(Reply(400, error_body(400, "bad.request", str(exc))))
            return
        if path.startswith(PREFIX):
            self._send(sandbox.admin.handle(method, path, body))
            return
        rule = sandbox.faults.match(method, path)
        if rule is not None:
            sandbox.faults.hold(rule)
        try:
            if rule is not None and rule.action == "respond":
                status, payload, headers = rule.response()
                reply = Reply(status, payload, headers)
            else:
                reply = sandbox.serve(
                    method, path, split.query, body, self.headers.get("Authorization")
                )
        except Exception as exc:  # a sandbox bug must still answer like Genesys would
            reply = Reply(
                500,
                error_body(500, "internal.server.error", f"Internal error: {type(exc).__name__}"),
            )
        dropped = rule is not None and rule.action == "drop_after_commit"
        sandbox.requests.add(method, path, split.query, reply.status, dropped)
        if dropped:
            self._drop()
        else:
            self._send(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            raise ValueError("Invalid Content-Length header.") from None
        if not 0 <= length <= _MAX_BODY:
            raise ValueError("Content-Length out of range.")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise ValueError("Invalid chunked request body.") from None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > _MAX_BODY:
                raise ValueError("Request body too large.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, reply: Reply) -> None:
        data = json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close without a byte of response, like a connection lost after the commit."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: _Sandbox) -> None:
        self.sandbox = sandbox
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections, so no client keeps talking to a stopped server."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class SandboxServer:
    """A loopback Genesys Cloud org; see ``SandboxOptions`` for its knobs."""

    def __init__(
        self,
        data_file: Path | None,
        options: SandboxOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._sandbox = _Sandbox(
            Path(data_file) if data_file else None, options or SandboxOptions()
        )
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _bind(self) -> _HTTPServer:
        if self._httpd is None:
            self._httpd = _HTTPServer(self._address, self._sandbox)
        return self._httpd

    def bind(self) -> str:
        """Take the port without serving yet (``serve_forever`` serves it); returns the URL."""
        with self._lock:
            self._bind()
        return self.url

    def start(self) -> str:
        """Serve in a daemon thread; returns the base URL."""
        with self._lock:
            if self._thread is None:
                httpd = self._bind()
                self._thread = threading.Thread(
                    target=httpd.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name="iac-sandbox",
                    daemon=True,
                )
                self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd, self._thread = None, None
        if httpd is None:
            return
        if thread is not None:
            httpd.shutdown()
            thread.join()
        httpd.close_connections()
        httpd.server_close()

    def interrupt(self) -> None:
        """Make ``serve_forever`` return soon; safe to call from a signal handler.

        No lock and no waiting here: the handler runs in the serving thread, between any two
        of its steps, so ``shutdown`` (which waits for the loop) runs in a helper thread.
        """
        httpd = self._httpd
        if httpd is not None:
            threading.Thread(target=httpd.shutdown, name="iac-sandbox-stop", daemon=True).start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``interrupt`` (``iac sandbox serve``)."""
        with self._lock:
            httpd = self._bind()
        try:
            httpd.serve_forever(poll_interval=0.2)
        finally:
            with self._lock:
                if self._httpd is httpd:
                    self._httpd = None
            httpd.close_connections()
            httpd.server_close()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
