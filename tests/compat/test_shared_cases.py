"""The hand-checked corpus from shared/compat/cases.json, under the strict content model."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from tests.compat.corpus import load
from tests.compat.witnesses import assert_witnesses

CASES = load("shared-cases.json")


def _outcome(flag: bool) -> Outcome:
    return Outcome.COMPATIBLE if flag else Outcome.INCOMPATIBLE


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case(case: dict[str, Any]) -> None:
    verdict = check(case["old"], case["new"], mode="full", content_model="strict")
    if case["backward"] is None:  # format_added: annotation by default
        assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
        assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
        return
    assert verdict.verdicts[Mode.BACKWARD].outcome is _outcome(case["backward"])
    assert verdict.verdicts[Mode.FORWARD].outcome is _outcome(case["forward"])
    assert_witnesses(case, verdict)


def test_format_added_as_assertion() -> None:
    case = next(c for c in CASES if c["name"] == "format_added")
    verdict = check(case["old"], case["new"], mode="full", content_model="strict",
                    assert_formats=True)  # fmt: skip
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    assert_witnesses({**case, "assert_formats": True}, verdict)
