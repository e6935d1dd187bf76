"""Orchestration: parse both sides once, decide each direction, assemble the ``Verdict``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from accord.compat.budget import BudgetExceeded, within
from accord.compat.errors import SchemaError
from accord.compat.js.decide import Decision
from accord.compat.model import (
    UNLESS_COMPATIBLE,
    Change,
    ContentModel,
    EveryMode,
    Mode,
    ModeVerdict,
    Outcome,
    SchemaFormat,
    Verdict,
    Witness,
    detect_format,
)
from accord.compat.prepared import Prepared

MAX_WITNESSES = 20
# what a parse depends on: format, formats asserted, supplied references, default dialect
Settings = tuple[SchemaFormat, bool, Mapping[str, Any], str | None]


class Backend(Protocol):
    """What a schema format provides to the engine."""

    def parse(self, doc: Any, refs: Mapping[str, Any] | None = None) -> Any: ...

    def decide(self, writer: Any, reader: Any, lenient: bool, reader_is_new: bool) -> Decision: ...

    def changes(self, old: Any, new: Any, lenient: bool) -> list[Change]: ...


def backend(
    fmt: SchemaFormat,
    assert_formats: bool,
    refs: Mapping[str, Any] | None = None,
    dialect: str | None = None,
) -> Backend:
    """The implementation of one format (``refs``: schemas remote ``$ref``s name;
    ``dialect``: the JSON Schema draft of documents with no ``$schema``)."""
    if fmt is SchemaFormat.TABLE:
        from accord.compat.table.backend import TableBackend

        return TableBackend()
    from accord.compat.js.backend import JsonSchemaBackend
    from accord.compat.js.dialect import asset_default

    return JsonSchemaBackend(assert_formats, refs or {}, asset_default(dialect))


@dataclass
class _Pair:
    back: Decision | None  # None: not decided (the requested mode does not need it)
    fwd: Decision | None


def run(
    history: Sequence[Any],
    new: Any,
    mode: Mode,
    content_model: ContentModel,
    fmt: SchemaFormat,
    assert_formats: bool,
    budget_s: float | None = None,
    refs: Mapping[str, Any] | None = None,
    dialect: str | None = None,
    every_mode: EveryMode = True,
) -> Verdict:
    """Check ``new`` against ``history`` (oldest first) and return the full verdict (with
    ``every_mode=False``, the verdicts of the modes ``mode``'s directions settle; with
    ``"unless_compatible"``, those, and every mode when ``mode``'s is not compatible).

    Past ``budget_s`` seconds the engine stops: what it had not decided is ``undecided``.
    """
    if not history:
        raise SchemaError("give at least one earlier version")
    if fmt is SchemaFormat.AUTO:
        fmt = _format(new)
    for doc in history:
        if _format(doc) is not fmt:
            raise SchemaError(f"every version must be a {fmt.value} schema")
    refs = refs or {}
    impl = backend(fmt, assert_formats, refs, dialect)
    prepared = [d for d in (*history, new) if isinstance(d, Prepared)]
    finished = False
    try:
        with within(budget_s) as budget:
            settings = (fmt, assert_formats, refs, dialect)
            verdict = _run(impl, history, new, mode, content_model, settings, every_mode)
            verdict = replace(verdict, exhausted=budget is not None and budget.exhausted)
        finished = not verdict.exhausted
        return verdict
    finally:
        if not finished:  # stopped part-way: a lazily filled parse may be half-built
            for doc in prepared:
                doc.spoil()


def _format(doc: Any) -> SchemaFormat:
    return doc.fmt if isinstance(doc, Prepared) else detect_format(doc)


def _run(
    impl: Backend,
    history: Sequence[Any],
    new: Any,
    mode: Mode,
    content_model: ContentModel,
    settings: Settings,
    every_mode: EveryMode = True,
) -> Verdict:
    lenient = content_model is ContentModel.LENIENT
    back, fwd = _directions(mode)
    # the latest version: both directions, or those the mode needs (at first)
    latest_back, latest_fwd = (True, True) if every_mode is True else _needs(mode)
    try:
        parsed_new, parsed = _parse_all(impl, history, new, settings)
    except BudgetExceeded as exc:
        stopped = Decision(Outcome.UNDECIDED, str(exc))
        last = len(history) - 1
        # the asked mode is undecided: every mode too, unless only it was asked for
        back_too, fwd_too = _needs(mode) if every_mode is False else (True, True)
        pairs = [
            _Pair(
                stopped if i < last or back_too else None,
                stopped if i < last or fwd_too else None,
            )
            for i in range(len(history))
        ]
        changes: tuple[Change, ...] = ()
    else:
        last = len(parsed) - 1
        pairs = [
            _pair(
                impl,
                old,
                parsed_new,
                lenient,
                latest_back if i == last else back,
                latest_fwd if i == last else fwd,
            )
            for i, old in enumerate(parsed)
        ]
        if every_mode == UNLESS_COMPATIBLE and _assemble(pairs)[0][mode].outcome is not (
            Outcome.COMPATIBLE
        ):
            pairs[-1] = _complete(impl, pairs[-1], parsed[-1], parsed_new, lenient)
        try:
            changes = tuple(impl.changes(parsed[-1], parsed_new, lenient))
        except BudgetExceeded:
            changes = ()
    verdicts, witnesses = _assemble(pairs)
    return Verdict(mode, content_model, settings[0], verdicts, changes, tuple(witnesses))


def _parse_all(
    impl: Backend,
    history: Sequence[Any],
    new: Any,
    settings: Settings,
) -> tuple[Any, list[Any]]:
    cache: dict[int, Any] = {}
    fmt, assert_formats, refs, dialect = settings

    def parse(doc: Any) -> Any:
        found = cache.get(id(doc))
        if found is None:
            if not isinstance(doc, Prepared):
                found = impl.parse(doc)
            elif doc.fits(fmt, assert_formats, dialect):
                found = doc.parse_for(doc.references(refs), impl.parse)
            else:  # prepared under other settings: parsed for this check only
                found = impl.parse(doc.doc, doc.references(refs))
            cache[id(doc)] = found
        return found

    parsed_new = parse(new)
    cache.clear()  # NEW is parsed on its own, even when it is one of the versions
    return parsed_new, [parse(doc) for doc in history]


def _complete(impl: Backend, pair: _Pair, old: Any, new: Any, lenient: bool) -> _Pair:
    """``pair`` decided in the directions it was not yet."""
    return _Pair(
        pair.back if pair.back is not None else _decide(impl, old, new, lenient, True),
        pair.fwd if pair.fwd is not None else _decide(impl, new, old, lenient, False),
    )


def _needs(mode: Mode) -> tuple[bool, bool]:
    """The directions (backward, forward) ``mode``'s own outcome rests on."""
    back = mode in (Mode.BACKWARD, Mode.FULL, Mode.BACKWARD_TRANSITIVE, Mode.FULL_TRANSITIVE)
    fwd = mode in (Mode.FORWARD, Mode.FULL, Mode.FORWARD_TRANSITIVE, Mode.FULL_TRANSITIVE)
    return back, fwd


def _directions(mode: Mode) -> tuple[bool, bool]:
    """Which directions earlier versions (all but the latest) are decided in: those the
    requested transitive mode needs; none for a non-transitive mode."""
    back = mode in (Mode.BACKWARD_TRANSITIVE, Mode.FULL_TRANSITIVE)
    fwd = mode in (Mode.FORWARD_TRANSITIVE, Mode.FULL_TRANSITIVE)
    return back, fwd


def _pair(impl: Backend, old: Any, new: Any, lenient: bool, back: bool, fwd: bool) -> _Pair:
    return _Pair(
        _decide(impl, old, new, lenient, True) if back else None,
        _decide(impl, new, old, lenient, False) if fwd else None,
    )


def _decide(
    impl: Backend, writer: Any, reader: Any, lenient: bool, reader_is_new: bool
) -> Decision:
    try:
        return impl.decide(writer, reader, lenient, reader_is_new)
    except BudgetExceeded as exc:  # once spent, every later decision stops at its first step
        return Decision(Outcome.UNDECIDED, str(exc))


def _assemble(pairs: list[_Pair]) -> tuple[dict[Mode, ModeVerdict], list[Witness]]:
    """Every mode whose directions were decided against every version it covers (the
    non-transitive ones always; a transitive one over a longer history only if asked)."""
    latest = pairs[-1]
    last = len(pairs) - 1
    verdicts = {Mode.NONE: ModeVerdict(Outcome.COMPATIBLE)}
    # the latest pair is decided both ways, unless the check asked for one mode only
    back = _combine([(last, latest.back)], "backward") if latest.back is not None else None
    fwd = _combine([(last, latest.fwd)], "forward") if latest.fwd is not None else None
    _settle(verdicts, back, fwd, (Mode.BACKWARD, Mode.FORWARD, Mode.FULL))
    backs = [(i, p.back) for i, p in enumerate(pairs) if p.back is not None]
    fwds = [(i, p.fwd) for i, p in enumerate(pairs) if p.fwd is not None]
    back_t = _combine(backs, "backward") if len(backs) == len(pairs) else None
    fwd_t = _combine(fwds, "forward") if len(fwds) == len(pairs) else None
    transitive = (Mode.BACKWARD_TRANSITIVE, Mode.FORWARD_TRANSITIVE, Mode.FULL_TRANSITIVE)
    _settle(verdicts, back_t, fwd_t, transitive)
    witnesses: list[Witness] = []
    for index, pair in enumerate(pairs):
        for decision, mode, under in (
            (pair.back, Mode.BACKWARD, "old"),
            (pair.fwd, Mode.FORWARD, "new"),
        ):
            if decision is None:
                continue
            if decision.outcome is Outcome.INCOMPATIBLE and len(witnesses) < MAX_WITNESSES:
                if index != last:
                    mode = Mode(f"{mode.value}_transitive")
                witnesses.append(
                    Witness(decision.witness, under, decision.path, mode, index, decision.reason)
                )
    return verdicts, witnesses


def _settle(
    verdicts: dict[Mode, ModeVerdict],
    back: ModeVerdict | None,
    fwd: ModeVerdict | None,
    modes: tuple[Mode, Mode, Mode],
) -> None:
    """The verdicts the decided directions settle: backward's, forward's, and both's."""
    if back is not None:
        verdicts[modes[0]] = back
    if fwd is not None:
        verdicts[modes[1]] = fwd
    if back is not None and fwd is not None:
        verdicts[modes[2]] = _both(back, fwd)


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
