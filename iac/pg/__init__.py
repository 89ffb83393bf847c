"""The PostgreSQL state database: its URL, one connection per run, and the schema.

- ``url``: ``BackendURL``, parsed from ``--backend``/``IAC_BACKEND``; standard library only,
  so the CLI can check the option without loading the driver.
- ``session``: ``Session``, the run's one connection (psycopg 3), opened on first use; every
  driver error becomes a one-line ``IacError`` with the password scrubbed out.
- ``schema``: the tables, created on first use and versioned, with their migrations.

``iac.state.postgres`` (state and lock) and ``iac.audit.table`` (the audit trail) build on it;
only ``iac.workspace`` chooses them, and only when a backend URL is set, so runs on local
files never import psycopg.
"""
