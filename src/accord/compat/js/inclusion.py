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

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain, islice
from typing import Any

from accord.compat.budget import tick
from accord.compat.canonical import json_type, key
from accord.compat.js import patterns, shapes, stripping
from accord.compat.js.flat import Flat, Group, flatten
from accord.compat.js.node import Node, canon_key, escape
from accord.compat.js.proof import Gap, Nodes, Skip, admits, fixed
from accord.compat.js.values import Sampler, prop_nodes
from accord.compat.js.witness import strip

ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")
_SIMPLE_KEYS = frozenset(
    {"type", "enum", "const", "title", "description", "$comment", "default", "examples"}
)
# identifiers and containers: no constraint on the value; a resolved ``$ref``'s target is
# in the flattened conjunction itself
_NAMING_KEYS = frozenset({"$ref", "$id", "id", "$anchor", "$schema", "definitions", "$defs"})
BUDGET = 50_000  # node-steps: ~25,000 steps between single nodes
ENUM_CHECK_LIMIT = 5_000


class SearchSpent(Exception):
    """The witness search made every validation it was allowed (``Checker.checks``)."""


class Checker:
    """One inclusion question's state: memo, budget, samplers. Not thread-safe; cheap to make."""

    def __init__(self, lenient: bool, parent: Checker | None = None) -> None:
        self.lenient = lenient
        self.memo: dict[tuple[Any, ...], Gap | None] = {}
        self.apart: dict[tuple[Any, ...], bool] = {}
        self.log: list[tuple[Any, ...]] = []
        self.keep: list[tuple[Nodes, Nodes, Nodes]] = []
        self.budget = BUDGET
        # A strict helper (for reader-vs-reader questions such as ``not``) shares the budget.
        self.parent = parent
        self.strict: Checker = Checker(False, self) if lenient else self
        self.sampler = Sampler(self.valid)
        # validations left to a witness search (None: unlimited, as during a proof); its
        # candidates nest, and most die at the real validator
        self.checks: int | None = None
        self._types: dict[tuple[int, str], Node] = {}
        self._kinds: dict[tuple[int, frozenset[str]], Node] = {}
        self._others: dict[int, tuple[Node, Node, Nodes]] = {}  # oneOf branch: owner, others
        self._stripped: stripping.Cache = {}  # lenient: what stripping provably leaves alone

    def restart(self) -> None:
        """A new question on this checker: a full step budget, and a proof, not a search
        (its memo stays: what it proved or refuted still holds)."""
        self.budget = BUDGET
        self.checks = None

    # -- validation with the real validator ---------------------------------------------
    def valid(self, nodes: Nodes, value: Any) -> bool:
        """Value valid under every node (writer view)."""
        if self.checks is not None:
            self.checks -= 1
            if self.checks < 0:
                raise SearchSpent
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

    def sub(self, a: Nodes, b: Nodes, skip: Skip = frozenset(), seen_by: Nodes = ()) -> Gap | None:
        """``None`` when L(a) ⊆ L(b) is proved, else a ``Gap``. ``seen_by``: when ``b`` is
        part of a reader at the same level of the value (a branch of its union, a
        conditional's branch), that reader: a lenient one strips the value by what it
        declares, not by what ``b`` alone does (see ``_alike``)."""
        if len(a) == 1 and len(b) == 1 and a[0].same_as(b[0]):
            return None
        memo_key = (canon_key(a), skip, canon_key(b), canon_key(seen_by))
        if memo_key in self.memo:
            return self.memo[memo_key]
        tick()
        # a step's cost grows with the conjunctions it merges (nested splits make them long)
        if not self.spend(len(a) + len(b)):
            return Gap("", "analysis budget exhausted", lambda: self.outside(a, b, self.values(a)))
        self.memo[memo_key] = None
        self.keep.append((a, b, seen_by))  # memo keys are ids: keep the nodes alive
        mark = len(self.log)
        try:
            gap = self._sub(a, b, skip, seen_by)
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

    def _sub(self, a: Nodes, b: Nodes, skip: Skip, seen_by: Nodes) -> Gap | None:
        fa, fb = flatten(a, skip), flatten(b)
        if fa.never or fb.trivial:
            return None
        if fb.never:
            return self._gap(a, b, "no value is accepted any more")
        if fa.enum is not None:
            return self._enum(a, b, fa, fb)
        if fb.enum is not None and not (fa.any_of or fa.one_of):
            return self._finite(a, b, fa, fb)  # (a writer union: branch by branch first)
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
            for index, branch in enumerate(group):
                gap = self.sub((*a, branch), b, split, seen_by)
                if gap is not None and word == "oneOf":
                    later = [(*a, other) for other in group[index + 1 :]]
                    return Gap(gap.path, gap.reason, partial(self._also, gap, later, b, split))
                if gap is not None:  # an anyOf branch's values are the writer's own
                    return gap
            return None
        left = self._kinds_left(a, fa, skip)
        if left is not None:  # the writer's other oneOf branches rule out some types
            return self.sub((*a, self._kinds_node(a[0], left)), b, skip, seen_by) if left else None
        return shapes.core(self, a, b, fa, fb) or self._combinators(a, b, fa, fb, skip, seen_by)

    def _also(self, first: Gap, parts: list[Nodes], b: Nodes, skip: Skip) -> Iterator[Any]:
        """A failed writer branch's candidates, then those of the later branches that fail
        too, decided only if drawn: a branch's candidates may all be impossible for the
        whole writer (a ``oneOf`` sibling holds for them too) where another's are not."""
        mine = first.cands()
        yield from islice(mine, 4)
        streams: list[Iterator[Any]] = []
        for part in parts:  # one candidate of each branch first: many branches may fail
            gap = self.sub(part, b, skip)
            if gap is not None:
                streams.append(gap.cands())
                yield from islice(streams[-1], 1)
        for stream in streams:
            yield from islice(stream, 3)
        yield from mine

    def _kinds_left(self, a: Nodes, fa: Flat, skip: Skip) -> frozenset[str] | None:
        """The JSON types a value of ``a`` may still have when another branch of a writer
        ``oneOf`` it was split from accepts every value of some type (such a value would
        hold in two branches); None when that rules nothing out."""
        excluded = self._excluded(a, skip)
        if not excluded:
            return None
        kinds = [t for t in ORDER if admits(fa.types, t)]
        out = {t for t in kinds if not self._ruled_out(a[0], t, excluded)}
        if "number" in out:
            out.add("integer")  # a type list cannot say "numbers but not integers"
        # strictly fewer types, or the narrowed question would be this one again (and be
        # "proved" by its own coinductive assumption)
        return frozenset(out) if len(out) < len(kinds) else None

    def _kinds_node(self, like: Node, kinds: frozenset[str]) -> Node:
        """A synthetic ``{"type": [...kinds]}`` node in ``like``'s document (memoised: memo
        keys are node ids)."""
        memo = (id(like.doc), kinds)
        if memo not in self._kinds:
            raw = {"type": [t for t in ORDER if t in kinds]}
            self._kinds[memo] = Node(like.path, raw, like.doc, types=kinds)
        return self._kinds[memo]

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
        simple = all(n.always is not None or _simple(n) for n in fb.nodes)
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
        """Writer schemas no value of ``a`` is valid under, as written: the other branches
        of each writer ``oneOf`` that ``a`` was split from (exactly one branch holds)."""
        if not skip:
            return ()
        split = {owner for owner, word in skip if word == "oneOf"}
        out: list[Node] = []
        for node in a:
            known = self._others.get(id(node))
            if known is not None and known[0] is node and id(known[1]) in split:
                out.extend(known[2])
        return tuple(out)

    def _combinators(
        self, a: Nodes, b: Nodes, fa: Flat, fb: Flat, skip: Skip, seen_by: Nodes
    ) -> Gap | None:
        found: list[Gap] = []
        reader = seen_by or b  # what a lenient reader strips the value by
        fr = flatten(reader) if seen_by else fb
        excluded = self._excluded(a, skip) if fb.one_of or fb.any_of else ()
        if self.lenient and excluded:
            # the reader sees the value stripped: only what stripping cannot change holds
            # (each branch first: the whole writer is the longer question)
            kept = tuple(w for w in excluded if stripping.stable(w, fa, fr, self._stripped))
            if kept != excluded and not stripping.unchanged(a, reader, skip, self._stripped):
                excluded = kept
        alike = partial(self._alike, a, reader, fa, fr, skip, False)
        apart = partial(self._alike, a, reader, fa, fr, skip, True)
        for owner, group in fb.any_of:
            if not self._covered(a, fa, group, False, found, skip, excluded, apart, reader):
                values: Iterator[Any] = chain(
                    _strings_outside(fa, group), _failed(found, self.values(a))
                )
                reason = "anyOf: no branch accepts every value"
                return Gap("", reason, partial(self.outside, a, (owner,), values))
        for owner, group in fb.one_of:
            if not self._covered(a, fa, group, True, found, skip, excluded, apart, reader):
                # values in two branches at once, or in no branch, are the likeliest witnesses
                probes = [(*a, x, y) for i, x in enumerate(group) for y in group[i + 1 :]]
                values = chain(_strings_outside(fa, group), _failed(found, _chain(self, probes, a)))
                reason = "oneOf: not provably exactly one branch"
                return Gap("", reason, partial(self.outside, a, (owner,), values))
        for negated in fb.nots:
            avoided = self.disjoint(a, (negated,)) or any(
                self.strict.sub((negated,), (x,)) is None for x in fa.nots
            )  # by the values as written
            if not (avoided and apart(negated)):
                return self._gap(a, b, "not: values may match the negated schema")
        for cond in fb.conds:
            if not self._cond(a, fa, cond, found, (alike, apart), reader):
                test = cond[0]
                probes = [(*a, test, *(t for _, t, _ in fa.conds if t is not None)), (*a, test)]
                probes += [(*a, e) for _, _, e in fa.conds if e is not None]
                values = _vary(fa, test, _failed(found, _chain(self, probes, a)))
                reason = "if/then/else: branches not provably satisfied"
                return Gap("", reason, partial(self.outside, a, b, values))
        for name, schema in fb.dep_schemas:
            if not self._dep_schema(a, fa, name, schema, reader):
                value = self.sampler.first(prop_nodes(fa, name))
                own = tuple(s for n, s in fa.dep_schemas if n == name)
                bases = [self.sampler.base_object(flatten((*a, *own)), 1)]
                bases += islice(self.values(a), 4)
                objs = [{**base, name: value} for base in bases if isinstance(base, dict)]
                reason = f"dependent schema for {name!r} not provably satisfied"
                cands = partial(self.outside, a, b, objs)
                return Gap(f"/{escape(name)}", reason, cands)
        return None

    def _alike(
        self, a: Nodes, b: Nodes, fa: Flat, fb: Flat, skip: Skip, disjoint: bool, node: Node
    ) -> bool:
        """What is known of the writer ``a``'s values as written about the reader's
        sub-schema ``node`` (``disjoint``: that none is valid under it; otherwise which
        branch of a conditional each takes) holds of them as the reader ``b`` sees them:
        always in the strict content model; under lenient, where names alone keep them
        apart, stripping cannot change ``node``'s verdict, or it strips nothing from any
        value of ``a`` (``stripping``). A lenient reader's ``not: {enum: [{a: 1}]}``
        rejects the writer's ``{a: 1, b: 2}``: it sees ``{a: 1}``."""
        return (
            not self.lenient
            or (disjoint and (stripping.apart(node, fa, fb) or self._told_apart(fa, fb, node)))
            or stripping.stable(node, fa, fb, self._stripped)
            or stripping.unchanged(a, b, skip, self._stripped)
        )

    def _told_apart(self, fa: Flat, fr: Flat, node: Node) -> bool:
        """Every writer value holds a property the lenient reader ``fr`` keeps, whose value
        is a scalar (stripping leaves it as written) that ``node`` requires to be another:
        a discriminator such as ``version: {const: "2.1.0"}`` against ``"1.0.0"``."""
        fo = flatten((node,))
        if fa.types & fo.types - {"object"}:
            return False  # values of another type: the property says nothing of them
        for name in fa.required:
            theirs = prop_nodes(fo, name)
            if not theirs or not stripping.keeps(fr, name):
                continue
            mine = prop_nodes(fa, name)
            if not flatten(mine).types & {"object", "array"} and self.disjoint(mine, theirs):
                return True
        return False

    def _gap(self, a: Nodes, b: Nodes, reason: str) -> Gap:
        return Gap("", reason, lambda: self.outside(a, b, self.values(a)))

    def _covered(
        self,
        a: Nodes,
        fa: Flat,
        group: Group,
        one: bool,
        found: list[Gap],
        skip: Skip,
        excluded: Nodes,
        apart: Callable[[Node], bool],
        reader: Nodes,
    ) -> bool:
        """Every value of ``a`` is in a branch of ``group`` (``one``: in exactly one). The
        gaps of failed branch inclusions go to ``found``: their candidates lie outside that
        branch, the likeliest witnesses outside the group. ``skip``: the writer disjunctions
        ``a`` was split from (its branch is in ``a``; splitting them again only mixes
        branches)."""

        def alone(part: Nodes, other: Node) -> bool:
            # no value of ``part`` is also valid under ``other``: provably disjoint, or
            # ``other`` lies inside a writer branch the value is known not to be in
            if self.disjoint(part, (other,)) and apart(other):  # and as the reader sees it
                return True
            for w in excluded:
                if self.disjoint((other,), (w,)):
                    continue
                wider = self.strict.sub((other,), (w,))
                if wider is None:
                    return True
                # values of ``other`` outside that writer branch, laid over values of
                # ``part``: likely valid in two reader branches at once
                found.insert(0, Gap(wider.path, wider.reason, partial(self._over, part, wider)))
            return False

        def fits(part: Nodes) -> bool:
            outside = 0
            for i, branch in enumerate(group):
                if len(group) > 1 and self.disjoint(part, (branch,)):
                    outside += 1
                    continue  # cheap, memoised: a discriminated union has one candidate
                gap = self.sub(part, (branch,), skip, reader)
                if gap is None and (
                    not one or all(alone(part, o) for j, o in enumerate(group) if j != i)
                ):
                    return True
                if gap is not None:
                    found.append(gap)
            # apart from every branch: only a part with no value at all fits (closed
            # objects that exclude each other, say)
            return outside == len(group) and _empty(part)

        if fits(a):
            return True
        kinds = [t for t in ORDER if admits(fa.types, t)]
        return len(kinds) > 1 and all(fits((*a, self.type_node(a[0], t))) for t in kinds)

    def _over(self, part: Nodes, wider: Gap) -> Iterator[Any]:
        """Each candidate of ``wider`` laid over sample objects of ``part``."""
        bases = [base for base in islice(self.values(part), 4) if isinstance(base, dict)]
        for cand in islice(wider.cands(), 4):
            yield from ({**base, **cand} for base in bases if isinstance(cand, dict))

    def _ruled_out(self, like: Node, kind: str, excluded: Nodes) -> bool:
        """No writer value of type ``kind`` is left: another branch of the writer ``oneOf``
        it was split from accepts every value of that type, so such values hold in two."""
        return any(self.strict.sub((self.type_node(like, kind),), (w,)) is None for w in excluded)

    def _cond(
        self,
        a: Nodes,
        fa: Flat,
        cond: tuple[Node, Node | None, Node | None],
        found: list[Gap],
        carried: tuple[Callable[[Node], bool], Callable[[Node], bool]],
        reader: Nodes,
    ) -> bool:
        """Every value of ``a`` passes the conditional ``cond``. The gaps of a failed
        ``then``/``else`` inclusion go to ``found``: their candidates may take that branch."""
        test, then, other = cond
        then_gap = None if then is None else self.sub(a, (then,), seen_by=reader)
        else_gap = None if other is None else self.sub(a, (other,), seen_by=reader)
        found.extend(gap for gap in (then_gap, else_gap) if gap is not None)
        then_ok, else_ok = then_gap is None, else_gap is None
        if then_ok and (else_ok or self.sub(a, (test,), seen_by=reader) is None):
            return True
        alike, apart = carried  # see ``_alike``
        if else_ok and self.disjoint(a, (test,)) and apart(test):
            return True
        # a writer value takes its own conditional's branch as written, the reader's as seen
        for test_a, then_a, else_a in fa.conds if alike(test) else ():
            if test_a.same_as(test):
                with_then = (*a, then_a) if then_a is not None else a
                with_else = (*a, else_a) if else_a is not None else a
                gaps = [
                    self.sub(with_then, (then,), seen_by=reader) if then is not None else None,
                    self.sub(with_else, (other,), seen_by=reader) if other is not None else None,
                ]
                if gaps == [None, None]:
                    return True
                # the writer's own branch failed: its candidates take that branch first
                found[:0] = [gap for gap in gaps if gap is not None]
        return False

    def _dep_schema(self, a: Nodes, fa: Flat, name: str, schema: Node, reader: Nodes) -> bool:
        if self.sub(a, (schema,), seen_by=reader) is None:
            return True
        if shapes.cannot_have(self, fa, name):
            return True
        return any(
            n == name and self.sub((*a, s), (schema,), seen_by=reader) is None
            for n, s in fa.dep_schemas
        )

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
        for one, other, nodes in ((fa, fy, y), (fy, fa, a)):
            if one.enum is not None and len(one.enum.values) <= 1000:
                if all(n.always is not None or _simple(n) for n in other.nodes):
                    return not any(_admitted(other, v) for v in one.enum.values)
                return not any(self.valid(nodes, v) for v in one.enum.values)
        if all(_scalars_apart(t, fa, fy) for t in common):
            return True
        if depth >= 8:
            return False
        if fy.any_of:
            owner, group = fy.any_of[0]
            split = skip | {(id(owner), "anyOf")}
            return all(self.disjoint(a, (*y, br), depth + 1, split) for br in group)
        return all(
            _scalars_apart(t, fa, fy) or (t == "object" and self._objects_apart(fa, fy, depth))
            for t in common
        )

    def _objects_apart(self, fa: Flat, fy: Flat, depth: int) -> bool:
        """No object is valid under both: one side requires a property the other forbids
        (closed objects, `false`), or a property one side requires has values the other
        side's schemas for it exclude (a value in both holds it, so it meets both)."""
        for need, forbids in ((fa, fy), (fy, fa)):
            for name in need.required:
                if any(n.always is False for n in prop_nodes(forbids, name)):
                    return True
        for name in sorted(fa.required | fy.required):
            pa, py = prop_nodes(fa, name), prop_nodes(fy, name)
            if pa and py and self.disjoint(pa, py, depth + 1):
                return True
        return False


def _simple(node: Node) -> bool:
    """The node constrains a value by its type and enumeration only (checked on the
    flattened conjunction, without the real validator)."""
    naming = _NAMING_KEYS if node.ref is not None else _NAMING_KEYS - {"$ref"}
    return _SIMPLE_KEYS.issuperset(k for k in node.raw if k not in naming)


def _admitted(flat: Flat, value: Any) -> bool:
    """``value`` is valid under ``flat``, whose nodes are all ``_simple``."""
    return admits(flat.types, json_type(value)) and (
        flat.enum is None or key(value) in flat.enum.keys
    )


def _apart(low: Flat, high: Flat) -> bool:
    """Every number of ``low`` lies below every number of ``high``."""
    top, bottom = low.upper, high.lower
    if top is None or bottom is None:
        return False
    return top.value < bottom.value or (
        top.value == bottom.value and (top.exclusive or bottom.exclusive)
    )


def _scalars_apart(kind: str, fa: Flat, fy: Flat) -> bool:
    """No value of JSON type ``kind`` is valid under both (numbers: ranges; strings:
    lengths or patterns). False for the other types: unknown here."""
    if kind in ("integer", "number"):
        return _apart(fa, fy) or _apart(fy, fa)
    if kind != "string":
        return False
    return (
        (fa.max_length is not None and fa.max_length < fy.min_length)
        or (fy.max_length is not None and fy.max_length < fa.min_length)
        or patterns.apart(fa.patterns, fy.patterns)
    )


def _empty(part: Nodes) -> bool:
    """A cheap proof that no value is valid under the conjunction ``part`` (which has some
    type left: ``_sub`` answered the rest): objects only, and a property one conjunct
    requires is one another forbids."""
    flat = flatten(part)
    if any(admits(flat.types, t) for t in ORDER if t != "object"):
        return False
    return any(any(n.always is False for n in prop_nodes(flat, name)) for name in flat.required)


def _strings_outside(fa: Flat, group: Group) -> Iterator[str]:
    """A string of the writer that no branch's string constraints accept (decided on
    automata over their union: ``enum`` + ``pattern`` branches each cover part of the
    strings, so no one branch accepts the writer's whole pattern)."""
    if not admits(fa.types, "string"):
        return
    sides = []
    for branch in group:
        flat = flatten((branch,))
        if admits(flat.types, "string"):
            enum = (
                None if flat.enum is None else [v for v in flat.enum.values if isinstance(v, str)]
            )
            sides.append((flat.patterns, (flat.min_length, flat.max_length), enum))
    mine = None if fa.enum is None else [v for v in fa.enum.values if isinstance(v, str)]
    found = patterns.outside_union((fa.patterns, (fa.min_length, fa.max_length), mine), sides)
    if found is not None:
        yield found


def _failed(found: list[Gap], then: Iterator[Any]) -> Iterator[Any]:
    """The candidates of the first failed branch inclusions, then ``then``."""
    for gap in found[:3]:
        yield from islice(gap.cands(), 8)
    yield from then


def _vary(fa: Flat, test: Node, values: Iterator[Any]) -> Iterator[Any]:
    """Each candidate, then copies of it with a property the condition ``test`` reads set
    to the writer's other enumerated values: a witness must take the branch that failed,
    and a candidate built from the writer's first values may take the other one."""
    names = dict.fromkeys(n for part in flatten((test,)).obj_parts for n in part.props)
    enums = {n: flatten(prop_nodes(fa, n)).enum for n in names}
    choices = [(n, e.values[:4]) for n, e in enums.items() if e is not None]
    for value in values:
        yield value
        if isinstance(value, dict):
            yield from (
                {**value, n: v} for n, vs in choices if n in value for v in vs if v != value[n]
            )


def _chain(ck: Checker, groups: list[Nodes], a: Nodes) -> Iterator[Any]:
    for group in groups:
        yield from islice(ck.values(group), 8)
    yield from ck.values(a)


# ``Gap``, ``Nodes``, ``Skip`` and ``fixed`` live in ``proof`` (below ``shapes``); kept here too.
__all__ = [
    "BUDGET",
    "ENUM_CHECK_LIMIT",
    "ORDER",
    "Checker",
    "Gap",
    "Nodes",
    "SearchSpent",
    "Skip",
    "fixed",
]
