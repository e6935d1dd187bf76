"""Candidate values of a schema: the raw material of witnesses.

``Sampler.values(nodes)`` yields values *probably* valid under the conjunction ``nodes``,
built from its constraints (bounds, lengths, patterns, required properties, ...). Nothing
here is trusted: callers keep only candidates the real validator accepts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from itertools import islice
from typing import Any

from accord.compat.budget import tick
from accord.compat.js.flat import Flat, flatten
from accord.compat.js.node import Node, canon_key
from accord.compat.js.patterns import matches
from accord.compat.js.regex_sample import samples as regex_samples

MAX_SAMPLE_DEPTH = 8
# The most characters, items or properties a sample or witness has. Size bounds are data
# (``minLength: 10**8``, ``maxItems: 10**40``): building such a value would exhaust an
# engine process's memory, or overflow. One that must be larger is not built, so its gap
# stays undecided ("no witness found"), which a publish treats as breaking.
LARGEST = 10_000


_EVERY_SIZE = 64  # a range of sizes this wide is probed whole (a pattern may allow few)


def sizes(low: int, high: int) -> list[int]:
    """Sizes in ``[low, high)`` worth probing, none past `LARGEST`: every one of a narrow
    range, else the first three and the last."""
    if high - low <= _EVERY_SIZE:
        wanted = list(range(low, min(high, LARGEST + 1)))
    else:
        wanted = [low, low + 1, low + 2, high - 1]
    return [n for n in wanted if n <= LARGEST]


_DONE = object()
_NO_SKIP: frozenset[tuple[int, str]] = frozenset()
FORMAT_SAMPLES = {
    "date": "2020-01-31",
    "date-time": "2020-01-31T12:00:00Z",
    "time": "12:00:00Z",
    "email": "a@example.com",
    "idn-email": "a@example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/a",
    "uri-reference": "/a",
    "iri": "https://example.com/a",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "regex": "^a$",
    "duration": "P1D",
    "json-pointer": "/a",
}
EXTRA_NAME = "accord_undeclared"


class Sampler:
    """Generates candidate values; ``valid(nodes, value)`` is the real validator."""

    def __init__(self, valid: Callable[[tuple[Node, ...], Any], bool]) -> None:
        self.valid = valid
        # keyed by meaning (``canon_key``); the nodes are kept alive in the value
        self._first: dict[frozenset[tuple[int, int]], tuple[tuple[Node, ...], Any]] = {}

    def values(
        self, nodes: tuple[Node, ...], depth: int = 0, skip: frozenset[tuple[int, str]] = _NO_SKIP
    ) -> Iterator[Any]:
        """Candidate values of the conjunction, most typical first."""
        tick()
        flat = flatten(nodes, skip)
        if flat.never or depth > MAX_SAMPLE_DEPTH:
            return
        if flat.enum is not None:
            yield from islice(flat.enum.values, 8)
            return
        groups = [(o, g, "anyOf") for o, g in flat.any_of] + [
            (o, g, "oneOf") for o, g in flat.one_of
        ]
        for owner, group, word in groups[:1]:
            split = skip | {(id(owner), word)}
            branches = list({b.canon(): b for b in reversed(group)}.values())[::-1]
            deeper = depth + 1
            if depth == MAX_SAMPLE_DEPTH:
                # past the fan-out limit follow one branch: a chain of splits that never
                # descends into the value is acyclic (such reference cycles are refused)
                branches, deeper = branches[:1], depth
            for branch in branches:
                yield from islice(self.values((*nodes, branch), deeper, split), 6)
        # round-robin over the admitted types so every type shows up among the first values
        streams = [
            _TYPED[kind](self, flat, depth)
            for kind in ("object", "array", "string", "integer", "number", "boolean", "null")
            if kind in flat.types or (kind == "integer" and "number" in flat.types)
        ]
        while streams:
            for stream in list(streams):
                value = next(stream, _DONE)
                if value is _DONE:
                    streams.remove(stream)
                else:
                    yield value

    def first(self, nodes: tuple[Node, ...], depth: int = 0) -> Any:
        """One value that the real validator accepts under ``nodes``, or None."""
        memo = canon_key(nodes)
        if memo not in self._first:
            found = next(
                (v for v in islice(self.values(nodes, depth), 24) if self.valid(nodes, v)), None
            )
            self._first[memo] = (nodes, found)
        return self._first[memo][1]

    def base_object(self, flat: Flat, depth: int) -> dict[str, Any]:
        """An object with every required property set to a valid value."""
        out: dict[str, Any] = {}
        for name in sorted(flat.required):
            out[name] = self.first(prop_nodes(flat, name), depth + 1)
        return out

    def base_array(self, flat: Flat, length: int, depth: int) -> list[Any]:
        """An array of ``length`` items (at most `LARGEST`), each valid at its position."""
        return [self.first(item_nodes(flat, i), depth + 1) for i in range(length)]


def prop_nodes(flat: Flat, name: str) -> tuple[Node, ...]:
    """Conjunction governing property ``name`` (declared, pattern or additional)."""
    out: list[Node] = []
    for part in flat.obj_parts:
        declared = part.props.get(name)
        matched = [s for p, s in part.patterns if matches(p, name)]
        if declared is not None:
            out.append(declared)
        elif not matched and part.additional is not None:
            out.append(part.additional)
        out.extend(matched)
    return tuple(out)


def item_nodes(flat: Flat, index: int) -> tuple[Node, ...]:
    """Conjunction governing the array item at ``index``."""
    out: list[Node] = []
    for part in flat.arr_parts:
        if index < len(part.prefix):
            out.append(part.prefix[index])
        elif part.items is not None:
            out.append(part.items)
    return tuple(out)


def _objects(s: Sampler, flat: Flat, depth: int) -> Iterator[Any]:
    if flat.min_props > LARGEST:
        return
    base = s.base_object(flat, depth)
    if len(base) < flat.min_props:
        base = _filled(s, flat, base, depth)
    yield base
    for part in flat.obj_parts:
        for name in list(part.props)[:4]:
            if name not in base:
                value = s.first(prop_nodes(flat, name), depth + 1)
                yield {**base, name: value}


def _filled(s: Sampler, flat: Flat, base: dict[str, Any], depth: int) -> dict[str, Any]:
    """``base`` grown to ``minProperties`` with declared names, then names the pattern
    properties match (a closed object may allow no other), then undeclared ones."""
    names = [n for part in flat.obj_parts for n in part.props]
    for part in flat.obj_parts:
        for pattern, _ in part.patterns:
            names += regex_samples(pattern, (0, 1, 3))
    names += [f"{EXTRA_NAME}{i}" for i in range(flat.min_props)]
    fresh = islice((n for n in dict.fromkeys(names) if n not in base), flat.min_props - len(base))
    return {**base, **{name: s.first(prop_nodes(flat, name), depth + 1) for name in fresh}}


def _arrays(s: Sampler, flat: Flat, depth: int) -> Iterator[Any]:
    need = max(flat.min_items, *(m for _, m, _ in flat.contains), 0)
    if need > LARGEST:
        return
    base = s.base_array(flat, need, depth)
    yield base
    if need == 0:
        yield s.base_array(flat, 1, depth)
    # vary one position at a time, round-robin, so every position's extremes show up early
    streams = [
        (i, islice(s.values(item_nodes(flat, i), depth + 1), 8))
        for i in range(min(max(len(base), 1), 3))
    ]
    for _ in range(8):
        for index, stream in streams:
            value = next(stream, _DONE)
            if value is not _DONE:
                yield [*base[:index], value, *base[index + 1 :]]


def _strings(s: Sampler, flat: Flat, depth: int) -> Iterator[Any]:
    del s, depth
    low, high = flat.min_length, flat.max_length
    for name in flat.formats:
        if name in FORMAT_SAMPLES:
            yield FORMAT_SAMPLES[name]
    for pattern in flat.patterns[:1]:
        yield from regex_samples(pattern, (0, 1, 3, 8, 16))
    for length in (low, low + 1, high if high is not None else low + 4, low + 8):
        if length <= LARGEST:
            yield "a" * length


def _numbers(s: Sampler, flat: Flat, depth: int, integer: bool) -> Iterator[Any]:
    del s, depth
    for value in _anchors(flat):
        if integer:
            yield int(value) if whole(value) else math.ceil(value)
        else:
            yield value
    if not integer:
        yield 0.5
    if flat.lower is None and flat.upper is None:
        # beyond float32 / float64 exactness and range: where numeric encodings differ
        yield from (2**24 + 1, 2**53 + 1, -(2**31) - 1, 2**63, 3.5e38)


def _anchors(flat: Flat) -> list[Any]:
    """0, a step, and each bound with its neighbour and nearest multiple of the step; bounds
    are data (``minimum: -10**400``, ``multipleOf: 1e-320``), so one a double cannot hold
    is left out."""
    step = computed(lambda: float(flat.mults[0]) if flat.mults else 1)
    step = 1 if step is None else step
    low = flat.lower.value if flat.lower is not None else None
    high = flat.upper.value if flat.upper is not None else None
    makers: list[Callable[[], Any]] = [lambda: 0, lambda: step]
    if low is not None:
        makers += [lambda: low, lambda: low + step, lambda: math.ceil(low / step) * step]
    if high is not None:
        makers += [lambda: high, lambda: high - step, lambda: math.floor(high / step) * step]
    return [value for make in makers if (value := computed(make)) is not None]


def computed(make: Callable[[], Any]) -> Any:
    """``make()``, or None when it overflows a double (or gives one that is not finite)."""
    try:
        value = make()
    except OverflowError:
        return None
    return None if isinstance(value, float) and not math.isfinite(value) else value


def whole(value: Any) -> bool:
    """``value`` is a whole number (an int too large for a double included)."""
    if isinstance(value, int | Fraction):
        return isinstance(value, int) or value.denominator == 1
    return bool(value.is_integer())


_TYPED: dict[str, Callable[[Sampler, Flat, int], Iterator[Any]]] = {
    "object": _objects,
    "array": _arrays,
    "string": _strings,
    "integer": lambda s, f, d: _numbers(s, f, d, True),
    "number": lambda s, f, d: _numbers(s, f, d, False),
    "boolean": lambda s, f, d: iter((True, False)),
    "null": lambda s, f, d: iter((None,)),
}
