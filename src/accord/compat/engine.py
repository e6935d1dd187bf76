"""Orchestration: parse both sides once, decide each direction, assemble the ``Verdict``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from accord.compat.budget import BudgetExceeded, within
from accord.compat.errors import SchemaError
from accord.compat.js.decide import Decision
from accord.compat.model import (
    Change,
    ContentModel,
    Mode,
    ModeVerdict,
    Outcome,
    SchemaFormat,
    Verdict,
    Witness,
    detect_format,
)

MAX_WITNESSES = 20


class Backend(Protocol):
    """What a schema format provides to the engine."""

    def parse(self, doc: Any) -> Any: ...

    def decide(self, writer: Any, reader: Any, lenient: bool, reader_is_new: bool) -> Decision: ...

    def changes(self, old: Any, new: Any, lenient: bool) -> list[Change]: ...


def backend(
    fmt: SchemaFormat, assert_formats: bool, refs: Mapping[str, Any] | None = None
) -> Backend:
    """The implementation of one format (``refs``: schemas remote ``$ref``s name)."""
    if fmt is SchemaFormat.TABLE:
        from accord.compat.table.backend import TableBackend

        return TableBackend()
    from accord.compat.js.backend import JsonSchemaBackend

    return JsonSchemaBackend(assert_formats, refs or {})


@dataclass
class _Pair:
    back: Decision
    fwd: Decision


def run(
    history: Sequence[Any],
    new: Any,
    mode: Mode,
    content_model: ContentModel,
    fmt: SchemaFormat,
    assert_formats: bool,
    budget_s: float | None = None,
    refs: Mapping[str, Any] | None = None,
) -> Verdict:
    """Check ``new`` against ``history`` (oldest first) and return the full verdict.

    Past ``budget_s`` seconds the engine stops: what it had not decided is ``undecided``.
    """
    if not history:
        raise SchemaError("give at least one earlier version")
    if fmt is SchemaFormat.AUTO:
        fmt = detect_format(new)
    for doc in history:
        if detect_format(doc) is not fmt:
            raise SchemaError(f"every version must be a {fmt.value} schema")
    impl = backend(fmt, assert_formats, refs)
    lenient = content_model is ContentModel.LENIENT
    with within(budget_s) as budget:
        try:
            parsed_new, parsed = _parse_all(impl, history, new)
        except BudgetExceeded as exc:
            stopped = Decision(Outcome.UNDECIDED, str(exc))
            pairs = [_Pair(stopped, stopped) for _ in history]
            changes: tuple[Change, ...] = ()
        else:
            pairs = [_pair(impl, old, parsed_new, lenient) for old in parsed]
            try:
                changes = tuple(impl.changes(parsed[-1], parsed_new, lenient))
            except BudgetExceeded:
                changes = ()
    verdicts, witnesses = _assemble(pairs)
    exhausted = budget is not None and budget.exhausted
    return Verdict(mode, content_model, fmt, verdicts, changes, tuple(witnesses), exhausted)


def _parse_all(impl: Backend, history: Sequence[Any], new: Any) -> tuple[Any, list[Any]]:
    parsed_new = impl.parse(new)
    cache: dict[int, Any] = {}
    parsed: list[Any] = []
    for doc in history:
        found = cache.get(id(doc))
        if found is None:
            found = cache[id(doc)] = impl.parse(doc)
        parsed.append(found)
    return parsed_new, parsed


def _pair(impl: Backend, old: Any, new: Any, lenient: bool) -> _Pair:
    back = _decide(impl, old, new, lenient, True)
    fwd = _decide(impl, new, old, lenient, False)
    return _Pair(back, fwd)


def _decide(
    impl: Backend, writer: Any, reader: Any, lenient: bool, reader_is_new: bool
) -> Decision:
    try:
        return impl.decide(writer, reader, lenient, reader_is_new)
    except BudgetExceeded as exc:  # once spent, every later decision stops at its first step
        return Decision(Outcome.UNDECIDED, str(exc))


def _assemble(pairs: list[_Pair]) -> tuple[dict[Mode, ModeVerdict], list[Witness]]:
    latest = pairs[-1]
    last = len(pairs) - 1
    back = _combine([(last, latest.back)], "backward")
    fwd = _combine([(last, latest.fwd)], "forward")
    back_t = _combine(list(enumerate(p.back for p in pairs)), "backward")
    fwd_t = _combine(list(enumerate(p.fwd for p in pairs)), "forward")
    verdicts = {
        Mode.BACKWARD: back,
        Mode.FORWARD: fwd,
        Mode.FULL: _both(back, fwd),
        Mode.NONE: ModeVerdict(Outcome.COMPATIBLE),
        Mode.BACKWARD_TRANSITIVE: back_t,
        Mode.FORWARD_TRANSITIVE: fwd_t,
        Mode.FULL_TRANSITIVE: _both(back_t, fwd_t),
    }
    witnesses: list[Witness] = []
    for index, pair in enumerate(pairs):
        for decision, mode, under in (
            (pair.back, Mode.BACKWARD, "old"),
            (pair.fwd, Mode.FORWARD, "new"),
        ):
            if decision.outcome is Outcome.INCOMPATIBLE and len(witnesses) < MAX_WITNESSES:
                if index != last:
                    mode = Mode(f"{mode.value}_transitive")
                witnesses.append(
                    Witness(decision.witness, under, decision.path, mode, index, decision.reason)
                )
    return verdicts, witnesses


def _combine(items: list[tuple[int, Decision]], label: str) -> ModeVerdict:
    many = len(items) > 1
    for wanted in (Outcome.INCOMPATIBLE, Outcome.UNDECIDED):
        for index, decision in items:
            if decision.outcome is wanted:
                where = f" against version {index}" if many else ""
                at = f" at {decision.path}" if decision.path else ""
                return ModeVerdict(wanted, f"{label}{where}: {decision.reason}{at}")
    return ModeVerdict(Outcome.COMPATIBLE)


def _both(a: ModeVerdict, b: ModeVerdict) -> ModeVerdict:
    for wanted in (Outcome.INCOMPATIBLE, Outcome.UNDECIDED):
        for verdict in (a, b):
            if verdict.outcome is wanted:
                return verdict
    return ModeVerdict(Outcome.COMPATIBLE)


Parse = Callable[[Any], Any]
