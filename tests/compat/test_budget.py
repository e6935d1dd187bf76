"""The cooperative time budget (``budget_s``): per call, per thread, checked as work goes.

No assertion here is about time: a budget far below any real run (1e-9 s) must be spent at
the first clock reading, and a generous one (60 s) never.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from accord.compat import Mode, Outcome, SchemaError, Verdict, check, check_history, validate_schema
from accord.compat.budget import Budget, BudgetExceeded, tick

OLD = {"type": "object", "properties": {"a": {"type": "string"}}}
NEW = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
TABLE_OLD = {"columns": [{"name": "a", "type": "int32"}]}
TABLE_NEW = {"columns": [{"name": "a", "type": "int64"}]}
REASON = "the check exceeded its time budget of 1e-09 s"


def _assert_stopped(verdict: Verdict) -> None:
    assert verdict.exhausted
    assert verdict.to_dict()["exhausted"] is True
    for mode, outcome in verdict.verdicts.items():
        if mode is Mode.NONE:
            assert outcome.outcome is Outcome.COMPATIBLE
        else:
            assert outcome.outcome is Outcome.UNDECIDED
            assert REASON in outcome.reason
    assert not verdict.compatible
    assert verdict.witnesses == ()


@pytest.mark.parametrize(("old", "new"), [(OLD, NEW), (TABLE_OLD, TABLE_NEW)])
def test_a_spent_budget_leaves_every_decision_undecided(old: Any, new: Any) -> None:
    _assert_stopped(check(old, new, mode="full", budget_s=1e-9))


def test_a_generous_budget_changes_nothing() -> None:
    verdict = check(OLD, NEW, mode="full", content_model="strict", budget_s=60)
    assert not verdict.exhausted
    assert verdict.to_dict()["exhausted"] is False
    assert verdict == check(OLD, NEW, mode="full", content_model="strict")


def test_history_under_a_budget() -> None:
    verdict = check_history([OLD, NEW], NEW, mode="full_transitive", budget_s=1e-9)
    _assert_stopped(verdict)


def test_a_budget_that_runs_out_while_deciding(monkeypatch: pytest.MonkeyPatch) -> None:
    from accord.compat.js.inclusion import Checker

    calls: list[int] = []
    real = Checker.sub

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            budget = _current()
            assert budget is not None
            budget.deadline = 0.0  # the clock has run out from here on
            budget.steps = 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Checker, "sub", slow)
    verdict = check(OLD, NEW, mode="full", content_model="strict", budget_s=60)
    assert verdict.exhausted
    for mode in (Mode.BACKWARD, Mode.FORWARD):
        assert verdict.verdicts[mode].outcome is Outcome.UNDECIDED
        assert "time budget of 60 s" in verdict.verdicts[mode].reason
    assert verdict.changes == ()


def test_a_budget_that_runs_out_while_listing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from accord.compat.js.diff import Differ

    def spent(self: Any, *args: Any) -> None:
        raise BudgetExceeded(5)

    monkeypatch.setattr(Differ, "walk", spent)
    verdict = check(OLD, NEW, mode="full", budget_s=5)
    assert verdict.changes == ()
    assert verdict.compatible  # the decisions were made in time


def test_validate_schema_past_its_budget() -> None:
    with pytest.raises(SchemaError, match=r"schema too complex to analyse within 1e-09 s"):
        validate_schema(NEW, budget_s=1e-9)
    validate_schema(NEW, budget_s=60)
    validate_schema(TABLE_NEW, budget_s=1e-9)  # table schemas parse without the engine


def test_budgets_are_per_call_and_per_thread() -> None:
    results: dict[str, Verdict] = {}
    start = threading.Barrier(8)

    def run(name: str, budget: float | None) -> None:
        start.wait()
        for _ in range(5):
            results[name] = check(OLD, NEW, mode="full", content_model="strict", budget_s=budget)

    threads = [
        threading.Thread(target=run, args=(f"t{i}", 1e-9 if i % 2 else None)) for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, verdict in results.items():
        assert verdict.exhausted is (int(name[1:]) % 2 == 1), name
    assert not check(OLD, NEW, mode="full").exhausted  # nothing left behind


def test_budget_reads_the_clock_on_the_first_step() -> None:
    budget = Budget(1e-9)
    with pytest.raises(BudgetExceeded):
        budget.tick()
    assert budget.exhausted
    with pytest.raises(BudgetExceeded):
        budget.tick()  # and stays spent
    tick()  # outside any call: free


def _current() -> Budget | None:
    from accord.compat.budget import _CURRENT

    return _CURRENT.get()
