"""Fixtures for the probe tests: the shared TLS fixtures."""

from iac_testing.tls import *  # noqa: F403 - pytest finds fixtures by name in this namespace
