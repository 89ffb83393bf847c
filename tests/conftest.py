"""Fixtures shared by every test folder.

``postgres_server`` (one real PostgreSQL server per test session, started only when a test
asks for it) and ``pg`` (a database of the test's own on it): see iac_testing/postgres.py.
"""

from iac_testing.postgres import pg, postgres_server  # noqa: F401
