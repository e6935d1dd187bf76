"""Per-type inclusion rules (numbers, strings, arrays, objects) used by ``Checker``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction
from functools import partial
from itertools import chain, islice
from typing import Any

from accord.compat.canonical import key
from accord.compat.js import stripping
from accord.compat.js.flat import ArrPart, Flat, ObjPart, flatten
from accord.compat.js.node import Bound, Node
from accord.compat.js.objects import objects as _objects
from accord.compat.js.patterns import implied, lengths_implied
from accord.compat.js.proof import Gap, Nodes, Prover
from accord.compat.js.proof import admits as _admits
from accord.compat.js.proof import gap as _gap
from accord.compat.js.regex_incl import included
from accord.compat.js.regex_sample import equivalent
from accord.compat.js.regex_sample import samples as regex_samples
from accord.compat.js.values import (
    EXTRA_NAME,
    LARGEST,
    computed,
    item_nodes,
    prop_nodes,
    sizes,
    whole,
)

_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")
_TRUE_RAW: dict[str, Any] = {}


def core(ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat) -> Gap | None:
    """Type-by-type comparison of two flattened conjunctions."""
    for kind in _ORDER:
        if kind not in fa.types:
            continue
        integral = kind == "integer" or any(m.denominator == 1 for m in fa.mults)
        if not _admits(fb.types, kind) and not (
            kind == "number" and "integer" in fb.types and integral
        ):
            probe = ck.type_node(a[0], kind)
            return _gap(
                ck, "", f"the reader does not accept type {kind}", a, b, ck.values((*a, probe))
            )
        gap = _RULES.get(kind, _none)(ck, a, b, fa, fb, integral)
        if gap is not None:
            return gap
    return None


def _none(ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat, integral: bool) -> Gap | None:
    return None


# -- numbers ------------------------------------------------------------------------------
def _low_ok(a: Bound | None, b: Bound | None, integral: bool) -> bool:
    if b is None:
        return True
    if a is None:
        return False
    value: float | int = a.value
    exclusive = a.exclusive
    if integral:
        value = math.floor(value) + 1 if exclusive and whole(value) else math.ceil(value)
        exclusive = False
    return value > b.value or (value == b.value and (exclusive or not b.exclusive))


def _flip(bound: Bound | None) -> Bound | None:
    return None if bound is None else Bound(-bound.value, bound.exclusive)


def _numbers(ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat, integral: bool) -> Gap | None:
    probes: list[Any] = []
    reason = ""
    if not _low_ok(fa.lower, fb.lower, integral):
        reason = "lower bound raised"
        assert fb.lower is not None
        low = fb.lower.value
        probes += _computed(lambda: low, lambda: low - 1, lambda: low - 0.5)
    if not _low_ok(_flip(fa.upper), _flip(fb.upper), integral):
        reason = "upper bound lowered"
        assert fb.upper is not None
        high = fb.upper.value
        probes += _computed(lambda: high, lambda: high + 1, lambda: high + 0.5)
    for mult in fb.mults:
        if not any((m / mult).denominator == 1 for m in fa.mults) and not (
            integral and (1 / mult).denominator == 1
        ):
            reason = f"multipleOf {mult} not implied"
            probes += _multiples(fa, mult)
    if not reason:
        return None
    if integral:
        probes = [int(p) for p in probes if whole(p)]
    return _gap(ck, "", reason, a, b, iter(probes))


def _multiples(fa: Flat, mult: Fraction) -> list[Any]:
    base = fa.mults[0] if fa.mults else Fraction(1, 2)
    start = fa.lower.value if fa.lower is not None else 0
    first = math.ceil(Fraction(start) / base) * base
    out: list[Any] = []
    for k in range(12):
        value = first + k * base
        if (value / mult).denominator != 1:
            out += _computed(partial(_plain, value))
    return [*out, 1, 0.5, *_computed(lambda: float(mult / 2), lambda: float(mult / 3)), 0.1, 0.3]


def _plain(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _computed(*makers: Callable[[], Any]) -> list[Any]:
    """What each of ``makers`` computes, but for those overflowing a double (`computed`)."""
    return [value for make in makers if (value := computed(make)) is not None]


# -- strings ------------------------------------------------------------------------------
def _strings(ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat, integral: bool) -> Gap | None:
    lengths: list[int] = []
    reason = ""
    if fb.min_length > fa.min_length:
        reason = "minLength raised"
        lengths += sizes(fa.min_length, fb.min_length)
    if fb.max_length is not None and (fa.max_length is None or fa.max_length > fb.max_length):
        reason = "maxLength lowered"
        lengths += sizes(fb.max_length + 1, fb.max_length + 3)
    patterns: list[str] = []
    witnesses: list[str] = []
    if reason and fa.patterns:  # the writer's patterns may bound the length themselves
        have, need = (fa.min_length, fa.max_length), (fb.min_length, fb.max_length)
        proved, witness = lengths_implied(fa.patterns, have, need)
        if proved:
            reason, lengths = "", []
        witnesses += [witness] if witness is not None else []
    for p in fb.patterns:
        if p in ("", ".*", "^.*$"):
            continue
        proved, witness = implied(fa.patterns, p)
        if proved is None:  # not regular or too large: the structural test, else undecided
            proved = any(equivalent(q, p) or included(q, p) for q in fa.patterns)
        if not proved:
            patterns.append(p)
            witnesses += [witness] if witness is not None else []
    if patterns:
        reason = f"pattern {patterns[0]!r} is not implied" + (
            f" ({witnesses[0]!r} matches the writer's patterns, not it)"
            if witnesses
            else " (regex inclusion is not decided)"
        )
    formats = [f for f in fb.formats if f not in fa.formats] if a[0].doc.assert_formats else []
    if formats:
        reason = f"format {formats[0]!r} is not implied"
    if not reason:
        return None
    return _gap(ck, "", reason, a, b, chain(witnesses, _string_probes(fa, lengths)))


def _string_probes(fa: Flat, lengths: list[int]) -> Iterator[str]:
    for pattern in fa.patterns[:1]:
        for extra in (0, 1, 2, 4, 8, 16):
            yield from regex_samples(pattern, (extra,))
        for length in lengths:
            for text in regex_samples(pattern, tuple(range(max(0, length - 3), length + 1))):
                if len(text) == length:
                    yield text
    for length in lengths:
        yield "a" * length
        yield "0" * length
    yield from ("", "a", "0", " ", "A", "-", "aa", "a0", "not-a-format", "2020-01-01")


# -- arrays -------------------------------------------------------------------------------
def _arrays(ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat, integral: bool) -> Gap | None:
    fa, fb = _with_unevaluated(fa, a[0], writer=True), _with_unevaluated(fb, b[0], writer=False)
    a_max = _closed_length(fa)
    b_max = _closed_length(fb)
    span = max([len(p.prefix) for p in fa.arr_parts + fb.arr_parts] or [0])
    for index in range(span + 1):
        if a_max is not None and index >= a_max:
            break
        at_a = item_nodes(fa, index)
        if any(n.always is False for n in at_a):
            a_max = index
            break
        at_b = item_nodes(fb, index)
        if not at_b:
            continue
        gap = ck.sub(at_a or (_true(a[0]),), at_b)
        if gap is not None:
            length = max(index + 1, fa.min_items)
            if length + sum(max(least, 1) for _, least, _ in fa.contains) > LARGEST:
                # no array that long is built (`_put`): no candidates
                return Gap(f"/{index}{gap.path}", gap.reason, lambda: iter(()))
            return gap.under(str(index), partial(_put, ck, fa, length, index))
    probes: list[Any] = []
    reason = ""
    if fb.min_items > fa.min_items:
        reason = "minItems raised"
        probes += [ck.sampler.base_array(fa, n, 1) for n in sizes(fa.min_items, fb.min_items)]
    if b_max is not None and (a_max is None or a_max > b_max):
        reason = "maxItems lowered"
        probes += [ck.sampler.base_array(fa, n, 1) for n in sizes(b_max + 1, b_max + 2)]
        pool = {key(v): v for v in islice(ck.values(item_nodes(fa, 0)), 12)}
        probes.append(list(pool.values())[: b_max + 1])
    if fb.unique and not _unique_as_seen(ck, fa, fb) and (a_max is None or a_max >= 2):
        reason = "uniqueItems added"
        pair = ck.sampler.base_array(fa, min(max(2, fa.min_items), LARGEST), 1)
        probes.append([pair[0], pair[0], *pair[2:]])
        if ck.lenient:  # two items told apart only by a name the reader strips
            probes += _stripped_twins(ck, fa, fb, pair)
    reason = reason or _contains(ck, a, fa, fb, a_max, probes)
    if not reason:
        return None
    return _gap(ck, "", reason, a, b, iter(probes))


def _unique_as_seen(ck: Prover, fa: Flat, fb: Flat) -> bool:
    """The writer's items are distinct in the array the reader sees: as written, unless a
    lenient reader may strip them into equal ones (``[{"a": 1, "b": 1}, {"a": 1, "b": 2}]``
    is ``[{"a": 1}, {"a": 1}]`` to one declaring only ``a``): then only where the items are
    scalars or stripping provably drops nothing from them."""
    if not fa.unique or not ck.lenient:
        return fa.unique
    longest = max((len(p.prefix) for p in [*fa.arr_parts, *fb.arr_parts]), default=0)
    return all(
        not flatten(mine).types & {"object", "array"}
        or stripping.unchanged(mine, item_nodes(fb, i), frozenset())
        for i in range(longest + 1)
        for mine in [item_nodes(fa, i)]
    )


def _stripped_twins(ck: Prover, fa: Flat, fb: Flat, pair: list[Any]) -> Iterator[list[Any]]:
    """Arrays of two writer items equal but for a property the lenient reader's items do not
    keep, at their top or inside a kept object (SARIF's ``locations``: a dropped
    ``relativeTo`` two levels down): distinct as written, equal as seen."""
    first = pair[0]
    if not isinstance(first, dict):
        return
    mine, theirs = flatten(item_nodes(fa, 0)), flatten(item_nodes(fb, 0))
    for one, two in _twins(ck, mine, theirs, first, _TWIN_DEPTH):
        yield [one, two, *pair[2:]]


_TWIN_DEPTH = 3  # object levels searched below an item for a name the reader drops


def _twins(
    ck: Prover, mine: Flat, theirs: Flat, base: dict[str, Any], depth: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Two copies of ``base`` (an object of ``mine``) that differ only in a name the reader
    on ``theirs`` strips, here or ``depth`` levels below through names it keeps."""
    names = [n for p in mine.obj_parts for n in p.props]
    for name in names:
        if stripping.keeps(theirs, name):
            continue
        values = {key(v): v for v in islice(ck.values(prop_nodes(mine, name)), 8)}
        if len(values) >= 2:
            one, two = list(values.values())[:2]
            yield {**base, name: one}, {**base, name: two}
    if depth <= 1:
        return
    for name in names:
        below = base.get(name, ck.sampler.first(prop_nodes(mine, name)))
        if not stripping.keeps(theirs, name) or not isinstance(below, dict):
            continue
        inner_mine, inner_theirs = (
            flatten(prop_nodes(mine, name)),
            flatten(prop_nodes(theirs, name)),
        )
        for one, two in islice(_twins(ck, inner_mine, inner_theirs, below, depth - 1), 2):
            yield {**base, name: one}, {**base, name: two}


def _contains(
    ck: Prover, a: Nodes, fa: Flat, fb: Flat, a_max: int | None, probes: list[Any]
) -> str:
    for have, least, _ in fa.contains:
        if max(least, fa.min_items) > LARGEST:
            continue
        for value in islice(ck.values((have, *item_nodes(fa, 0))), 4):
            probes.append([value] * max(1, least, fa.min_items))
    for want, least, most in fb.contains:
        if least > 0 and not (
            any(m >= least and ck.sub((c,), (want,)) is None for c, m, _ in fa.contains)
            or (
                fa.min_items >= least
                and all(
                    ck.sub(item_nodes(fa, i) or (_true(a[0]),), (want,)) is None
                    for i in range(max([len(p.prefix) for p in fa.arr_parts] or [0]) + 1)
                )
            )
        ):
            probes += [
                ck.sampler.base_array(fa, n, 1) for n in sizes(fa.min_items, fa.min_items + 2)
            ]
            return "contains not implied"
        if most is not None and not (
            (a_max is not None and a_max <= most)
            or any(
                x is not None and x <= most and ck.strict.sub((want,), (c,)) is None
                for c, _, x in fa.contains
            )
        ):
            item = ck.sampler.first((*item_nodes(fa, 0), want))
            probes += [[item] * n for n in sizes(most + 1, most + 2)]
            return "maxContains not implied"
    return ""


def _with_unevaluated(flat: Flat, like: Node, writer: bool) -> Flat:
    """``unevaluatedItems`` as an item layout past what its own conjunction evaluates: for a
    reader wherever it may apply (at least as strict), for a writer only where exact."""
    true = _true(like)
    extra = [
        ArrPart((true,) * u.prefix, u.target)
        for u in flat.unevaluated_items
        if not u.covered and (u.exact or not writer)
    ]
    return replace(flat, arr_parts=[*flat.arr_parts, *extra]) if extra else flat


def _closed_length(flat: Flat) -> int | None:
    out = flat.max_items
    for part in flat.arr_parts:
        if part.items is not None and part.items.always is False:
            out = len(part.prefix) if out is None else min(out, len(part.prefix))
    return out


def _put(ck: Prover, fa: Flat, length: int, index: int, value: Any) -> list[Any]:
    items = ck.sampler.base_array(fa, length, 1)
    items[index] = value
    for want, least, _ in fa.contains:  # keep the writer's `contains` satisfied
        items += [ck.sampler.first((want, *item_nodes(fa, len(items))))] * max(least, 1)
    return items


def _true(like: Node) -> Node:
    return Node(like.path, _TRUE_RAW, like.doc, always=True)


_RULES = {
    "integer": _numbers,
    "number": _numbers,
    "string": _strings,
    "array": _arrays,
    "object": _objects,
}


def cannot_have(ck: Prover, fa: Flat, name: str) -> bool:
    """True when no value of ``fa`` can hold property ``name``."""
    nodes = prop_nodes(fa, name)
    if ck.lenient and not nodes:
        return True
    return any(n.always is False for n in nodes) or "object" not in fa.types


__all__ = ["EXTRA_NAME", "ObjPart", "cannot_have", "core", "re"]
