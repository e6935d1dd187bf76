"""``Flat``: the conjunction of several nodes (``allOf`` members, ``$ref`` targets) merged.

Scalar constraints merge exactly (tightest bound, intersected types and enums). Object and
array layouts stay per conjunct (``ObjPart``/``ArrPart``) because ``additionalProperties``
and ``additionalItems`` only see the properties/items of their own schema object.
Disjunctions, negations and conditionals are kept as lists for the inclusion procedure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from accord.compat.js.node import TYPES, Bound, EnumSet, Node

Group = tuple[Node, ...]


@dataclass
class ObjPart:
    """Property layout of one conjunct; ``additional`` None means unconstrained."""

    props: Mapping[str, Node]
    patterns: tuple[tuple[str, Node], ...]
    additional: Node | None


@dataclass
class ArrPart:
    """Item layout of one conjunct; ``items`` None means unconstrained."""

    prefix: tuple[Node, ...]
    items: Node | None


@dataclass(frozen=True)
class Unevaluated:
    """An ``unevaluatedItems``/``unevaluatedProperties`` schema with what its own node's
    conjunction evaluates (siblings in an enclosing ``allOf`` do not count for it).

    ``covered``: that conjunction evaluates every item or property (``items``,
    ``additionalProperties``, a nested ``unevaluated*``), so the schema never applies.
    ``exact``: nothing else can evaluate more (no ``anyOf``/``oneOf``/``if``, ``contains``,
    ``dependentSchemas``, dynamic references), so it applies exactly past ``prefix`` items or
    outside ``names``/``patterns``; otherwise it applies to at most that: reading it there is
    sound for a reader (stricter) but not for a writer."""

    target: Node
    prefix: int
    names: frozenset[str]
    patterns: tuple[str, ...]
    covered: bool
    exact: bool


@dataclass
class Flat:
    """Merged view of a conjunction of nodes."""

    nodes: tuple[Node, ...]
    never: bool = False
    types: frozenset[str] = TYPES
    enum: EnumSet | None = None
    lower: Bound | None = None
    upper: Bound | None = None
    mults: list[Fraction] = field(default_factory=list)
    min_length: int = 0
    max_length: int | None = None
    patterns: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    arr_parts: list[ArrPart] = field(default_factory=list)
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    contains: list[tuple[Node, int, int | None]] = field(default_factory=list)
    obj_parts: list[ObjPart] = field(default_factory=list)
    required: set[str] = field(default_factory=set)
    min_props: int = 0
    max_props: int | None = None
    prop_names: list[Node] = field(default_factory=list)
    dep_required: dict[str, set[str]] = field(default_factory=dict)
    dep_schemas: list[tuple[str, Node]] = field(default_factory=list)
    any_of: list[tuple[Node, Group]] = field(default_factory=list)
    one_of: list[tuple[Node, Group]] = field(default_factory=list)
    nots: list[Node] = field(default_factory=list)
    conds: list[tuple[Node, Node | None, Node | None]] = field(default_factory=list)
    unevaluated_props: list[Unevaluated] = field(default_factory=list)
    unevaluated_items: list[Unevaluated] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def trivial(self) -> bool:
        """True when the conjunction accepts every JSON value."""
        return all(n.always is True for n in self.nodes)


FLAT_CACHE_LIMIT = 50_000


def flatten(nodes: Iterable[Node], skip: frozenset[tuple[int, str]] = frozenset()) -> Flat:
    """Merge ``nodes`` and all their conjuncts; ``skip`` holds ``(id(node), "anyOf"|"oneOf")``
    for disjunctions the caller has already split into branches. Memoised per document:
    an inclusion proof flattens the same conjunctions many times (the cached ``Flat`` holds
    its nodes, so their ids stay theirs; callers never mutate a ``Flat``)."""
    given = tuple(nodes)
    if not given:
        return _flatten(given, skip)
    cache: dict[Any, Flat] = given[0].doc.flat_cache
    memo_key = (tuple(map(id, given)), skip)
    found = cache.get(memo_key)
    if found is None:
        if len(cache) >= FLAT_CACHE_LIMIT:
            cache.clear()
        found = cache[memo_key] = _flatten(given, skip)
    return found


def _flatten(nodes: tuple[Node, ...], skip: frozenset[tuple[int, str]]) -> Flat:
    seen: set[int] = set()
    order: list[Node] = []
    stack = list(nodes)[::-1]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed(node.conjuncts()))
    flat = Flat(tuple(order))
    for node in order:
        _merge(flat, node, skip)
    return flat


def _merge(flat: Flat, node: Node, skip: frozenset[tuple[int, str]]) -> None:
    if node.always is False:
        flat.never = True
    if node.always is not None:
        return
    if node.unsupported:
        flat.unsupported.append(node.unsupported)
    if node.types is not None:
        flat.types = _meet_types(flat.types, node.types)
    if node.enum is not None:
        flat.enum = node.enum if flat.enum is None else _meet_enum(flat.enum, node.enum)
    _merge_scalars(flat, node)
    _merge_array(flat, node)
    _merge_object(flat, node)
    if node.any_of is not None and (id(node), "anyOf") not in skip:
        flat.any_of.append((node, node.any_of))
    if node.one_of is not None and (id(node), "oneOf") not in skip:
        flat.one_of.append((node, node.one_of))
    if node.not_ is not None:
        flat.nots.append(node.not_)
    if node.if_ is not None:
        flat.conds.append((node.if_, node.then, node.else_))
    if not flat.types:
        flat.never = True


def _meet_types(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    out = a & b
    if ("integer" in a and "number" in b) or ("number" in a and "integer" in b):
        out |= {"integer"}
    return out - {"integer"} if "number" in out else out


def _meet_enum(a: EnumSet, b: EnumSet) -> EnumSet:
    keep = tuple(v for v, k in zip(a.values, _keys(a), strict=True) if k in b.keys)
    return EnumSet(keep, a.keys & b.keys)


def _keys(enum: EnumSet) -> list[object]:
    from accord.compat.canonical import key

    return [key(v) for v in enum.values]


def _merge_scalars(flat: Flat, node: Node) -> None:
    if node.lower is not None and (
        flat.lower is None
        or (node.lower.value, node.lower.exclusive) > (flat.lower.value, flat.lower.exclusive)
    ):
        flat.lower = node.lower
    if node.upper is not None and (
        flat.upper is None
        or (node.upper.value, not node.upper.exclusive)
        < (flat.upper.value, not flat.upper.exclusive)
    ):
        flat.upper = node.upper
    if node.multiple_of is not None:
        flat.mults.append(node.multiple_of)
    flat.min_length = max(flat.min_length, node.min_length)
    flat.max_length = _min_opt(flat.max_length, node.max_length)
    if node.pattern is not None:
        flat.patterns.append(node.pattern)
    if node.format is not None:
        flat.formats.append(node.format)


def _merge_array(flat: Flat, node: Node) -> None:
    if node.prefix or node.items is not None:
        flat.arr_parts.append(ArrPart(node.prefix, node.items))
    flat.min_items = max(flat.min_items, node.min_items)
    flat.max_items = _min_opt(flat.max_items, node.max_items)
    flat.unique = flat.unique or node.unique_items
    if node.contains is not None:
        flat.contains.append((node.contains, node.min_contains, node.max_contains))
    if node.unevaluated_items is not None:
        flat.unevaluated_items.append(_unevaluated(node, node.unevaluated_items, items=True))


def _merge_object(flat: Flat, node: Node) -> None:
    if node.props or node.pattern_props or node.additional is not None:
        flat.obj_parts.append(ObjPart(node.props, node.pattern_props, node.additional))
    flat.required |= node.required
    flat.min_props = max(flat.min_props, node.min_props)
    flat.max_props = _min_opt(flat.max_props, node.max_props)
    if node.property_names is not None:
        flat.prop_names.append(node.property_names)
    for name, deps in node.dep_required.items():
        flat.dep_required.setdefault(name, set()).update(deps)
    flat.dep_schemas.extend(node.dep_schemas.items())
    if node.unevaluated_props is not None:
        flat.unevaluated_props.append(_unevaluated(node, node.unevaluated_props, items=False))


def _unevaluated(node: Node, target: Node, items: bool) -> Unevaluated:
    local: list[Node] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) not in seen:
            seen.add(id(current))
            local.append(current)
            stack.extend(current.conjuncts())
    if items:
        covered = any(
            n.items is not None or (n is not node and n.unevaluated_items is not None)
            for n in local
        )
    else:
        covered = any(
            n.additional is not None or (n is not node and n.unevaluated_props is not None)
            for n in local
        )
    exact = not any(
        n.any_of is not None
        or n.one_of is not None
        or n.if_ is not None
        or n.unsupported is not None
        or (n.contains is not None if items else bool(n.dep_schemas))
        for n in local
    )
    return Unevaluated(
        target,
        max((len(n.prefix) for n in local), default=0),
        frozenset() if items else frozenset(name for n in local for name in n.props),
        () if items else tuple(p for n in local for p, _ in n.pattern_props),
        covered,
        exact,
    )


def _min_opt(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)
