"""A loopback HTTP server that behaves like Genesys Cloud for EventBridge integrations.

Standard library only, and it never imports the Genesys SDK: the SDK is what gets driven
against it. See ``SandboxOptions`` for the knobs and ``admin.py`` for the /__sandbox/ paths.
"""

from iac.sandbox.options import SandboxOptions
from iac.sandbox.server import SandboxServer

__all__ = ["SandboxOptions", "SandboxServer"]
