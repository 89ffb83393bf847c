"""The one exception type the CLI turns into a clean message and exit code 1.

Anything a user can cause (bad YAML, a refused API call, a held lock) is raised as an
``IacError`` whose text is already the whole message: no traceback reaches the terminal.
"""


class IacError(Exception):
    """A user-facing failure; ``str(err)`` is the complete message."""
