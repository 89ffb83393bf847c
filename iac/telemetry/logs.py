"""Structured logging for the ``iac`` logger namespace, tagged with run and job ids.

The ids live in ContextVars rather than being passed around: asyncio tasks and
``asyncio.to_thread`` copy the current context, so an API call made inside a job logs that
job's id without the HTTP layer knowing about jobs. (A bare ``ThreadPoolExecutor.submit``
does *not* copy context; wrap the callable with ``contextvars.copy_context().run``.)
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Literal, TextIO

from iac.errors import IacError
from iac.redact import REDACTED, is_secret_name, redact

run_id_var: ContextVar[str | None] = ContextVar("iac_run_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("iac_job_id", default=None)

ROOT = "iac"

# Attributes every LogRecord has; anything else on a record came from ``extra={...}``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",  # added in 3.12
    "run_id",
    "job_id",
}

LogFormat = Literal["text", "json"]


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class RedactSecretsFilter(logging.Filter):
    """Redact extra fields (also nested dict keys) named like secrets.

    Defence in depth: callers should never log credentials, but a stray
    ``extra={"headers": {...}}`` must not leak a bearer token into CI logs. Message text is
    not scanned.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _extra_fields(record).items():
            redacted = REDACTED if is_secret_name(key) else redact(value)
            setattr(record, key, redacted)
        return True


class ContextFilter(logging.Filter):
    """Stamp ``run_id``/``job_id`` from the ContextVars of the thread/task that logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = run_id_var.get()
        record.job_id = job_id_var.get()
        return True


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, run_id, job_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, tz=timezone.utc)
        doc: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
            "job_id": getattr(record, "job_id", None),
        }
        for key, value in _extra_fields(record).items():
            # Never let an extra overwrite a core field; keep it under a prefixed name.
            doc[f"extra_{key}" if key in doc else key] = _jsonable(value)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return json.dumps(doc, ensure_ascii=False)


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(_jsonable(value), ensure_ascii=False)
    # Quote only when needed so simple values stay grep-friendly.
    if text == "" or any(c.isspace() or c in '="' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message [run=... job=...] key=value ...`` for humans."""

    def format(self, record: logging.LogRecord) -> str:
        run = getattr(record, "run_id", None) or "-"
        job = getattr(record, "job_id", None) or "-"
        line = f"{record.levelname} {record.name}: {record.getMessage()} [run={run} job={job}]"
        extras = " ".join(f"{k}={_text_value(v)}" for k, v in _extra_fields(record).items())
        if extras:
            line = f"{line} {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


def configure_logging(
    fmt: LogFormat = "text", level: str = "warning", stream: TextIO | None = None
) -> None:
    """Configure the ``iac`` logger namespace only (the root logger and SDK stay untouched).

    Replaces the handlers of logger ``iac``, so calling it twice does not duplicate lines.
    ``stream`` defaults to the *current* ``sys.stderr``.
    """
    if fmt not in ("text", "json"):
        raise IacError(f"unknown log format {fmt!r}; expected 'text' or 'json'")
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise IacError(f"unknown log level {level!r}")

    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    # On the handler, not the logger: logger filters do not apply to records from children.
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactSecretsFilter())

    logger = logging.getLogger(ROOT)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)
    logger.setLevel(numeric)
    logger.propagate = False


def get_logger(name: str) -> logging.Logger:
    """A logger under ``iac``; ``get_logger(__name__)`` inside the package is kept as is."""
    if name == ROOT or name.startswith(ROOT + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{ROOT}.{name}")


def emit_notice(message: str) -> bool:
    """Write ``message`` as a JSON log line (logger ``iac.notice``, level WARNING) when the
    ``iac`` logs are JSON, whatever their level: a notice such as "using the built-in
    sandbox" is always shown, and a consumer of JSON logs must get only JSON. Returns False
    (nothing written) when the logs are text: the caller prints the notice as it is."""
    logger = logging.getLogger(ROOT)
    handlers = [h for h in logger.handlers if isinstance(h.formatter, JsonFormatter)]
    if not handlers:
        return False
    record = logger.makeRecord(f"{ROOT}.notice", logging.WARNING, "(notice)", 0, message, (), None)
    for handler in handlers:
        handler.handle(record)  # the handler's filters stamp run and job ids
    return True
