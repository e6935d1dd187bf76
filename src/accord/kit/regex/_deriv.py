"""Derivatives of extended regular expressions with lookaround (see ``automata`` for the
method). Three layers:

- ``Re``: a pattern as read (characters, sequence, alternation, counted repetition,
  assertions, lookaround), with a few facts about each node.
- ``Term``: a language of *rests of the text*, hash-consed. ``cont(node, kc, kn)`` is what
  ``node`` followed by the rest ``kc`` (or ``kn`` when the node consumed nothing) accepts;
  a lookahead becomes an intersection with what follows, a lookbehind a ``LOOK`` term
  decided by a ``Tracker`` of the text already read, and a repetition a ``COUNT`` term
  unrolled one iteration at a time.
- ``State``: a term in head normal form (only characters, ``ε``, ``Σ*`` and Boolean
  operators before the first character) with the trackers' states; its successors are
  computed once per block of characters it cannot tell apart.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

from accord.kit.regex._charset import ALL, LINE_ENDS, WORD, Chars, Partition, partition, union

_SERIAL = itertools.count()
MAX_UNROLL = 64  # mandatory iterations of a body that may match empty with assertions


class NotRegular(Exception):
    """The pattern's language is not regular (a backreference), or is regular in a way this
    module does not analyse; ``reason`` says which construct."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooComplex(Exception):
    """Deciding would take more than the budget of automaton states; ``reason`` says so."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- the pattern, read ----------------------------------------------------------------------
CHARS, SEQ, ALT, REPEAT, START, END, WORDB, NWORDB, LOOK = range(9)


class Re:
    """A node of a read pattern, with facts about it: ``min_len``/``max_len``, the fewest
    and most characters it consumes (None: unbounded); ``plain``, no assertion inside;
    ``reach``, how many characters past the end of its match an assertion inside may read
    (``$``, ``\\b`` and lookahead read ahead; None: unbounded); ``trackers``, the lookbehinds
    it needs, nested ones too."""

    __slots__ = (
        "chars",
        "conts",
        "forward",
        "hi",
        "items",
        "kind",
        "lo",
        "max_len",
        "min_len",
        "neg",
        "plain",
        "reach",
        "tracker",
        "trackers",
        "unrolled",
    )

    def __init__(self, kind: int, items: tuple[Re, ...] = (), chars: Chars = ALL) -> None:
        self.kind, self.items, self.chars = kind, items, chars
        self.lo = 1
        self.hi: int | None = 1
        self.forward = self.neg = False
        self.tracker: Tracker | None = None
        self.unrolled: Re | None = None
        self.conts: dict[tuple[Term, Term], Term] = {}
        self.min_len: int = 1
        self.max_len: int | None = 1
        self.plain = True
        self.reach: int | None = 0
        self.trackers: frozenset[Tracker] = _NONE
        if kind != CHARS:
            self.min_len = sum(i.min_len for i in items)
            self.max_len = _total(i.max_len for i in items)
            self.plain = kind in (SEQ, ALT, REPEAT) and all(i.plain for i in items)
            self.reach = 1 if kind in (END, WORDB, NWORDB) else _seq_reach(items)
            if any(i.trackers for i in items):
                self.trackers = frozenset().union(*(i.trackers for i in items))


_NONE: frozenset[Tracker] = frozenset()


def _total(lengths: Iterable[int | None]) -> int | None:
    total = 0
    for one in lengths:
        if one is None:
            return None
        total += one
    return total


def _most(values: Iterable[int | None]) -> int | None:
    most = 0
    for one in values:
        if one is None:
            return None
        most = max(most, one)
    return most


def _seq_reach(items: tuple[Re, ...]) -> int | None:
    """How far past the end of a sequence its items may read: an item's reach, less what
    the items after it consume."""
    reach, after = 0, 0
    for item in reversed(items):
        if item.reach is None:
            return None
        reach = max(reach, item.reach - after)
        after += item.min_len
    return reach


def re_chars(chars: Chars) -> Re:
    return Re(CHARS, chars=chars)


def re_seq(items: Iterable[Re]) -> Re:
    flat: list[Re] = []
    for item in items:
        flat += item.items if item.kind == SEQ else (item,)
    return flat[0] if len(flat) == 1 else Re(SEQ, tuple(flat))


def re_alt(items: Iterable[Re]) -> Re:
    flat: list[Re] = []
    for item in items:
        flat += item.items if item.kind == ALT else (item,)
    if len(flat) == 1:
        return flat[0]
    node = Re(ALT, tuple(flat))
    node.min_len = min(i.min_len for i in flat)
    node.max_len = _most(i.max_len for i in flat)
    node.reach = _most(i.reach for i in flat)
    return node


def re_repeat(body: Re, lo: int, hi: int | None) -> Re:
    node = Re(REPEAT, (body,))
    node.lo, node.hi, node.min_len = lo, hi, lo * body.min_len
    if body.max_len == 0 or hi == 0:
        node.max_len = 0
    else:
        node.max_len = None if hi is None or body.max_len is None else hi * body.max_len
    node.reach = 0 if hi == 0 else body.reach  # the last iteration reads furthest
    return node


def re_assert(kind: int) -> Re:
    node = Re(kind)
    node.min_len = node.max_len = 0
    if kind == START:
        node.trackers = frozenset((AT_START,))
    elif kind in (WORDB, NWORDB):
        node.trackers = frozenset((AFTER_WORD,))
    return node


def re_look(body: Re, forward: bool, neg: bool) -> Re:
    """``(?=body)``, ``(?!body)``, ``(?<=body)`` or ``(?<!body)``. A lookbehind's tracker
    only sees the text up to the current position: its body must not read past its end."""
    node = Re(LOOK, (body,))
    node.forward, node.neg, node.min_len, node.max_len = forward, neg, 0, 0
    if forward:
        node.reach = _total((body.max_len, body.reach))
    else:
        if body.reach != 0:
            raise ValueError("a lookbehind whose body reads past its end")
        node.reach = 0
        node.tracker = Tracker(count(ANY, 0, None, cont(body, EPS, EPS)), body.trackers)
        node.trackers = body.trackers | {node.tracker}
    return node


# -- terms ----------------------------------------------------------------------------------
BOT_, TOP_, EPS_, PRED, OR, AND, NOT, LOOKT, COUNT = range(9)


class Term:
    """A hash-consed language of rests of the text (compare with ``is``). ``PRED``: a
    character of ``chars`` then ``k``; ``OR``/``AND``/``NOT``; ``LOOKT``: ``k`` where the
    ``tracker``'s lookbehind holds (fails, with ``neg``); ``COUNT``: ``body{lo,hi}`` then
    ``k``, every iteration consuming. ``hnf``: nothing but characters and Boolean operators
    before the first character; ``null``: accepts the empty rest (when ``hnf``)."""

    __slots__ = (
        "__weakref__",
        "body",
        "chars",
        "hi",
        "hnf",
        "k",
        "kids",
        "lo",
        "neg",
        "null",
        "op",
        "tracker",
        "uid",
        "unrolled",
    )

    def __init__(
        self,
        op: int,
        kids: tuple[Term, ...] = (),
        k: Term | None = None,
        chars: Chars = ALL,
    ) -> None:
        self.op, self.kids, self.chars = op, kids, chars
        self.k = self if k is None else k  # only ∅, Σ* and ε (immortal) point at themselves
        self.uid = next(_SERIAL)
        self.tracker: Tracker | None = None
        self.body: Re | None = None
        self.neg = False
        self.lo = 0
        self.hi: int | None = None
        self.unrolled: Term | None = None
        self.hnf: bool
        self.null: bool
        if op == OR:
            self.hnf = all(kid.hnf for kid in kids)
            self.null = any(kid.null for kid in kids)
        elif op == AND:
            self.hnf = all(kid.hnf for kid in kids)
            self.null = all(kid.null for kid in kids)
        elif op == NOT:
            self.hnf, self.null = self.k.hnf, not self.k.null
        else:
            self.hnf = op not in (LOOKT, COUNT)
            self.null = op in (TOP_, EPS_)

    def __repr__(self) -> str:
        names = ("∅", "Σ*", "ε", "PRED", "OR", "AND", "NOT", "LOOK", "COUNT")
        if self.op == PRED:
            return f"{self.chars!r}·{self.k!r}"
        if self.op in (OR, AND):
            return f"{names[self.op]}({', '.join(map(repr, self.kids))})"
        if self.op == NOT:
            return f"¬{self.k!r}"
        if self.op == COUNT:
            return f"COUNT#{id(self.body):x}{{{self.lo},{self.hi}}}·{self.k!r}"
        if self.op == LOOKT:
            return f"LOOK{'!' if self.neg else ''}#{id(self.tracker):x}·{self.k!r}"
        return names[self.op]


_V = TypeVar("_V")


class _Table(Generic[_V]):
    """Hash-consing: one live value per key, held weakly (a value lives while it is used)."""

    def __init__(self) -> None:
        self.refs: dict[Hashable, weakref.KeyedRef[Hashable, _V]] = {}
        self._forget_ref = self._forget

    def get(self, key: Hashable) -> _V | None:
        ref = self.refs.get(key)
        return None if ref is None else ref()

    def add(self, key: Hashable, fresh: _V) -> _V:
        """The value for ``key``: ``fresh``, unless another thread got there first."""
        found = self.get(key)
        if found is not None:
            return found
        self.refs[key] = weakref.KeyedRef(fresh, self._forget_ref, key)
        return fresh

    def _forget(self, ref: weakref.KeyedRef[Hashable, _V]) -> None:
        if self.refs.get(ref.key) is ref:
            self.refs.pop(ref.key, None)


_TERMS: _Table[Term] = _Table()
BOT, TOP, EPS = Term(BOT_), Term(TOP_), Term(EPS_)


def _interned(key: tuple[object, ...], fresh: Term) -> Term:
    return _TERMS.add(key, fresh)


def _uid(term: Term) -> int:
    return term.uid


def pred(chars: Chars, k: Term) -> Term:
    """One character of ``chars``, then ``k``."""
    if not chars or k is BOT:
        return BOT
    found = _TERMS.get((PRED, chars, k))
    return found if found is not None else _interned((PRED, chars, k), Term(PRED, k=k, chars=chars))


def not_(term: Term) -> Term:
    if term is TOP:
        return BOT
    if term is BOT:
        return TOP
    if term.op == NOT:
        return term.k
    found = _TERMS.get((NOT, term))
    return found if found is not None else _interned((NOT, term), Term(NOT, k=term))


def look(tracker: Tracker, neg: bool, k: Term) -> Term:
    if k is BOT:
        return BOT
    key = (LOOKT, tracker, neg, k)
    found = _TERMS.get(key)
    if found is None:
        found = Term(LOOKT, k=k)
        found.tracker, found.neg = tracker, neg
        found = _interned(key, found)
    return found


def count(body: Re, lo: int, hi: int | None, k: Term) -> Term:
    """``body{lo,hi}`` (iterations that consume) then ``k``. Before ``Σ*`` the upper bound
    does not matter: ``r{lo,hi}·Σ* = r{lo}·Σ*``."""
    if k is TOP:
        hi = lo
    if k is BOT or hi == 0:
        return k
    key = (COUNT, body, lo, hi, k)
    found = _TERMS.get(key)
    if found is None:
        found = Term(COUNT, k=k)
        found.body, found.lo, found.hi = body, lo, hi
        found = _interned(key, found)
    return found


def or_(items: Iterable[Term]) -> Term:
    flat: set[Term] = set()
    for term in items:
        if term.op == OR:
            flat.update(term.kids)
        elif term is TOP:
            return TOP
        elif term is not BOT:
            flat.add(term)
    if len(flat) < 2:
        return flat.pop() if flat else BOT
    preds: list[Term] = []
    counts: list[Term] = []
    negated = nullable = False
    for term in flat:
        op = term.op
        if op == PRED:
            preds.append(term)
        elif op == COUNT:
            counts.append(term)
        else:
            negated = negated or (op == NOT and term.k in flat)
            nullable = nullable or (term.null and term.hnf and term is not EPS)  # ε adds nothing
    if negated:
        return TOP
    if len(preds) > 1:
        _merge_preds(flat, preds)
    if len(counts) > 1:
        _merge_counts(flat, counts)
    if nullable:
        flat.discard(EPS)
    return _boolean(OR, flat)


def and_(items: Iterable[Term]) -> Term:
    flat: set[Term] = set()
    for term in items:
        if term.op == AND:
            flat.update(term.kids)
        elif term is BOT:
            return BOT
        elif term is not TOP:
            flat.add(term)
    if len(flat) < 2:
        return flat.pop() if flat else TOP
    if any(t.op == NOT and t.k in flat for t in flat):
        return BOT
    preds = [t for t in flat if t.op == PRED]
    if len(preds) > 1:
        chars = preds[0].chars
        for other in preds[1:]:
            chars = chars & other.chars
        merged = pred(chars, and_(p.k for p in preds))
        if merged is BOT:
            return BOT
        flat.difference_update(preds)
        flat.add(merged)
    if EPS in flat:  # only the empty rest: the others must accept it
        for term in [t for t in flat if t.hnf and t is not EPS]:
            if not term.null:
                return BOT
            flat.discard(term)
    return _boolean(AND, flat)


def _boolean(op: int, flat: set[Term]) -> Term:
    if len(flat) == 1:
        return flat.pop()
    kids = tuple(sorted(flat, key=_uid))
    found = _TERMS.get((op, kids))
    return found if found is not None else _interned((op, kids), Term(op, kids, BOT))


def _merge_preds(flat: set[Term], preds: list[Term]) -> None:
    """``a·K1 | a·K2 = a·(K1|K2)`` and ``a·K | b·K = [ab]·K``, in place."""
    by_chars: dict[Chars, list[Term]] = {}
    for one in preds:
        by_chars.setdefault(one.chars, []).append(one.k)
    by_rest: dict[Term, list[Chars]] = {}
    for chars, rests in by_chars.items():
        rest = rests[0] if len(rests) == 1 else or_(rests)
        by_rest.setdefault(rest, []).append(chars)
    if len(by_rest) < len(preds):
        flat.difference_update(preds)
        flat.update(pred(union(sets), rest) for rest, sets in by_rest.items())


def _merge_counts(flat: set[Term], counts: list[Term]) -> None:
    """``r{a,b}·K | r{c,d}·K = r{min,max}·K`` when the ranges touch; before ``Σ*`` the
    smallest lower bound covers the others."""
    groups: dict[tuple[Re | None, Term], list[Term]] = {}
    for one in counts:
        groups.setdefault((one.body, one.k), []).append(one)
    for (body, rest), same in groups.items():
        if len(same) < 2 or body is None:
            continue
        flat.difference_update(same)
        if rest is TOP:
            flat.add(count(body, min(t.lo for t in same), None, rest))
            continue
        same.sort(key=lambda t: t.lo)
        lo, hi = same[0].lo, same[0].hi
        for one in same[1:]:
            if hi is not None and one.lo > hi + 1:
                flat.add(count(body, lo, hi, rest))
                lo, hi = one.lo, one.hi
            elif hi is not None:
                hi = None if one.hi is None else max(hi, one.hi)
        flat.add(count(body, lo, hi, rest))


# -- lookbehind trackers ----------------------------------------------------------------------
class Tracker:
    """A lookbehind ``(?<=X)``: ``root`` is ``Σ*·X``, read along the text; its state accepts
    the empty rest exactly where the text read so far ends with a match of ``X``. ``deps``:
    the trackers ``X`` needs itself (read first: lower ``depth``)."""

    __slots__ = ("deps", "depth", "initial", "root", "uid")

    def __init__(self, root: Term, deps: frozenset[Tracker]) -> None:
        self.root, self.deps = root, deps
        self.depth: int = 1 + max((d.depth for d in deps), default=0)
        self.uid = next(_SERIAL)
        self.initial: Term = resolve(root, {d: d.initial for d in deps}, {})

    def order(self) -> tuple[int, int]:
        return self.depth, self.uid


# -- from a pattern to terms --------------------------------------------------------------------
def cont(node: Re, kc: Term, kn: Term) -> Term:
    """The rests accepted by ``node`` then ``kc`` (``kn`` if ``node`` consumed nothing)."""
    if node.kind == CHARS:
        return pred(node.chars, kc)
    if node.min_len > 0:
        kn = kc  # every way through consumes
    found = node.conts.get((kc, kn))
    if found is None:
        found = node.conts[(kc, kn)] = _cont(node, kc, kn)
    return found


def _cont(node: Re, kc: Term, kn: Term) -> Term:
    kind = node.kind
    if kind == SEQ:
        for item in reversed(node.items):
            consumed = cont(item, kc, kc)
            kc, kn = consumed, consumed if kn is kc else cont(item, kc, kn)
        return kn
    if kind == ALT:
        return or_(cont(item, kc, kn) for item in node.items)
    if kind == REPEAT:
        return _cont_repeat(node, kc, kn)
    if kind == START:
        return look(AT_START, False, kn)
    if kind == END:
        return and_([EPS, kn])
    if kind in (WORDB, NWORDB):  # after a word character or not, then the other or not
        after_word, after_other = (_AHEAD_NO_WORD, _AHEAD_WORD)[:: 1 if kind == WORDB else -1]
        return or_(
            [
                look(AFTER_WORD, False, and_([after_word, kn])),
                look(AFTER_WORD, True, and_([after_other, kn])),
            ]
        )
    body = node.items[0]
    if node.forward:
        ahead = cont(body, TOP, TOP)
        return and_([not_(ahead) if node.neg else ahead, kn])
    assert node.tracker is not None
    return look(node.tracker, node.neg, kn)


def _cont_repeat(node: Re, kc: Term, kn: Term) -> Term:
    body, lo, hi = node.items[0], node.lo, node.hi
    if kc is TOP and kn is TOP:
        hi = lo
    if hi == 0:
        return kn
    if body.min_len == 0 and body.plain:
        lo = 0  # an empty iteration is free
    elif body.min_len == 0 and lo > 0:  # it may assert something: unroll the mandatory ones
        if node.unrolled is None:
            if lo > MAX_UNROLL:
                raise TooComplex(f"a repetition of {lo} of a group that may match empty")
            rest = re_repeat(body, 0, None if hi is None else hi - lo)
            node.unrolled = re_seq([*[body] * lo, rest])
        return cont(node.unrolled, kc, kn)
    if lo == 0:
        return count(body, 0, hi, kc) if kc is kn else or_([kn, count(body, 1, hi, kc)])
    return count(body, lo, hi, kc)


def unroll(term: Term) -> Term:
    """A ``COUNT`` term, one iteration unrolled (empty iterations add nothing)."""
    if term.unrolled is None:
        body, lo, hi = term.body, term.lo, term.hi
        assert body is not None
        after = count(body, max(lo - 1, 0), None if hi is None else hi - 1, term.k)
        step = cont(body, after, BOT)
        term.unrolled = or_([term.k, step]) if lo == 0 else step
    return term.unrolled


# -- head normal form and derivatives ---------------------------------------------------------
Context = dict[Tracker, Term]


def resolve(term: Term, ctx: Context, memo: dict[Term, Term]) -> Term:
    """``term`` in head normal form at the current position, where the trackers are in
    the states ``ctx``: lookbehinds decided, repetitions unrolled."""
    if term.hnf:
        return term
    found = memo.get(term)
    if found is None:
        op = term.op
        if op == OR:
            found = or_(resolve(kid, ctx, memo) for kid in term.kids)
        elif op == AND:
            found = and_(_resolved_all(term.kids, ctx, memo))
        elif op == NOT:
            found = not_(resolve(term.k, ctx, memo))
        elif op == LOOKT:
            assert term.tracker is not None
            holds = ctx[term.tracker].null != term.neg
            found = resolve(term.k, ctx, memo) if holds else BOT
        else:
            found = resolve(unroll(term), ctx, memo)
        memo[term] = found
    return found


def _resolved_all(kids: tuple[Term, ...], ctx: Context, memo: dict[Term, Term]) -> list[Term]:
    out: list[Term] = []
    for kid in kids:
        done = resolve(kid, ctx, memo)
        if done is BOT:
            return [BOT]
        out.append(done)
    return out


class _Step:
    """One derivative, by the character ``code``, of terms in head normal form."""

    __slots__ = ("code", "ctx", "done", "resolved")

    def __init__(self, code: int) -> None:
        self.code = code
        self.ctx: Context = {}
        self.done: dict[Term, Term] = {}
        self.resolved: dict[Term, Term] = {}

    def next(self, term: Term) -> Term:
        op = term.op
        if op == PRED:
            return self.after(term.k) if self.code in term.chars else BOT
        if op <= EPS_:
            return TOP if term is TOP else BOT
        found = self.done.get(term)
        if found is not None:
            return found
        if op == OR:
            rests: list[Term] = []
            others: list[Term] = []
            for kid in term.kids:
                if kid.op == PRED:
                    if self.code in kid.chars:
                        rests.append(kid.k)
                else:
                    others.append(self.next(kid))
            found = or_([self.after(or_(rests)), *others])
        elif op == AND:
            found = and_(self._all(term.kids))
        else:
            found = not_(self.next(term.k))
        self.done[term] = found
        return found

    def _all(self, kids: tuple[Term, ...]) -> list[Term]:
        out: list[Term] = []
        for kid in kids:
            done = self.next(kid)
            if done is BOT:
                return [BOT]
            out.append(done)
        return out

    def after(self, rest: Term) -> Term:
        return resolve(rest, self.ctx, self.resolved)


# -- the trackers of ^, \\b and \\B ------------------------------------------------------------
ANY = re_chars(ALL)
AT_START = Tracker(EPS, frozenset())  # nothing read yet: ^
AFTER_WORD = Tracker(count(ANY, 0, None, pred(WORD, EPS)), frozenset())  # \b, \B
AFTER_LINE_END = Tracker(count(ANY, 0, None, pred(LINE_ENDS, EPS)), frozenset())  # (?m:^)
_AHEAD_WORD = pred(WORD, TOP)
_AHEAD_NO_WORD = or_([EPS, pred(~WORD, TOP)])


# -- automaton states ----------------------------------------------------------------------------
Trackers = tuple[tuple[Tracker, Term], ...]


class State:
    """A state of the (lazily built) deterministic automaton: a term in head normal form and
    the states of the trackers. ``null``: accepting."""

    __slots__ = ("__weakref__", "ctx", "null", "parts", "succ", "term")

    def __init__(self, term: Term, ctx: Trackers) -> None:
        self.term, self.ctx, self.null = term, ctx, term.null
        self.parts: Partition | None = None
        self.succ: list[State | None] = []

    def partition(self) -> Partition:
        if self.parts is None:
            heads: set[Chars] = set()
            _heads(self.term, heads)
            for _, tracked in self.ctx:
                _heads(tracked, heads)
            parts = partition(frozenset(heads))
            self.succ = [None] * len(parts.reps)
            self.parts = parts
        return self.parts

    def step(self, code: int) -> State:
        return self._follow(self.partition().find(code), code)

    def successors(self) -> Iterator[tuple[int, State]]:
        """``(character, next state)`` per block, most readable character first."""
        for block, code in enumerate(self.partition().reps):
            yield code, self._follow(block, code)

    def _follow(self, block: int, code: int) -> State:
        found = self.succ[block]
        if found is None:
            found = self.succ[block] = self._advance(code)
        return found

    def _advance(self, code: int) -> State:
        step = _Step(code)
        ctx: list[tuple[Tracker, Term]] = []
        for tracker, tracked in self.ctx:
            after = step.next(tracked)
            step.ctx[tracker] = after
            ctx.append((tracker, after))
        return state(step.next(self.term), tuple(ctx))


_STATES: _Table[State] = _Table()


def state(term: Term, ctx: Trackers) -> State:
    found = _STATES.get((term, ctx))
    return found if found is not None else _STATES.add((term, ctx), State(term, ctx))


def _heads(term: Term, out: set[Chars]) -> None:
    """The character sets of the first characters ``term`` may read."""
    stack, seen = [term], {term}
    while stack:
        one = stack.pop()
        if one.op == PRED:
            out.add(one.chars)
            continue
        for kid in one.kids if one.op in (OR, AND) else (one.k,) if one.op == NOT else ():
            if kid not in seen:
                seen.add(kid)
                stack.append(kid)
