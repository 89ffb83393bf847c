"""Renders each configuration file as a Jinja2 template before YAML sees it.

Templates run in Jinja's sandbox with ``StrictUndefined``: a variable that was not given is an
error, never an empty string, and templates cannot reach Python internals or other files (there
is no loader, so ``include``/``import``/``extends`` have nothing to load). Jinja's built-in
filters and tests are available; ``{{ value | tojson }}`` quotes a value safely for YAML.

Everything in the file is template text, YAML comments included: write ``{% raw %}...{% endraw
%}`` around text that must keep a literal ``{{``. A file without ``{{``, ``{%`` or ``{#`` is
passed through untouched.

Line numbers: problems found by the template step point at the template's own lines. Problems
found later (YAML, field rules) point at lines of the rendered text, which are the lines of the
file as long as templating keeps the number of lines (the usual case: ``{{ ... }}`` within a
line, ``{% if %}``/``{% endif %}`` on lines of their own). A template that adds or removes lines
(a ``{% for %}`` that emits several lines, ``{%- -%}`` whitespace control) shifts the line
numbers of everything after that point.

Templates cannot make huge values or run for long (``iac.config.template_sandbox``); their
output is capped too (``iac.config.limits``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser

from iac.config.limits import MAX_RENDERED_CHARS, MAX_TEMPLATE_TOKENS, LimitExceeded, number
from iac.config.template_sandbox import Budget, LimitedEnvironment, reset_budget, use_budget

# Only these start template syntax with Jinja's default delimiters.
_TEMPLATE_MARKERS = ("{{", "{%", "{#")
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


class TemplateProblem(Exception):
    """The file cannot be rendered; ``line`` is 1-based in the template's own text."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@functools.cache
def _environment() -> LimitedEnvironment:
    return LimitedEnvironment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def is_template(text: str) -> bool:
    return any(marker in text for marker in _TEMPLATE_MARKERS)


def render_template(path: Path, text: str, variables: Mapping[str, Any]) -> str:
    """``text`` rendered with ``variables``; raises TemplateProblem with the template's line."""
    if not is_template(text):
        return text
    token = use_budget(Budget())
    try:
        return _render(path, text, variables)
    finally:
        reset_budget(token)


def _render(path: Path, text: str, variables: Mapping[str, Any]) -> str:
    env = _environment()
    # The file's path as the code's filename lets a runtime error be traced to its line:
    # Jinja rewrites tracebacks so template frames carry that filename and the template line.
    filename = str(path)
    try:
        _check_size(env, text, filename)
        code = env.compile(text, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as err:
        raise TemplateProblem(err.lineno or 1, f"template error: {err.message}") from None
    except (RecursionError, MemoryError, SyntaxError) as err:
        # Jinja's parser recurses per level of brackets and blocks, and Python's compiler
        # refuses more than 20 nested blocks: either way, the template nests too deeply.
        line = _parser_line(err.__traceback__)
        message = "template error: brackets, operators or blocks nest too deeply"
        raise TemplateProblem(line, message) from None
    except _TooLong as err:
        raise TemplateProblem(err.line, f"template refused: {err}") from None
    except LimitExceeded as err:
        raise TemplateProblem(1, f"template stopped: {err}") from None
    except Exception as err:  # not expected: Jinja reports bad templates as syntax errors
        raise TemplateProblem(1, f"template error: {_describe(err)}") from None
    template = env.template_class.from_code(env, code, env.make_globals(None))
    try:
        return _output(template.generate(dict(variables)))
    except jinja2.UndefinedError as err:
        line = _template_line(err.__traceback__, filename)
        message = str(err)
        match = _UNDEFINED_NAME.match(message)
        if match:
            name = match.group(1)
            message = (
                f"undefined variable {name!r} (set it with --var {name}=..., a --var-file,"
                f" or IAC_VAR_{name})"
            )
        else:
            message = f"template error: {message}"
        raise TemplateProblem(line, message) from None
    except SecurityError as err:
        line = _template_line(err.__traceback__, filename)
        raise TemplateProblem(
            line,
            f"template refused: {str(err).rstrip('.')} (templates run in a sandbox without"
            " access to Python internals)",
        ) from None
    except LimitExceeded as err:
        line = _template_line(err.__traceback__, filename)
        raise TemplateProblem(line, f"template stopped: {err}") from None
    except RecursionError as err:
        line = _template_line(err.__traceback__, filename)
        raise TemplateProblem(
            line, "template error: calls nest too deeply (a macro that calls itself?)"
        ) from None
    except Exception as err:
        # Whatever the user's template code raises (1/0, "a" + 1, ...) is a config problem.
        line = _template_line(err.__traceback__, filename)
        if isinstance(err, TypeError) and "no loader" in str(err):
            message = (
                "template error: include, import and extends are not available; each file"
                " is rendered on its own"
            )
        else:
            message = f"template error: {_describe(err)}"
        raise TemplateProblem(line, message) from None


class _TooLong(LimitExceeded):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


# What the lexer yields for text and comments: not code, costs nothing to compile.
_NOT_CODE = frozenset(
    {"data", "whitespace", "raw_begin", "raw_end", "comment_begin", "comment", "comment_end"}
    | {"linecomment_begin", "linecomment", "linecomment_end"}
)


def _check_size(env: jinja2.Environment, text: str, filename: str) -> None:
    """Refuses a template with more code than MAX_TEMPLATE_TOKENS, before compiling it.

    Compiling costs time and memory per token of code (a file of 60,000 ``{% set %}`` tags
    takes seconds and half a gigabyte), so the count stops at the first token too many.
    """
    count = 0
    for line, kind, _value in env.lex(text, filename, filename):
        if kind not in _NOT_CODE:
            count += 1
            if count > MAX_TEMPLATE_TOKENS:
                raise _TooLong(
                    line,
                    f"the template has more than {number(MAX_TEMPLATE_TOKENS)} names, operators"
                    " and values in its {{ }} and {% %} tags",
                )


def _output(chunks: Iterator[str]) -> str:
    """The text of ``chunks``, stopping the template (at its line) once it writes too much."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_RENDERED_CHARS:
            error = LimitExceeded(
                f"the template writes more than {number(MAX_RENDERED_CHARS)} characters"
            )
            if isinstance(chunks, Generator):
                # Thrown into the template's code, the error carries the line writing it.
                chunks.throw(error)
            raise error
        parts.append(chunk)
    return "".join(parts)


def _parser_line(tb: TracebackType | None) -> int:
    """Line the template parser had reached in ``tb``; 1 when it had not started."""
    line = 1
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, Parser):
            line = owner.stream.current.lineno
        tb = tb.tb_next
    return line


def _template_line(tb: TracebackType | None, filename: str) -> int:
    """Line of the innermost template frame of ``tb``; 1 when none is found."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _describe(err: Exception) -> str:
    text = str(err)
    if isinstance(err, jinja2.TemplateError):
        return text or type(err).__name__
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
