"""Orchestration: parse both sides once, decide each direction, assemble the ``Verdict``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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


def backend(fmt: SchemaFormat, assert_formats: bool) -> Backend:
    """The implementation of one format."""
    if fmt is SchemaFormat.TABLE:
        from accord.compat.table.backend import TableBackend

        return TableBackend()
    from accord.compat.js.backend import JsonSchemaBackend

    return JsonSchemaBackend(assert_formats)


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
) -> Verdict:
    """Check ``new`` against ``history`` (oldest first) and return the full verdict."""
    if not history:
        raise SchemaError("give at least one earlier version")
    if fmt is SchemaFormat.AUTO:
        fmt = detect_format(new)
    for doc in history:
        if detect_format(doc) is not fmt:
            raise SchemaError(f"every version must be a {fmt.value} schema")
    impl = backend(fmt, assert_formats)
    lenient = content_model is ContentModel.LENIENT
    parsed_new = impl.parse(new)
    cache: dict[int, Any] = {}
    pairs: list[_Pair] = []
    for doc in history:
        parsed = cache.get(id(doc))
        if parsed is None:
            parsed = cache[id(doc)] = impl.parse(doc)
        pairs.append(_pair(impl, parsed, parsed_new, lenient))
    latest_old = cache[id(history[-1])]
    changes = tuple(impl.changes(latest_old, parsed_new, lenient))
    verdicts, witnesses = _assemble(pairs)
    return Verdict(mode, content_model, fmt, verdicts, changes, tuple(witnesses))


def _pair(impl: Backend, old: Any, new: Any, lenient: bool) -> _Pair:
    back = impl.decide(old, new, lenient, True)
    fwd = impl.decide(new, old, lenient, False)
    return _Pair(back, fwd)


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
