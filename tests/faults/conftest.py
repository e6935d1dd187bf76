"""The ``faults`` marker (pyproject.toml is not ours to edit) and the process fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Processes


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "faults: fault matrix with real accord processes (tests/faults; bounded in time)",
    )


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Every process a test starts; all ended by id at teardown, failed or not. Their
    logs stay in the test's tmp_path."""
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.close()
