"""``--backend URL``: parsed without the driver; the password never shows."""

from __future__ import annotations

import pytest

from iac.errors import IacError
from iac.pg.url import DEFAULT_SCHEMA, parse_backend_url
from iac.workspace import Workspace


def test_a_url_without_password_is_shown_as_given_with_the_default_schema() -> None:
    url = parse_backend_url("postgresql://iac@db.example:5432/iac")

    assert url.display == "postgresql://iac@db.example:5432/iac"
    assert url.schema == DEFAULT_SCHEMA == "iac"
    assert url.conninfo == "postgresql://iac@db.example:5432/iac"


def test_the_password_is_kept_for_libpq_but_shown_nowhere() -> None:
    url = parse_backend_url("postgres://iac:p%40ss:w0rd@db.example/iac?sslmode=require")

    assert url.display == "postgres://iac@db.example/iac?sslmode=require"
    assert "p%40ss:w0rd" in url.conninfo  # what psycopg connects with
    for shown in (url.display, repr(url), str(url), repr(Workspace(backend=url))):
        assert "p%40ss" not in shown and "p@ss" not in shown and "w0rd" not in shown, shown
    scrubbed = url.scrub('FATAL: password "p@ss:w0rd" and p%40ss:w0rd')
    assert scrubbed == 'FATAL: password "***" and ***'


def test_a_password_query_parameter_is_hidden_too() -> None:
    url = parse_backend_url("postgresql:///iac?host=/var/run/postgresql&password=hunter2")

    assert "hunter2" not in url.display
    assert url.display == "postgresql:///iac?host=/var/run/postgresql"
    assert url.scrub("echo hunter2") == "echo ***"


def test_the_schema_parameter_is_iacs_own_and_never_reaches_libpq() -> None:
    url = parse_backend_url("postgresql://iac@db/iac?schema=team_a&sslmode=verify-full")

    assert url.schema == "team_a"
    assert "schema" not in url.conninfo
    assert url.conninfo == "postgresql://iac@db/iac?sslmode=verify-full"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("mysql://iac:secret-pw@db/iac", "'mysql://'"),
        ("db.example/iac", "no scheme"),
        ("postgresql://iac:secret-pw@db/iac?schema=Team-A", "schema='Team-A'"),
        ("postgresql://iac:secret-pw@db/iac#frag", "fragment"),
    ],
)
def test_unusable_urls_are_refused_without_repeating_them(text: str, why: str) -> None:
    with pytest.raises(IacError) as caught:
        parse_backend_url(text)

    message = str(caught.value)
    assert why in message
    assert "secret-pw" not in message
    assert "PGPASSWORD" in message


def test_the_workspace_names_where_its_state_lives() -> None:
    assert Workspace().location == "state/default.json"
    url = parse_backend_url("postgresql://iac:pw@db/iac")
    assert (
        Workspace(name="prod", backend=url).location == "workspace prod in postgresql://iac@db/iac"
    )
