"""The ``iac`` command line: click wiring, typed options and rendering; the work is in iac.run."""

from iac.cli.app import cli, main

__all__ = ["cli", "main"]
