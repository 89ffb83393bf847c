"""Caps on the work one configuration file can cause, far above any real configuration.

A file is text written by people (or by ``iac export``): a few kilobytes, a few hundred YAML
values, templates that loop over a handful of environments. Hostile or broken input (a YAML
alias bomb, ``{{ 'a' * 300000000 }}``, a binary file) must end in one message naming the file
and line, quickly and in little memory, never in a traceback or an exhausted machine. The
README's "YAML reference" lists these limits; keep the two in step.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from jinja2.utils import Namespace

# A file read from disk: configuration, variable and policy files alike.
MAX_FILE_BYTES = 1024 * 1024
# What rendering one file as a template may produce.
MAX_RENDERED_CHARS = 2 * 1024 * 1024

# YAML, counted after expanding aliases (``*name``) so that an alias bomb counts what it means.
MAX_YAML_VALUES = 20_000  # scalars, lists and mappings
MAX_YAML_CHARS = 4 * 1024 * 1024  # characters of all scalars
MAX_YAML_DEPTH = 100  # lists and mappings inside each other

# Problems reported from one file's fields (a broken file can have one per value).
MAX_PROBLEMS_PER_FILE = 100

# Templates.
MAX_TEMPLATE_TOKENS = 20_000  # names, operators and values in the tags (compiling costs per token)
MAX_TEMPLATE_VALUE = 1_000_000  # characters and items of one value, counted through nesting
MAX_TEMPLATE_WORK = 20_000_000  # characters and items that all operations of a file produce
MAX_TEMPLATE_STEPS = 200_000  # loop iterations, calls, and items that filters walk
MAX_TEMPLATE_SECONDS = 1.0  # rendering time of one file
# Growth of the process's resident memory while rendering one file: values kept alive add up
# (a thousand {% set %} of 100,000-entry mappings), whatever each is counted as.
MAX_TEMPLATE_MEMORY = 100 * 1024 * 1024
MAX_TEMPLATE_INT_BITS = 4096  # integers (a 12-digit account id needs 40 bits)


class LimitExceeded(Exception):
    """A limit of this module was reached; ``str(err)`` says which, in user terms."""


def number(value: int) -> str:
    """``1048576`` -> ``1,048,576``: limits read better with separators."""
    return f"{value:,}"


def size_of(value: Any, budget: int) -> int:
    """Characters of text plus items of lists, tuples, sets and mappings in ``value``.

    Shared references are counted each time they are reached, as printing the value would,
    and cycles go on counting, so the walk stops as soon as the count exceeds ``budget``
    (the result is then some number above it). A Jinja namespace counts what it holds:
    printing it prints that too.
    """
    return measure(value, budget)[0]


def measure(value: Any, budget: int) -> tuple[int, int]:
    """``(size_of(value, budget), values visited)``; it visits at most ``budget + 1``."""
    total = visited = 0
    pending = [value]
    while pending:
        item = pending.pop()
        visited += 1
        kind = type(item)
        if kind is str or kind is bytes:
            total += len(item)
        elif kind is int or kind is float or kind is bool or item is None:
            pass  # counted as an item of what holds it
        elif isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            if total <= budget:
                pending.extend(item.keys())
                pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            if total <= budget:
                pending.extend(item)
        elif isinstance(item, Namespace):
            total += len("<Namespace >")  # how it prints, around what it holds
            pending.append(getattr(item, "_Namespace__attrs", {}))
        if total > budget or visited > budget:
            return max(total, budget + 1), visited
    return total, visited


def shallow_size(value: Any) -> int:
    """Characters of a string, items of a container, 0 for anything else."""
    if isinstance(value, str | bytes | dict | list | tuple | set | frozenset):
        return len(value)
    return 0


def resident_bytes() -> int | None:
    """Resident memory of this process now (Linux), else its peak so far; None if unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
