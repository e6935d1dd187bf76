"""Log lines go to the process's stdout of the moment, not to whatever stream was current
when a logger was first used (a CLI runner's buffer, in tests run in one process)."""

from __future__ import annotations

import io
import json
import sys

import pytest
import structlog

from accord.logging import configure_logging


def test_a_logger_first_used_under_a_swapped_stdout_still_writes_to_the_real_one(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", "json")
    log = structlog.get_logger("accord.test")
    swapped, real = io.StringIO(), sys.stdout
    sys.stdout = swapped
    try:
        log.info("while_swapped")
    finally:
        sys.stdout = real
    log.info("after_restore")
    lines = [json.loads(x) for x in capfd.readouterr().out.splitlines() if x.startswith("{")]
    assert [x["event"] for x in lines] == ["after_restore"]
    assert "while_swapped" in swapped.getvalue()
