"""Golden corpus: every change kind of change-kinds.md with the table's verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from tests.compat.corpus import expected, load
from tests.compat.witnesses import assert_witnesses

JSON_CASES = load("jsonschema.yaml")
TABLE_CASES = load("table.yaml")
EXTRA_CASES = load("extra.yaml")


def _run(case: dict[str, Any]) -> None:
    verdict = check(
        case["old"],
        case["new"],
        mode="full",
        content_model=case.get("content_model", "strict"),
        assert_formats=case.get("assert_formats", False),
    )
    got = {mode: verdict.verdicts[Mode(mode)].outcome.value for mode in ("backward", "forward")}
    want = {mode: expected(case, mode) for mode in ("backward", "forward")}
    assert got == want, [verdict.verdicts[Mode(m)].reason for m in got]
    full = verdict.verdicts[Mode.FULL].outcome
    if Outcome.COMPATIBLE.value == got["backward"] == got["forward"]:
        assert full is Outcome.COMPATIBLE
    else:
        assert full is not Outcome.COMPATIBLE
    kinds = {c.kind for c in verdict.changes}
    assert set(case.get("kinds", [])) <= kinds, kinds
    assert_witnesses(case, verdict)


@pytest.mark.parametrize("case", JSON_CASES, ids=[c["id"] for c in JSON_CASES])
def test_json_schema_golden(case: dict[str, Any]) -> None:
    _run(case)


@pytest.mark.parametrize("case", TABLE_CASES, ids=[c["id"] for c in TABLE_CASES])
def test_table_golden(case: dict[str, Any]) -> None:
    _run(case)


@pytest.mark.parametrize("case", EXTRA_CASES, ids=[c["id"] for c in EXTRA_CASES])
def test_engine_edge_cases(case: dict[str, Any]) -> None:
    _run(case)


def test_every_row_has_a_case() -> None:
    rows = {c["id"].split("-")[0] for c in JSON_CASES + TABLE_CASES}
    wanted = {f"J{i}" for i in range(1, 91)} | {f"T{i}" for i in range(1, 41)}
    assert wanted <= rows, sorted(wanted - rows)
