"""Loopback HTTPS servers (stdlib http.server, trustme certificates) for the probe tests."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers with the status named by the path ("/503" -> 503, otherwise 404)."""

    server: Server

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        if self.server.delay:
            time.sleep(self.server.delay)
        tail = self.path.rstrip("/").rsplit("/", 1)[-1]
        status = int(tail) if tail.isdigit() else 404
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.context = context
        self.delay = delay
        self.paths: list[str] = []

    def get_request(self) -> tuple[socket.socket, object]:
        # Handshake in the handler thread (do_handshake_on_connect), not the accept loop, so a
        # failed client handshake never blocks or kills the server.
        sock, addr = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True), addr

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients rejecting our certificate is the point of several tests


@dataclass
class HTTPSServer:
    port: int
    server: Server = field(repr=False)

    @property
    def paths(self) -> list[str]:
        return self.server.paths

    def url(self, path: str = "/", host: str = "localhost") -> str:
        return f"https://{host}:{self.port}{path}"


ServerFactory = Callable[..., HTTPSServer]


def start_server(context: ssl.SSLContext, *, delay: float = 0.0) -> tuple[Server, threading.Thread]:
    server = Server(context, delay)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    return server, thread


def stop_server(server: http.server.HTTPServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def self_signed_context(hostname: str) -> ssl.SSLContext:
    """A server context whose leaf is signed by its own key (no CA at all)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    blob = trustme.Blob(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with blob.tempfile() as path:
        context.load_cert_chain(path)
    return context
