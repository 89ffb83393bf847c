"""Connectivity and TLS probes of the AWS EventBridge endpoints a destination will use.

Genesys Cloud pushes events to EventBridge in the customer's account and region, so before a
destination is created or changed we check, from here, that the region's endpoint resolves,
accepts connections and presents a certificate that verifies strictly. A probe never raises
for a network or TLS problem: it returns a :class:`ProbeResult` whose ``failure`` names the
kind of problem, so the plan can report every endpoint at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import certifi
import httpx

__all__ = ["FAILURE_KINDS", "ProbeResult", "default_endpoint", "probe_endpoints"]

FAILURE_KINDS = (
    "dns",
    "refused",
    "timeout",
    "tls_expired",
    "tls_untrusted",
    "tls_hostname",
    "tls_other",
    "http_5xx",
    "connection",
)

# OpenSSL X509_V_ERR_* codes, as carried by ssl.SSLCertVerificationError.verify_code.
_V_CERT_HAS_EXPIRED = 10
_V_UNTRUSTED = frozenset(
    {
        2,  # UNABLE_TO_GET_ISSUER_CERT
        18,  # DEPTH_ZERO_SELF_SIGNED_CERT
        19,  # SELF_SIGNED_CERT_IN_CHAIN
        20,  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        21,  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
        27,  # CERT_UNTRUSTED
    }
)
_V_HOSTNAME = frozenset({62, 64})  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
# Not exposed by the ssl module; lets the diagnostic handshake read an expired certificate's
# dates while still verifying chain and hostname.
_X509_V_FLAG_NO_CHECK_TIME = 0x200000

# Fallbacks on the verify message, for builds that report no (or a different) verify_code.
_EXPIRED_WORDS = ("certificate has expired",)
_UNTRUSTED_WORDS = (
    "unable to get local issuer certificate",
    "unable to get issuer certificate",
    "self-signed certificate",
    "self signed certificate",
    "unable to verify the first certificate",
    "certificate not trusted",
)
_HOSTNAME_WORDS = ("hostname mismatch", "ip address mismatch", "doesn't match")


@dataclass(frozen=True)
class ProbeResult:
    url: str
    ok: bool
    failure: str | None  # one of FAILURE_KINDS when not ok
    message: str  # one human line
    latency_ms: float | None  # time to the HTTP response (None when there was none)
    status_code: int | None


def default_endpoint(region: str) -> str:
    """The EventBridge endpoint Genesys Cloud delivers to for ``region``."""
    return f"https://events.{region}.amazonaws.com"


async def probe_endpoints(
    urls: Iterable[str],
    *,
    ca_bundle: str | None = None,
    timeout: float = 5.0,
    concurrency: int = 16,
) -> dict[str, ProbeResult]:
    """Probe each distinct URL once, concurrently; the result maps every URL to its outcome."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    distinct = list(dict.fromkeys(urls))  # keeps first-seen order, drops duplicates
    for url in distinct:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port, here rather than mid-probe
        if parts.scheme.lower() != "https" or not parts.hostname:
            raise ValueError(f"probe URL must be https://<host>[:port][/path], got {url!r}")
    if not distinct:
        return {}

    cafile = ca_bundle or certifi.where()
    # create_default_context always means CERT_REQUIRED + check_hostname; certifi rather than
    # the system store so results do not depend on the machine's trust store.
    context = ssl.create_default_context(cafile=cafile)
    semaphore = asyncio.Semaphore(concurrency)
    # The pool must not be the bottleneck (a PoolTimeout would misreport as "timeout"),
    # and no keep-alive: each probe should open, and so test, its own TLS connection.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        verify=context, timeout=timeout, follow_redirects=False, limits=limits
    ) as client:

        async def one(url: str) -> ProbeResult:
            async with semaphore:
                return await _probe(client, url, cafile, timeout)

        results = await asyncio.gather(*(one(url) for url in distinct))
    return dict(zip(distinct, results, strict=True))


async def _probe(client: httpx.AsyncClient, url: str, cafile: str, timeout: float) -> ProbeResult:
    parts = urlsplit(url)
    host = parts.hostname or url
    where = host if parts.port in (None, 443) else f"{host}:{parts.port}"
    started = time.perf_counter()
    try:
        # stream=True: the clock stops at the response head; the body is irrelevant.
        response = await client.send(client.build_request("GET", url), stream=True)
    except Exception as exc:  # every failure becomes a result, never an exception
        failure, message = _classify(exc, where)
        if failure == "tls_expired":
            not_after = await _not_after(host, parts.port or 443, cafile, timeout)
            if not_after:
                message = f"{message} (notAfter {not_after})"
        return ProbeResult(url, False, failure, message, None, None)
    latency_ms = (time.perf_counter() - started) * 1000
    await response.aclose()

    status = response.status_code
    if status >= 500:
        message = f"{where} answered HTTP {status} (server error) in {latency_ms:.0f} ms"
        return ProbeResult(url, False, "http_5xx", message, latency_ms, status)
    # AWS answers an unauthenticated GET with 4xx: any answer below 500 proves reachability.
    message = f"reachable, HTTP {status} in {latency_ms:.0f} ms"
    return ProbeResult(url, True, None, message, latency_ms, status)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything behind it: causes, contexts and exception-group members."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # anyio reports "all connection attempts failed" with the per-address errors grouped.
        members = getattr(current, "exceptions", None)
        if isinstance(members, (list, tuple)):
            todo.extend(m for m in members if isinstance(m, BaseException))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _classify(exc: BaseException, where: str) -> tuple[str, str]:
    chain = list(_chain(exc))

    # Certificate verdicts first: they are the most specific thing the chain can say.
    for err in chain:
        if isinstance(err, ssl.SSLCertVerificationError):
            return _classify_verify(err, where)

    # The httpx timeout types are decisive even if an unrelated error sits in __context__.
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", _timeout_message(exc, where)

    for err in chain:
        if isinstance(err, socket.gaierror):
            return "dns", f"DNS lookup of {where} failed ({_reason(err)})"
    for err in chain:
        if isinstance(err, ConnectionRefusedError):
            return "refused", f"connection to {where} was refused"
    for err in chain:
        if isinstance(err, (httpx.TimeoutException, TimeoutError)):
            return "timeout", _timeout_message(err, where)
    for err in chain:
        if isinstance(err, ssl.SSLError):
            return "tls_other", f"TLS handshake with {where} failed ({_reason(err)})"
    return "connection", f"could not connect to {where} ({_reason(exc)})"


def _classify_verify(err: ssl.SSLCertVerificationError, where: str) -> tuple[str, str]:
    code = getattr(err, "verify_code", None)
    text = str(getattr(err, "verify_message", None) or err)
    lowered = text.lower()
    if code == _V_CERT_HAS_EXPIRED or any(w in lowered for w in _EXPIRED_WORDS):
        return "tls_expired", f"TLS certificate of {where} has expired"
    if code in _V_HOSTNAME or any(w in lowered for w in _HOSTNAME_WORDS):
        return (
            "tls_hostname",
            f"TLS certificate of {where} does not match the host name ({text.rstrip('.')})",
        )
    if code in _V_UNTRUSTED or any(w in lowered for w in _UNTRUSTED_WORDS):
        return "tls_untrusted", f"TLS certificate of {where} is not trusted ({text})"
    return "tls_other", f"TLS certificate of {where} failed verification ({text})"


def _timeout_message(err: BaseException, where: str) -> str:
    if isinstance(err, httpx.ConnectTimeout):
        # httpcore's connect phase spans TCP connect and the TLS handshake.
        return f"timed out connecting to {where} (TCP connect or TLS handshake)"
    if isinstance(err, (httpx.ReadTimeout, httpx.WriteTimeout)):
        return f"timed out waiting for {where} to answer"
    return f"timed out talking to {where}"


def _reason(err: BaseException) -> str:
    if isinstance(err, ssl.SSLError) and err.reason:
        return str(err.reason).replace("_", " ").lower()
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


async def _not_after(host: str, port: int, cafile: str, timeout: float) -> str | None:
    """The expiry date of ``host``'s certificate, for the message only; None if unavailable.

    A verify failure hides the certificate, so a second handshake reads it with time checks
    off but chain and hostname still verified. Nothing is sent over that connection.
    """
    # Same trust anchors as the probe itself, so the diagnostic trusts nothing more.
    diagnostic = ssl.create_default_context(cafile=cafile)
    diagnostic.verify_flags |= _X509_V_FLAG_NO_CHECK_TIME
    writer: asyncio.StreamWriter | None = None
    try:
        _, opened = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=diagnostic, server_hostname=host), timeout
        )
        writer = opened
        cert = opened.get_extra_info("peercert") or {}
        raw = cert.get("notAfter")
        if not isinstance(raw, str):
            return None
        when = datetime.fromtimestamp(ssl.cert_time_to_seconds(raw), tz=timezone.utc)
        return when.date().isoformat()
    except (OSError, asyncio.TimeoutError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
