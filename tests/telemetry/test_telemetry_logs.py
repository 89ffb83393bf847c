"""Structured logs: run/job ids from ContextVars, extras, redaction, idempotent setup."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from iac.errors import IacError
from iac.telemetry import configure_logging, get_logger, job_id_var, run_id_var


@pytest.fixture(autouse=True)
def _restore_iac_logger() -> Iterator[None]:
    # configure_logging sets propagate=False on "iac"; undo it so other tests' caplog works.
    logger = logging.getLogger("iac")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


def _json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_has_core_fields_and_extras() -> None:
    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    token = run_id_var.set("run-42")
    try:
        get_logger("apply").info(
            "created %s", "dest-1", extra={"destination": "dest-1", "attempt": 2, "obj": object()}
        )
    finally:
        run_id_var.reset(token)
    [rec] = _json_lines(out)
    assert rec["level"] == "INFO"
    assert rec["logger"] == "iac.apply"
    assert rec["message"] == "created dest-1"
    assert rec["run_id"] == "run-42"
    assert rec["job_id"] is None
    assert rec["destination"] == "dest-1"
    assert rec["attempt"] == 2
    assert rec["obj"].startswith("<object object")  # not JSON-serialisable -> str()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["time"])


def test_level_filters() -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)  # default level: warning
    log = get_logger("x")
    log.info("hidden")
    log.warning("shown")
    assert [r["message"] for r in _json_lines(out)] == ["shown"]


def test_ids_flow_into_asyncio_tasks_and_to_thread() -> None:
    out = io.StringIO()
    configure_logging("json", "debug", stream=out)
    log = get_logger("iac.genesys.client")

    def api_call(path: str) -> None:  # runs in a worker thread
        log.debug("GET %s", path)

    async def job(job_id: str) -> None:
        job_id_var.set(job_id)  # task-local: each task has its own copy of the context
        await asyncio.sleep(0)
        log.info("job start")
        await asyncio.to_thread(api_call, f"/destinations/{job_id}")

    async def run() -> None:
        run_id_var.set("run-7")
        await asyncio.gather(job("job-a"), job("job-b"))
        log.info("run done")

    asyncio.run(run())
    records = _json_lines(out)
    assert {r["run_id"] for r in records} == {"run-7"}
    by_msg = {(r["message"], r["job_id"]) for r in records}
    assert by_msg == {
        ("job start", "job-a"),
        ("job start", "job-b"),
        ("GET /destinations/job-a", "job-a"),
        ("GET /destinations/job-b", "job-b"),
        ("run done", None),
    }
    assert run_id_var.get() is None  # asyncio.run worked on a copy


def test_secret_like_extras_are_redacted_without_mutating_caller_data() -> None:
    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    headers = {"Authorization": "Bearer abc123", "Accept": "application/json"}
    get_logger("http").info(
        "request",
        extra={
            "client_secret": "s3cr3t",
            "AccessToken": "tok",
            "db_password": "pw",
            "headers": headers,
            "region": "mypurecloud.com",
        },
    )
    text = out.getvalue()
    for secret in ("s3cr3t", 'tok"', 'pw"', "abc123"):
        assert secret not in text
    [rec] = _json_lines(out)
    assert rec["client_secret"] == "[redacted]"
    assert rec["AccessToken"] == "[redacted]"
    assert rec["db_password"] == "[redacted]"
    assert rec["headers"] == {"Authorization": "[redacted]", "Accept": "application/json"}
    assert rec["region"] == "mypurecloud.com"
    assert headers["Authorization"] == "Bearer abc123"  # caller's dict untouched


def test_text_format_is_readable() -> None:
    out = io.StringIO()
    configure_logging("text", "info", stream=out)
    run_token = run_id_var.set("r1")
    job_token = job_id_var.set("j9")
    try:
        get_logger("apply").warning(
            "retrying", extra={"status": 429, "reason": "rate limited", "token": "x"}
        )
    finally:
        job_id_var.reset(job_token)
        run_id_var.reset(run_token)
    get_logger("plan").info("no ids")
    lines = out.getvalue().splitlines()
    assert lines == [
        'WARNING iac.apply: retrying [run=r1 job=j9] status=429 reason="rate limited" '
        "token=[redacted]",
        "INFO iac.plan: no ids [run=- job=-]",
    ]


def test_exception_is_included() -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        get_logger("x").exception("failed")
    [rec] = _json_lines(out)
    assert "RuntimeError: boom" in rec["exception"]


def test_configure_twice_does_not_duplicate_lines() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("json", "info", stream=first)
    configure_logging("json", "info", stream=second)
    get_logger("x").info("once")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1
    assert len(logging.getLogger("iac").handlers) == 1
    assert logging.getLogger("iac").propagate is False


def test_get_logger_is_under_iac() -> None:
    assert get_logger("apply").name == "iac.apply"
    assert get_logger("iac.state.lock").name == "iac.state.lock"
    assert get_logger("iac").name == "iac"


def test_bad_format_or_level_is_a_user_error() -> None:
    with pytest.raises(IacError):
        configure_logging("yaml", stream=io.StringIO())  # type: ignore[arg-type]
    with pytest.raises(IacError):
        configure_logging("json", "loud", stream=io.StringIO())
