"""Every line is one JSON object on the stderr of the moment: Accord's structlog lines and
the standard-library loggers of SQLAlchemy, aiohttp, asyncio and alembic alike (uvicorn's
are read from a real server: a test receiver in this process installs uvicorn's own
logging config), with the
bound request id and the current span's trace and span ids. (A real server and worker
are read in tests/telemetry/test_logs.py.)"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from accord.kit.context import request_id_var
from accord.logging import announce, configure_logging


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    configure_logging("warning", "json")  # what the test settings use


def _lines(text: str) -> list[dict[str, Any]]:
    """Every line, parsed: a line that is not a JSON object fails the test."""
    parsed = [json.loads(line) for line in text.splitlines()]
    assert all(isinstance(p, dict) for p in parsed)
    return parsed


def test_a_logger_first_used_under_a_swapped_stderr_still_writes_to_the_real_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", "json")
    log = structlog.get_logger("accord.test")
    swapped, real = io.StringIO(), sys.stderr
    sys.stderr = swapped
    try:
        log.info("while_swapped")
        logging.getLogger("aiohttp.server").warning("stdlib while swapped")
    finally:
        sys.stderr = real
    log.info("after_restore")
    logging.getLogger("aiohttp.server").warning("stdlib after restore")
    out = capsys.readouterr()
    assert out.out == ""  # nothing on stdout: it may be a command's output
    assert [x["event"] for x in _lines(out.err)] == ["after_restore", "stdlib after restore"]
    assert [x["event"] for x in _lines(swapped.getvalue())] == [
        "while_swapped",
        "stdlib while swapped",
    ]


def test_library_loggers_are_json_with_their_name_and_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", "json")
    logging.getLogger("aiohttp.web").info("Started server process [%d]", 42)
    logging.getLogger("sqlalchemy.pool").warning("pool %s", "overflow")
    logging.getLogger("aiohttp.client").error("connection reset")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("asyncio").exception("Task exception was never retrieved")
    lines = _lines(capsys.readouterr().err)
    assert [(x["logger"], x["level"], x["event"]) for x in lines[:4]] == [
        ("aiohttp.web", "info", "Started server process [42]"),
        ("sqlalchemy.pool", "warning", "pool overflow"),
        ("aiohttp.client", "error", "connection reset"),
        ("asyncio", "error", "Task exception was never retrieved"),
    ]
    assert "RuntimeError: boom" in lines[3]["exception"]  # the traceback, inside the object
    assert all("timestamp" in x for x in lines)


def test_lines_carry_the_request_id_and_the_current_span(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", "json")
    tracer = TracerProvider().get_tracer("test")
    token = request_id_var.set("req-1")  # as the request-context middleware sets it
    try:
        with tracer.start_as_current_span("work") as span:
            structlog.get_logger("accord.test").info("ours")
            logging.getLogger("sqlalchemy.engine").warning("theirs")
    finally:
        request_id_var.reset(token)
    structlog.get_logger("accord.test").info("outside")
    context = span.get_span_context()
    ids = {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}
    inside, stdlib, outside = _lines(capsys.readouterr().err)
    for line in (inside, stdlib):
        assert {k: line.get(k) for k in ("request_id", "trace_id", "span_id")} == {
            "request_id": "req-1",
            **ids,
        }
    assert not {"request_id", "trace_id", "span_id"} & outside.keys()


def test_levels_below_the_configured_one_are_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("warning", "json")
    structlog.get_logger("accord.test").info("quiet")
    logging.getLogger("aiohttp.web").info("quiet too")
    structlog.get_logger("accord.test").warning("loud")
    announce("listening", message="shown whatever the level")
    assert [x["event"] for x in _lines(capsys.readouterr().err)] == ["loud", "listening"]


def test_configuring_again_does_not_duplicate_lines(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):
        configure_logging("info", "json")
    logging.getLogger("aiohttp.server").warning("once")
    assert len(_lines(capsys.readouterr().err)) == 1


def test_console_format_is_text(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "console")
    structlog.get_logger("accord.test").info("hello", n=1)
    logging.getLogger("aiohttp.web").warning("from aiohttp")
    ours, theirs = capsys.readouterr().err.splitlines()
    assert "hello" in ours
    assert "n=1" in ours
    assert not ours.startswith("{")
    assert "from aiohttp" in theirs
    assert "[aiohttp.web]" in theirs


def test_python_warnings_and_uncaught_library_records_in_a_real_process() -> None:
    """pytest installs its own warning capture, so this one runs a fresh interpreter."""
    script = (
        "import logging, warnings\n"
        "from accord.logging import configure_logging\n"
        "configure_logging('info', 'json')\n"
        "warnings.warn('old thing', DeprecationWarning, stacklevel=1)\n"
        "logging.getLogger('alembic.runtime.migration').info('narration is quiet')\n"
        "logging.getLogger('alembic.runtime.migration').warning('but warnings show')\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", script],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout == ""
    warned, alembic = _lines(done.stderr)
    assert warned["logger"] == "py.warnings"
    assert "DeprecationWarning: old thing" in warned["event"]
    assert (alembic["logger"], alembic["event"]) == (
        "alembic.runtime.migration",
        "but warnings show",
    )
