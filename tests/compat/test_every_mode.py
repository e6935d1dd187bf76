"""`check_history(..., every_mode=False)`: only the directions the asked mode rests on
are decided (a server acting on one policy's outcome, issue 21)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.compat import UNLESS_COMPATIBLE, Mode, Outcome, check_history

# backward-incompatible (old values up to 10 characters, new readers take 5), forward fine
OLD: dict[str, Any] = {"type": "object", "properties": {"s": {"type": "string", "maxLength": 10}}}
NEW: dict[str, Any] = {"type": "object", "properties": {"s": {"type": "string", "maxLength": 5}}}


B, F = {Mode.BACKWARD, Mode.BACKWARD_TRANSITIVE}, {Mode.FORWARD, Mode.FORWARD_TRANSITIVE}
FULL = {Mode.FULL, Mode.FULL_TRANSITIVE}


@pytest.mark.parametrize(
    ("mode", "present"),
    [
        (Mode.FORWARD, F | {Mode.NONE}),
        (Mode.BACKWARD, B | {Mode.NONE}),
        (Mode.FULL, B | F | FULL | {Mode.NONE}),
        (Mode.NONE, {Mode.NONE}),
    ],
)
def test_only_the_asked_modes_directions_are_decided(mode: Mode, present: set[Mode]) -> None:
    """(Over one earlier version a transitive mode is its plain one.)"""
    lean = check_history([OLD], NEW, mode=mode, every_mode=False)
    full = check_history([OLD], NEW, mode=mode)
    assert set(lean.verdicts) == present
    assert set(full.verdicts) == B | F | FULL | {Mode.NONE}
    assert lean.compatible == full.compatible
    for asked in present:
        assert lean.verdicts[asked] == full.verdicts[asked]
    assert [w.mode for w in lean.witnesses] == [w.mode for w in full.witnesses if w.mode in present]


def test_a_forward_check_searches_no_backward_witness() -> None:
    lean = check_history([OLD], NEW, mode="forward", every_mode=False)
    assert lean.compatible
    assert lean.witnesses == ()
    full = check_history([OLD], NEW, mode="forward")
    assert full.verdicts[Mode.BACKWARD].outcome is Outcome.INCOMPATIBLE
    assert [w.mode for w in full.witnesses] == [Mode.BACKWARD]


def test_a_transitive_mode_asks_its_direction_of_every_version() -> None:
    middle: dict[str, Any] = {
        "type": "object",
        "properties": {"s": {"type": "string", "maxLength": 7}},
    }
    lean = check_history([OLD, middle], NEW, mode="forward_transitive", every_mode=False)
    assert set(lean.verdicts) == {Mode.FORWARD, Mode.FORWARD_TRANSITIVE, Mode.NONE}
    assert lean.compatible
    widened = check_history([NEW, middle], OLD, mode="forward_transitive", every_mode=False)
    assert not widened.compatible
    assert {w.mode for w in widened.witnesses} == {Mode.FORWARD, Mode.FORWARD_TRANSITIVE}


def test_a_check_out_of_budget_before_deciding_is_undecided_in_the_asked_modes_only() -> None:
    stopped = check_history([OLD], NEW, mode="backward", budget_s=1e-9, every_mode=False)
    assert stopped.exhausted
    assert set(stopped.verdicts) == B | {Mode.NONE}
    assert stopped.verdicts[Mode.BACKWARD].outcome is Outcome.UNDECIDED


def test_unless_compatible_adds_every_mode_when_the_asked_one_breaks() -> None:
    held = check_history([OLD], NEW, mode="forward", every_mode=UNLESS_COMPATIBLE)
    assert set(held.verdicts) == F | {Mode.NONE}
    assert held.witnesses == ()
    broken = check_history([NEW], OLD, mode="forward", every_mode=UNLESS_COMPATIBLE)
    assert broken == check_history([NEW], OLD, mode="forward")
    # over a history: the earlier versions are decided in the asked direction either way
    history = [NEW, {"type": "object"}, NEW]
    assert check_history(history, OLD, mode="forward_transitive", every_mode=UNLESS_COMPATIBLE) == (
        check_history(history, OLD, mode="forward_transitive")
    )


def test_unless_compatible_out_of_budget_before_deciding_is_every_mode_undecided() -> None:
    stopped = check_history([OLD], NEW, mode="forward", budget_s=1e-9, every_mode=UNLESS_COMPATIBLE)
    assert stopped.exhausted
    assert set(stopped.verdicts) == B | F | FULL | {Mode.NONE}
