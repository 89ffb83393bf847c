"""Jinja's sandbox, with a budget: templates may not make huge values or run for long.

Jinja's ``SandboxedEnvironment`` stops templates from reaching Python internals, but not from
working: ``{{ 'a' * 300000000 }}`` or ``{{ [1] * 10**8 }}`` take gigabytes. Here every place
a template makes something goes through a check against ``iac.config.limits``:

* operators (``*``, ``**``, ``+``, ``%``, ``~``) predict the size of their result first;
* calls (functions, methods, macros) and filters count as steps, refuse arguments or
  predicted results above the value limit (``'x'.ljust(10**9)``, ``big|join``), and have
  their results measured;
* loop iterations count as steps; text written into macro bodies and ``{% set %}`` blocks is
  counted as work, and the caller counts the text the template outputs.

The budget of the current rendering lives in a context variable, so a shared environment
serves any number of renderings, one after another or in threads.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment
from jinja2.utils import Namespace, generate_lorem_ipsum

from iac.config.limits import (
    MAX_TEMPLATE_INT_BITS,
    MAX_TEMPLATE_MEMORY,
    MAX_TEMPLATE_SECONDS,
    MAX_TEMPLATE_STEPS,
    MAX_TEMPLATE_VALUE,
    MAX_TEMPLATE_WORK,
    LimitExceeded,
    measure,
    number,
    resident_bytes,
    shallow_size,
    size_of,
)
from iac.config.template_sizes import (
    FILTER_SIZES,
    binop_size,
    format_size,
    method_size,
)

_CONTAINERS = (dict, list, tuple, set, frozenset)
# What printing can make long out of little memory: containers and Jinja's namespaces.
_MEASURED = (*_CONTAINERS, Namespace)
_VALUE = f"templates may make values of at most {number(MAX_TEMPLATE_VALUE)} characters or items"


@dataclass
class Budget:
    """What one rendering may still spend."""

    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_TEMPLATE_SECONDS)
    steps: int = 0
    work: int = 0
    memory_at_start: int | None = field(default_factory=resident_bytes)
    next_memory_check: float = 0.0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_TEMPLATE_STEPS:
            raise LimitExceeded(
                f"the template ran more than {number(MAX_TEMPLATE_STEPS)} loop iterations and calls"
            )
        now = time.monotonic()
        if now > self.deadline:
            raise LimitExceeded(f"the template ran for more than {MAX_TEMPLATE_SECONDS:g} s")
        if now >= self.next_memory_check:
            self.next_memory_check = now + _MEMORY_CHECK_SECONDS
            self._check_memory()

    def _check_memory(self) -> None:
        now, start = resident_bytes(), self.memory_at_start
        if now is not None and start is not None and now - start > MAX_TEMPLATE_MEMORY:
            raise LimitExceeded(
                f"the template took more than {MAX_TEMPLATE_MEMORY >> 20} MB of memory"
            )

    def produced(self, size: int) -> None:
        self.work += size
        if self.work > MAX_TEMPLATE_WORK:
            raise LimitExceeded(
                f"the template made more than {number(MAX_TEMPLATE_WORK)} characters and items"
                " in all"
            )


# Reading the resident memory costs microseconds: at most this often.
_MEMORY_CHECK_SECONDS = 0.002
_CURRENT: ContextVar[Budget | None] = ContextVar("iac_template_budget", default=None)


def use_budget(budget: Budget | None) -> Any:
    """Make ``budget`` the current one; returns the token to pass to :func:`reset_budget`."""
    return _CURRENT.set(budget)


def reset_budget(token: Any) -> None:
    _CURRENT.reset(token)


def _step(count: int = 1) -> None:
    budget = _CURRENT.get()
    if budget is not None:
        budget.step(count)


def _produced(size: int) -> None:
    budget = _CURRENT.get()
    if budget is not None:
        budget.produced(size)


def check_predicted(what: str, size: int | None) -> None:
    if size is not None and size > MAX_TEMPLATE_VALUE:
        raise LimitExceeded(
            f"{what} would make a value of {number(size)} characters or items; {_VALUE}"
        )


def check_input(value: Any) -> None:
    """Refuses a value whose text and items, counted through nesting, exceed the limit."""
    if isinstance(value, _MEASURED):
        size, visited = measure(value, MAX_TEMPLATE_VALUE)
        # Walking a big value costs time: charge it, a step per ten values visited.
        _step(visited // 10)
        if size > MAX_TEMPLATE_VALUE:
            raise LimitExceeded(
                f"a value of more than {number(MAX_TEMPLATE_VALUE)} characters and items"
                " (counted through nested lists) cannot be used as text or passed on"
            )


def check_result(what: str, value: Any) -> Any:
    """Measures a value just made (and counts it as work); returns it."""
    if isinstance(value, int) and value.bit_length() > MAX_TEMPLATE_INT_BITS:
        raise LimitExceeded(
            f"{what} made a number of more than {number(MAX_TEMPLATE_INT_BITS)} bits"
        )
    size = shallow_size(value)
    check_predicted(what, size)
    _produced(size)
    return value


def limited_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """Counts each iteration of a ``{% for %}`` loop as a step."""
    for item in iterable:
        _step()
        yield item


class _Buffer(list[str]):
    """Where macro bodies and ``{% set %}``/``{% filter %}`` blocks write: counted text."""

    size = 0

    def _count(self, text: str) -> None:
        self.size += len(text)
        check_predicted("a block or macro", self.size)
        _produced(len(text))

    def append(self, text: str) -> None:
        self._count(text)
        super().append(text)

    def extend(self, texts: Iterable[str]) -> None:
        texts = tuple(texts)
        for text in texts:
            self._count(text)
        super().extend(texts)


def _finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` passes here before it becomes text."""
    check_input(value)
    return value


def _range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise LimitExceeded(
            f"range() would count {number(len(rng))} numbers; templates may count at most"
            f" {number(MAX_RANGE)}"
        )
    return rng


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    check_predicted("lipsum()", n * max * 12)
    return str(generate_lorem_ipsum(n=n, html=html, min=min, max=max))


def _limited_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    predict = FILTER_SIZES.get(name)
    signature = inspect.signature(func) if predict is not None else None
    # Filters marked pass_context and the like take that object first: not a value. Jinja's
    # async-aware filters take it even when the function they wrap (whose signature
    # inspect reports) does not.
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
    unbound = skip if getattr(inspect.unwrap(func), "jinja_pass_arg", None) is None else 0

    @functools.wraps(func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        # Lazy sequences (map, select, ...) become lists so that they can be measured.
        args = tuple(_materialised(a) for a in args)
        # A filter walks the items of what it filters (sort and groupby call back into Python
        # for each): one step for the call and one for each item.
        first = args[skip] if len(args) > skip else None
        _step(1 + (len(first) if isinstance(first, _CONTAINERS) else 0))
        for value in (*args[skip:], *kwargs.values()):
            check_input(value)
        if signature is not None and predict is not None:
            bound = signature.bind(*args[unbound:], **kwargs)
            bound.apply_defaults()
            check_predicted(f"the {name} filter", predict(bound.arguments))
        return check_result(f"the {name} filter", func(*args, **kwargs))

    return limited


def _materialised(value: Any) -> Any:
    if not isinstance(value, Iterator):
        return value
    items = list(itertools.islice(value, MAX_TEMPLATE_VALUE + 1))
    check_predicted("a sequence", len(items))
    return items


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's code generator, routing loops, ``~`` and output buffers through the budget."""

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.limited_buffer()")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.limited_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("limited_iter"),
            [node.iter],
            [],
            None,
            None,
            lineno=node.iter.lineno,
        )
        super().visit_For(node, frame)


class LimitedEnvironment(SandboxedEnvironment):
    """The sandbox with the checks of this module; see the module's docstring."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.globals["range"] = _range
        self.globals["lipsum"] = _lipsum
        self.filters = {name: _limited_filter(name, f) for name, f in self.filters.items()}

    @staticmethod
    def limited_buffer() -> _Buffer:
        return _Buffer()

    @staticmethod
    def limited_iter(iterable: Iterable[Any]) -> Iterator[Any]:
        return limited_iter(iterable)

    @staticmethod
    def limited_concat(parts: tuple[Any, ...]) -> str:
        size = 0
        for part in parts:
            check_input(part)
            size += size_of(part, MAX_TEMPLATE_VALUE)
        check_predicted("~", size)
        return str(check_result("~", "".join(str(part) for part in parts)))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_predicted(repr(operator), binop_size(operator, left, right))
        result = super().call_binop(context, operator, left, right)
        return check_result(repr(operator), result)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not __self.is_safe_callable(__obj):
            return super().call(__context, __obj, *args, **kwargs)  # raises SecurityError
        _step()
        if isinstance(__obj, LoopContext) and args:
            # loop(children) in a recursive loop: its iterations count like any loop's.
            args = (limited_iter(args[0]), *args[1:])
        name = getattr(__obj, "__name__", None) or type(__obj).__name__
        owner = getattr(__obj, "__self__", None)
        for value in (*args, *kwargs.values()):
            check_input(value)
        formatted = getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
        if isinstance(formatted, str) and name in ("format", "format_map"):
            # The sandbox's own wrapper of str.format: predict from the format string.
            size = format_size(formatted, args, kwargs, mapping=name == "format_map")
            check_predicted(f"{name}()", size)
        elif owner is not None:
            check_predicted(f"{name}()", method_size(owner, name, args, kwargs))
        result = __context.call(__obj, *args, **kwargs)
        if isinstance(owner, list | dict | set):
            check_predicted(f"{name}()", len(owner))  # append, extend, update grow their owner
        return check_result(f"{name}()", result)
