"""Sound inclusion of JSON Schema languages: is every value valid under A valid under B?

``Checker.sub(a, b)`` returns ``None`` only when inclusion is *proved*; otherwise a ``Gap``
that says where and why the proof failed and can generate candidate values of ``a`` that
probably lie outside ``b``. The engine reports "incompatible" only when the real validator
confirms one of those candidates, and "undecided" otherwise: so a bug or a limit here can
cost precision, never soundness of a "compatible" verdict.

Recursion: pairs under examination are assumed included (coinduction). This is sound for
JSON documents, which are finite trees, because unguarded reference cycles are refused when
parsing. A pair that fails rolls back every result cached under its assumption.

``lenient`` implements the robustness principle: ``a`` is the writer, whose objects hold only
the properties they declare; ``b`` is the reader, which ignores properties it does not declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from typing import Any

from accord.compat.budget import tick
from accord.compat.canonical import json_type, key
from accord.compat.js import shapes
from accord.compat.js.flat import Flat, Group, flatten
from accord.compat.js.node import Node, canon_key, escape
from accord.compat.js.proof import Gap, Nodes, Skip, admits, fixed
from accord.compat.js.values import Sampler, prop_nodes
from accord.compat.js.witness import strip

ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")
_SIMPLE_KEYS = frozenset(
    {"type", "enum", "const", "title", "description", "$comment", "default", "examples"}
)
BUDGET = 50_000  # node-steps: ~25,000 steps between single nodes
ENUM_CHECK_LIMIT = 5_000


class Checker:
    """One inclusion question's state: memo, budget, samplers. Not thread-safe; cheap to make."""

    def __init__(self, lenient: bool, parent: Checker | None = None) -> None:
        self.lenient = lenient
        self.memo: dict[tuple[Any, ...], Gap | None] = {}
        self.apart: dict[tuple[Any, ...], bool] = {}
        self.log: list[tuple[Any, ...]] = []
        self.keep: list[tuple[Nodes, Nodes]] = []
        self.budget = BUDGET
        # A strict helper (for reader-vs-reader questions such as ``not``) shares the budget.
        self.parent = parent
        self.strict: Checker = Checker(False, self) if lenient else self
        self.sampler = Sampler(self.valid)
        self._types: dict[tuple[int, str], Node] = {}
        self._others: dict[int, tuple[Node, Node, Nodes]] = {}  # oneOf branch: owner, others

    # -- validation with the real validator ---------------------------------------------
    def valid(self, nodes: Nodes, value: Any) -> bool:
        """Value valid under every node (writer view)."""
        return all(n.doc.valid(n, value) for n in nodes)

    def reader_valid(self, nodes: Nodes, value: Any) -> bool:
        """Value accepted by a reader on ``nodes`` (stripped first when lenient)."""
        if self.lenient:
            value = strip(value, nodes)
        return self.valid(nodes, value)

    def outside(self, a: Nodes, b: Nodes, values: Iterable[Any]) -> Iterator[Any]:
        """Candidates valid under ``a`` and rejected by a reader on ``b``."""
        for value in islice(values, 48):
            if self.valid(a, value) and not self.reader_valid(b, value):
                yield value

    def values(self, a: Nodes) -> Iterator[Any]:
        """Sample values of ``a``."""
        return self.sampler.values(a)

    def type_node(self, like: Node, kind: str) -> Node:
        """A synthetic ``{"type": kind}`` node in ``like``'s document."""
        memo = (id(like.doc), kind)
        if memo not in self._types:
            self._types[memo] = Node(like.path, {"type": kind}, like.doc, types=frozenset({kind}))
        return self._types[memo]

    # -- the decision -------------------------------------------------------------------
    def spend(self, cost: int = 1) -> bool:
        """Count one step of ``cost`` (the nodes it weighs); False once the budget is spent."""
        owner = self.parent or self
        owner.budget -= cost
        return owner.budget >= 0

    def sub(self, a: Nodes, b: Nodes, skip: Skip = frozenset()) -> Gap | None:
        """``None`` when L(a) ⊆ L(b) is proved, else a ``Gap``."""
        if len(a) == 1 and len(b) == 1 and a[0].same_as(b[0]):
            return None
        memo_key = (canon_key(a), skip, canon_key(b))
        if memo_key in self.memo:
            return self.memo[memo_key]
        tick()
        # a step's cost grows with the conjunctions it merges (nested splits make them long)
        if not self.spend(len(a) + len(b)):
            return Gap("", "analysis budget exhausted", lambda: self.outside(a, b, self.values(a)))
        self.memo[memo_key] = None
        self.keep.append((a, b))  # memo keys are ids: keep the nodes alive
        mark = len(self.log)
        try:
            gap = self._sub(a, b, skip)
        except BaseException:
            # an abandoned proof (time budget, unmatchable pattern) leaves no assumption behind
            self._forget(mark)
            self.memo.pop(memo_key, None)
            raise
        if gap is not None:
            self._forget(mark)
        self.memo[memo_key] = gap
        self.log.append(memo_key)
        return gap

    def _forget(self, mark: int) -> None:
        """Drop the proofs cached since ``mark``: they may rest on a refuted assumption.
        Refutations stay: an assumption only ever helps a proof, so one that failed with it
        fails without it (and re-deriving them made nested failures exponential)."""
        for stale in self.log[mark:]:
            if self.memo.get(stale) is None:
                self.memo.pop(stale, None)
        del self.log[mark:]

    def _sub(self, a: Nodes, b: Nodes, skip: Skip) -> Gap | None:
        fa, fb = flatten(a, skip), flatten(b)
        if fa.never or fb.trivial:
            return None
        if fb.never:
            return self._gap(a, b, "no value is accepted any more")
        if fa.enum is not None:
            return self._enum(a, b, fa, fb)
        if fb.enum is not None:
            return self._finite(a, b, fa, fb)
        if fa.unsupported or fb.unsupported:
            word = (fa.unsupported or fb.unsupported)[0]
            return Gap("", f"{word} is not analysed", lambda: self.outside(a, b, self.values(a)))
        for owner, group, word in [(o, g, "anyOf") for o, g in fa.any_of] + [
            (o, g, "oneOf") for o, g in fa.one_of
        ]:
            split = skip | {(id(owner), word)}
            if word == "oneOf":
                for branch in group:  # a value of this branch is in none of the others
                    others = tuple(o for o in group if o is not branch)
                    self._others[id(branch)] = (branch, owner, others)
            for branch in group:
                gap = self.sub((*a, branch), b, split)
                if gap is not None:
                    return gap
            return None
        return shapes.core(self, a, b, fa, fb) or self._combinators(a, b, fa, fb, skip)

    def _enum(self, a: Nodes, b: Nodes, fa: Flat, fb: Flat) -> Gap | None:
        values = fa.enum.values if fa.enum is not None else ()
        if fb.enum is not None:
            keys = fb.enum.keys
            values = tuple(v for v in values if key(v) not in keys) + tuple(
                v for v in values if key(v) in keys
            )
            missing = sum(1 for v in values if key(v) not in keys)
        else:
            missing = 0
        simple = all(n.always is not None or _SIMPLE_KEYS.issuperset(n.raw) for n in fb.nodes)
        if not simple and len(values) > ENUM_CHECK_LIMIT:
            return Gap("", "enum too large to check value by value", fixed(list(values)))
        for index, value in enumerate(values):
            if (
                index < missing
                or not (
                    admits(fb.types, json_type(value)) if simple else self.reader_valid(b, value)
                )
            ) and self.valid(a, value):
                return Gap("", f"value {value!r} is no longer accepted", fixed([value]))
        return None

    def _finite(self, a: Nodes, b: Nodes, fa: Flat, fb: Flat) -> Gap | None:
        """The reader enumerates values: only a writer of nulls and booleans can fit."""
        assert fb.enum is not None
        if not fa.types <= {"null", "boolean"}:
            extra = ["accord", 0, 0.5, [], {}]
            return Gap(
                "",
                "the reader accepts only enumerated values",
                lambda: self.outside(a, b, [*extra, *self.values(a)]),
            )
        values = [v for v in (None, True, False) if json_type(v) in fa.types]
        for value in values:
            if self.valid(a, value) and not self.reader_valid(b, value):
                return Gap("", f"value {value!r} is not accepted", fixed([value]))
        return None

    def _excluded(self, a: Nodes, skip: Skip) -> Nodes:
        """Writer schemas no value of ``a`` is valid under: the other branches of each
        writer ``oneOf`` that ``a`` was split from (exactly one branch holds)."""
        if self.lenient or not skip:
            return ()  # a lenient reader sees the value stripped, not as written
        split = {owner for owner, word in skip if word == "oneOf"}
        out: list[Node] = []
        for node in a:
            known = self._others.get(id(node))
            if known is not None and known[0] is node and id(known[1]) in split:
                out.extend(known[2])
        return tuple(out)

    def _combinators(self, a: Nodes, b: Nodes, fa: Flat, fb: Flat, skip: Skip) -> Gap | None:
        for owner, group in fb.any_of:
            if not self._covered(a, fa, group, one=False):
                return self._gap(a, (owner,), "anyOf: no branch accepts every value")
        excluded = self._excluded(a, skip) if fb.one_of else ()
        for owner, group in fb.one_of:
            if not self._covered(a, fa, group, one=True, excluded=excluded):
                # values in two branches at once are the likeliest witnesses
                probes = [(*a, x, y) for i, x in enumerate(group) for y in group[i + 1 :]]
                reason = "oneOf: not provably exactly one branch"
                return Gap("", reason, partial(self.outside, a, (owner,), _chain(self, probes, a)))
        for negated in fb.nots:
            if not self.disjoint(a, (negated,)) and not any(
                self.strict.sub((negated,), (x,)) is None for x in fa.nots
            ):
                return self._gap(a, b, "not: values may match the negated schema")
        for cond in fb.conds:
            if not self._cond(a, fa, cond):
                test = cond[0]
                probes = [(*a, test, *(t for _, t, _ in fa.conds if t is not None)), (*a, test)]
                probes += [(*a, e) for _, _, e in fa.conds if e is not None]
                reason = "if/then/else: branches not provably satisfied"
                return Gap("", reason, partial(self.outside, a, b, _chain(self, probes, a)))
        for name, schema in fb.dep_schemas:
            if not self._dep_schema(a, fa, name, schema):
                value = self.sampler.first(prop_nodes(fa, name))
                own = tuple(s for n, s in fa.dep_schemas if n == name)
                bases = [self.sampler.base_object(flatten((*a, *own)), 1)]
                bases += islice(self.values(a), 4)
                objs = [{**base, name: value} for base in bases if isinstance(base, dict)]
                reason = f"dependent schema for {name!r} not provably satisfied"
                cands = partial(self.outside, a, b, objs)
                return Gap(f"/{escape(name)}", reason, cands)
        return None

    def _gap(self, a: Nodes, b: Nodes, reason: str) -> Gap:
        return Gap("", reason, lambda: self.outside(a, b, self.values(a)))

    def _covered(self, a: Nodes, fa: Flat, group: Group, one: bool, excluded: Nodes = ()) -> bool:
        def alone(part: Nodes, other: Node) -> bool:
            # no value of ``part`` is also valid under ``other``: provably disjoint, or
            # ``other`` lies inside a writer branch the value is known not to be in
            return self.disjoint(part, (other,)) or any(
                self.strict.sub((other,), (w,)) is None for w in excluded
            )

        def fits(part: Nodes) -> bool:
            apart = 0
            for i, branch in enumerate(group):
                if len(group) > 1 and self.disjoint(part, (branch,)):
                    apart += 1
                    continue  # cheap, memoised: a discriminated union has one candidate
                if self.sub(part, (branch,)) is None and (
                    not one or all(alone(part, o) for j, o in enumerate(group) if j != i)
                ):
                    return True
            # apart from every branch: only a part with no value at all fits (closed
            # objects that exclude each other, say)
            return apart == len(group) and _empty(part)

        if fits(a):
            return True
        kinds = [t for t in ORDER if admits(fa.types, t)]
        return len(kinds) > 1 and all(fits((*a, self.type_node(a[0], t))) for t in kinds)

    def _cond(self, a: Nodes, fa: Flat, cond: tuple[Node, Node | None, Node | None]) -> bool:
        test, then, other = cond
        then_ok = then is None or self.sub(a, (then,)) is None
        else_ok = other is None or self.sub(a, (other,)) is None
        if then_ok and (else_ok or self.sub(a, (test,)) is None):
            return True
        if else_ok and self.disjoint(a, (test,)):
            return True
        for test_a, then_a, else_a in fa.conds:
            if test_a.same_as(test):
                with_then = (*a, then_a) if then_a is not None else a
                with_else = (*a, else_a) if else_a is not None else a
                if (then is None or self.sub(with_then, (then,)) is None) and (
                    other is None or self.sub(with_else, (other,)) is None
                ):
                    return True
        return False

    def _dep_schema(self, a: Nodes, fa: Flat, name: str, schema: Node) -> bool:
        if self.sub(a, (schema,)) is None:
            return True
        if shapes.cannot_have(self, fa, name):
            return True
        return any(n == name and self.sub((*a, s), (schema,)) is None for n, s in fa.dep_schemas)

    def disjoint(self, a: Nodes, y: Nodes, depth: int = 0, skip: Skip = frozenset()) -> bool:
        """Proof that no value is valid under both ``a`` and ``y`` (False: unknown)."""
        memo_key = (canon_key(a), canon_key(y), skip, depth)
        known = self.apart.get(memo_key)
        if known is None:
            tick()
            # nested anyOf splits multiply: memoised, and on the shared step budget
            known = self.apart[memo_key] = (not depth or self.spend()) and self._disjoint(
                a, y, depth, skip
            )
        return known

    def _disjoint(self, a: Nodes, y: Nodes, depth: int, skip: Skip) -> bool:
        fa, fy = flatten(a), flatten(y, skip)
        if fa.never or fy.never:
            return True
        common = {t for t in ORDER if admits(fa.types, t) and admits(fy.types, t)}
        if not common:
            return True
        for one, other in ((fa, y), (fy, a)):
            if one.enum is not None and len(one.enum.values) <= 1000:
                return not any(self.valid(other, v) for v in one.enum.values)
        if common <= {"integer", "number"} and (_apart(fa, fy) or _apart(fy, fa)):
            return True
        if depth >= 8:
            return False
        if fy.any_of:
            owner, group = fy.any_of[0]
            split = skip | {(id(owner), "anyOf")}
            return all(self.disjoint(a, (*y, br), depth + 1, split) for br in group)
        if common == {"object"}:
            # one side requires a property the other forbids (closed objects, `false`)
            for need, forbids in ((fa, fy), (fy, fa)):
                for name in need.required:
                    if any(n.always is False for n in prop_nodes(forbids, name)):
                        return True
            for name in fa.required & fy.required:
                pa, py = prop_nodes(fa, name), prop_nodes(fy, name)
                if pa and py and self.disjoint(pa, py, depth + 1):
                    return True
        return False


def _apart(low: Flat, high: Flat) -> bool:
    """Every number of ``low`` lies below every number of ``high``."""
    top, bottom = low.upper, high.lower
    if top is None or bottom is None:
        return False
    return top.value < bottom.value or (
        top.value == bottom.value and (top.exclusive or bottom.exclusive)
    )


def _empty(part: Nodes) -> bool:
    """A cheap proof that no value is valid under the conjunction ``part`` (which has some
    type left: ``_sub`` answered the rest): objects only, and a property one conjunct
    requires is one another forbids."""
    flat = flatten(part)
    if any(admits(flat.types, t) for t in ORDER if t != "object"):
        return False
    return any(any(n.always is False for n in prop_nodes(flat, name)) for name in flat.required)


def _chain(ck: Checker, groups: list[Nodes], a: Nodes) -> Iterator[Any]:
    for group in groups:
        yield from islice(ck.values(group), 8)
    yield from ck.values(a)


# ``Gap``, ``Nodes``, ``Skip`` and ``fixed`` live in ``proof`` (below ``shapes``); kept here too.
__all__ = ["BUDGET", "ENUM_CHECK_LIMIT", "ORDER", "Checker", "Gap", "Nodes", "Skip", "fixed"]
