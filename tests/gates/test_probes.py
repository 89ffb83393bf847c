"""iac.gates.probes against real loopback HTTPS servers with trustme certificates."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import trustme
from iac_testing.https_servers import HTTPSServer, ServerFactory, self_signed_context, stop_server

from iac.gates.probes import FAILURE_KINDS, ProbeResult, default_endpoint, probe_endpoints


def probe_one(url: str, *, ca_bundle: str | None = None, timeout: float = 5.0) -> ProbeResult:
    results = asyncio.run(probe_endpoints([url], ca_bundle=ca_bundle, timeout=timeout))
    assert list(results) == [url]
    result = results[url]
    assert result.url == url
    assert result.failure is None or result.failure in FAILURE_KINDS
    assert result.ok == (result.failure is None)
    assert result.message and "\n" not in result.message
    return result


def test_default_endpoint() -> None:
    assert default_endpoint("eu-west-1") == "https://events.eu-west-1.amazonaws.com"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_trusted_server_is_reachable(
    trusted_server: HTTPSServer, ca_bundle: str, host: str
) -> None:
    result = probe_one(trusted_server.url("/", host=host), ca_bundle=ca_bundle)
    assert result.ok, result.message
    assert result.status_code == 404
    assert result.latency_ms is not None and result.latency_ms > 0
    assert result.message.startswith("reachable, HTTP 404 in ")
    assert trusted_server.paths == ["/"]


def test_4xx_is_reachable(trusted_server: HTTPSServer, ca_bundle: str) -> None:
    result = probe_one(trusted_server.url("/403"), ca_bundle=ca_bundle)
    assert (result.ok, result.status_code, result.failure) == (True, 403, None)


def test_5xx_is_a_failure(trusted_server: HTTPSServer, ca_bundle: str) -> None:
    result = probe_one(trusted_server.url("/503"), ca_bundle=ca_bundle)
    assert (result.ok, result.failure, result.status_code) == (False, "http_5xx", 503)
    assert result.latency_ms is not None
    assert "503" in result.message


def test_redirect_is_not_followed(trusted_server: HTTPSServer, ca_bundle: str) -> None:
    result = probe_one(trusted_server.url("/301"), ca_bundle=ca_bundle)
    assert (result.ok, result.status_code) == (True, 301)
    assert trusted_server.paths == ["/301"]


def test_untrusted_ca(https_server: ServerFactory, ca_bundle: str) -> None:
    server = https_server(trustme.CA().issue_cert("localhost", "127.0.0.1"))
    result = probe_one(server.url(), ca_bundle=ca_bundle)
    assert (result.ok, result.failure) == (False, "tls_untrusted")
    assert result.latency_ms is None and result.status_code is None
    assert "localhost" in result.message and "not trusted" in result.message


def test_default_trust_store_rejects_private_ca(trusted_server: HTTPSServer) -> None:
    # Without ca_bundle the probe uses certifi, which knows nothing of the test CA.
    assert probe_one(trusted_server.url()).failure == "tls_untrusted"


def test_self_signed_leaf(https_server: ServerFactory, ca_bundle: str) -> None:
    server = https_server(self_signed_context("localhost"))
    result = probe_one(server.url(), ca_bundle=ca_bundle)
    assert result.failure == "tls_untrusted", result.message
    assert "self-signed" in result.message or "self signed" in result.message


def test_expired_certificate(
    https_server: ServerFactory, expired_cert: trustme.LeafCert, ca_bundle: str
) -> None:
    server = https_server(expired_cert)
    result = probe_one(server.url(), ca_bundle=ca_bundle)
    assert (result.ok, result.failure) == (False, "tls_expired")
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date()
    assert f"localhost:{server.port} has expired" in result.message
    # The date comes from a second, time-check-free handshake; allow for midnight rollover.
    assert any(
        f"(notAfter {(yesterday + timedelta(days=d)).isoformat()})" in result.message
        for d in (0, 1)
    ), result.message


def test_hostname_mismatch(ca: trustme.CA, https_server: ServerFactory, ca_bundle: str) -> None:
    server = https_server(ca.issue_cert("other.example.org"))
    result = probe_one(server.url(host="localhost"), ca_bundle=ca_bundle)
    assert (result.ok, result.failure) == (False, "tls_hostname")
    assert "does not match the host name" in result.message


def test_ip_address_mismatch(ca: trustme.CA, https_server: ServerFactory, ca_bundle: str) -> None:
    server = https_server(ca.issue_cert("localhost"))
    result = probe_one(server.url(host="127.0.0.1"), ca_bundle=ca_bundle)
    assert result.failure == "tls_hostname"


def test_plain_http_server_is_tls_other() -> None:
    # A listener speaking plain HTTP on the https URL: the handshake fails with no verdict.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        result = probe_one(f"https://127.0.0.1:{server.server_address[1]}/", timeout=2.0)
    finally:
        stop_server(server, thread)
    assert result.failure == "tls_other", result.message


def test_refused(free_port: int) -> None:
    result = probe_one(f"https://127.0.0.1:{free_port}/")
    assert (result.ok, result.failure) == (False, "refused")
    assert result.message == f"connection to 127.0.0.1:{free_port} was refused"


def test_refused_on_every_address_of_localhost(free_port: int) -> None:
    # localhost may resolve to several addresses; anyio groups the per-address errors.
    assert probe_one(f"https://localhost:{free_port}/").failure == "refused"


def test_timeout_when_tls_never_starts(silent_listener: int) -> None:
    started = time.perf_counter()
    result = probe_one(f"https://127.0.0.1:{silent_listener}/", timeout=0.5)
    assert (result.ok, result.failure) == (False, "timeout")
    assert "timed out" in result.message
    assert time.perf_counter() - started < 3


def test_timeout_when_the_answer_never_comes(
    ca: trustme.CA, https_server: ServerFactory, ca_bundle: str
) -> None:
    server = https_server(ca.issue_cert("localhost", "127.0.0.1"), delay=1.5)
    result = probe_one(server.url(), ca_bundle=ca_bundle, timeout=0.3)
    assert (result.failure, result.latency_ms, result.status_code) == ("timeout", None, None)
    assert result.message == f"timed out waiting for localhost:{server.port} to answer"


def test_dns_failure() -> None:
    host = "does-not-exist.invalid"
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror:
        pass
    except OSError as exc:
        pytest.skip(f"resolver here fails {host} with {exc!r}, not gaierror")
    else:
        pytest.skip(f"resolver here answers for {host} (DNS hijacking?)")
    result = probe_one(f"https://{host}/", timeout=2.0)
    assert (result.ok, result.failure) == (False, "dns")
    assert host in result.message


@pytest.mark.parametrize(
    "url", ["http://events.eu-west-1.amazonaws.com", "events.eu-west-1.amazonaws.com", "https:///x"]
)
def test_non_https_url_is_rejected(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        asyncio.run(probe_endpoints([default_endpoint("eu-west-1"), url]))


def test_malformed_port_is_rejected() -> None:
    with pytest.raises(ValueError):
        asyncio.run(probe_endpoints(["https://localhost:notaport/"]))


def test_empty_input() -> None:
    assert asyncio.run(probe_endpoints([])) == {}


def test_many_urls_concurrently_and_duplicates_once(
    ca: trustme.CA, https_server: ServerFactory, ca_bundle: str
) -> None:
    server = https_server(ca.issue_cert("localhost", "127.0.0.1"), delay=0.3)
    urls = [server.url(f"/n{i}") for i in range(10)]
    started = time.perf_counter()
    results = asyncio.run(probe_endpoints(urls + urls[:4], ca_bundle=ca_bundle))
    elapsed = time.perf_counter() - started
    assert list(results) == urls
    assert all(r.ok and r.status_code == 404 for r in results.values())
    assert sorted(server.paths) == sorted(f"/n{i}" for i in range(10))
    assert elapsed < 2.0, f"10 probes of a 0.3 s server took {elapsed:.2f} s"


def test_concurrency_bound(ca: trustme.CA, https_server: ServerFactory, ca_bundle: str) -> None:
    server = https_server(ca.issue_cert("localhost", "127.0.0.1"), delay=0.2)
    urls = [server.url(f"/n{i}") for i in range(4)]
    started = time.perf_counter()
    results = asyncio.run(probe_endpoints(urls, ca_bundle=ca_bundle, concurrency=2))
    elapsed = time.perf_counter() - started
    assert all(r.ok for r in results.values())
    assert elapsed >= 0.4  # two waves of 0.2 s


def test_mixed_batch_reports_each(
    trusted_server: HTTPSServer, free_port: int, ca_bundle: str
) -> None:
    good, bad = trusted_server.url(), f"https://127.0.0.1:{free_port}/"
    results = asyncio.run(probe_endpoints([good, bad], ca_bundle=ca_bundle))
    assert results[good].ok and results[bad].failure == "refused"
