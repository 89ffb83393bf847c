"""``--backend URL``: a ``postgresql://`` URL, checked without loading the driver.

The password may be in the URL, in ``PGPASSWORD`` or in ``~/.pgpass`` (libpq reads the last
two itself). Whatever its source it is never shown: messages use ``display``, the URL without
password, and ``scrub`` takes it out of any text that might echo it (a driver error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from iac.errors import IacError

DEFAULT_SCHEMA = "iac"
SCHEMES = ("postgresql", "postgres")
SCHEMA_PARAMETER = "schema"  # iac's own query parameter, taken out before libpq sees the URL
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PASSWORD_PARAMETERS = ("password",)
MASK = "***"


@dataclass(frozen=True)
class BackendURL:
    """Where a team's state lives: a database, and the schema in it holding iac's tables."""

    display: str  # the URL without any password: safe in messages, logs and reports
    schema: str = DEFAULT_SCHEMA
    # What libpq connects with (the URL without iac's own parameters). It may hold the
    # password, so it stays out of repr().
    conninfo: str = field(default="", repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        return self.display

    def scrub(self, text: str) -> str:
        """``text`` with every form of the password replaced by ***."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def parse_backend_url(text: str) -> BackendURL:
    """Check ``text`` is a usable ``postgresql://`` URL; errors never repeat the URL itself."""
    text = text.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise IacError(_usage("it is not a valid URL")) from None
    if parts.scheme.lower() not in SCHEMES:
        shown = f"'{parts.scheme}://'" if parts.scheme else "no scheme"
        raise IacError(_usage(f"it has {shown}, where postgresql:// is needed"))
    if parts.fragment:
        raise IacError(_usage("a URL fragment (#...) means nothing to PostgreSQL"))
    userinfo, at, hosts = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = DEFAULT_SCHEMA
    kept: list[tuple[str, str]] = []
    secrets = {password, unquote(password)} if colon else set()
    for name, value in query:
        if name == SCHEMA_PARAMETER:
            schema = value
        elif name in _PASSWORD_PARAMETERS:
            secrets |= {value, quote(value, safe="")}
            kept.append((name, value))
        else:
            kept.append((name, value))
    if not _SCHEMA_NAME.fullmatch(schema):
        raise IacError(
            _usage(
                f"schema={schema!r} is not a schema name iac uses (lower-case letters, digits "
                "and '_', starting with a letter or '_', at most 63)"
            )
        )
    connect = _join(parts.scheme, parts.netloc, parts.path, urlencode(kept))
    shown_netloc = f"{user}@{hosts}" if at else hosts
    shown_query = [(n, v) for n, v in query if n not in _PASSWORD_PARAMETERS]
    display = _join(parts.scheme, shown_netloc, parts.path, urlencode(shown_query, safe="/:,"))
    return BackendURL(
        display=display,
        schema=schema,
        conninfo=connect,
        secrets=tuple(sorted((s for s in secrets if s), key=len, reverse=True)),
    )


def _join(scheme: str, netloc: str, path: str, query: str) -> str:
    # Not urlunsplit: it drops the "//" of an empty host (postgresql:///db?host=/socket).
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _usage(why: str) -> str:
    return (
        f"The backend URL cannot be used: {why}. Give one like "
        "postgresql://iac@db.example:5432/iac (optionally ?schema=NAME, default "
        f"{DEFAULT_SCHEMA}); keep the password in PGPASSWORD or ~/.pgpass rather than in the URL."
    )
