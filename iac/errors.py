"""The one exception type the CLI turns into a clean message and an exit code: 1, or the
``exit_code`` of a subclass that a pipeline must tell apart (a stale saved plan: 3).

Anything a user can cause (bad YAML, a refused API call, a held lock) is raised as an
``IacError`` whose text is already the whole message: no traceback reaches the terminal.
"""


class IacError(Exception):
    """A user-facing failure; ``str(err)`` is the complete message."""

    exit_code = 1


# `iac apply PLANFILE` refused a stale plan, changing nothing: safe to plan again (docs/ci.md).
EXIT_STALE_PLAN = 3


class StalePlanError(IacError):
    """A saved plan no longer holds (state, Genesys or its configuration moved on since it was
    made); nothing was changed."""

    exit_code = EXIT_STALE_PLAN
