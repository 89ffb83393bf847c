"""TLS fixtures: a test CA, its bundle file, and loopback HTTPS servers shut down at teardown.

Import the fixtures into a conftest (``from iac_testing.tls import *``) to use them.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import trustme

from iac_testing.https_servers import HTTPSServer, Server, ServerFactory, start_server, stop_server

__all__ = [
    "ca",
    "ca_bundle",
    "expired_cert",
    "free_port",
    "https_server",
    "silent_listener",
    "trusted_server",
]


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def https_server() -> Iterator[ServerFactory]:
    """Factory: start a server presenting ``cert`` (a LeafCert or a ready server context)."""
    started: list[tuple[Server, threading.Thread]] = []

    def start(cert: trustme.LeafCert | ssl.SSLContext, *, delay: float = 0.0) -> HTTPSServer:
        if isinstance(cert, ssl.SSLContext):
            context = cert
        else:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
        server, thread = start_server(context, delay=delay)
        started.append((server, thread))
        return HTTPSServer(server.server_address[1], server)

    yield start
    for server, thread in started:
        stop_server(server, thread)


@pytest.fixture
def trusted_server(ca: trustme.CA, https_server: ServerFactory) -> HTTPSServer:
    return https_server(ca.issue_cert("localhost", "127.0.0.1"))


@pytest.fixture
def expired_cert(ca: trustme.CA) -> trustme.LeafCert:
    now = datetime.now(timezone.utc)
    return ca.issue_cert(
        "localhost",
        "127.0.0.1",
        not_before=now - timedelta(days=2),
        not_after=now - timedelta(days=1),
    )


@pytest.fixture
def free_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port whose backlog completes TCP connects but which never accepts: TLS never starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])
