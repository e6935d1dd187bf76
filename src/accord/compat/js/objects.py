"""Inclusion rules for objects: properties, catch-alls, required, counts, names, dependencies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from itertools import chain, islice
from typing import Any

from accord.compat.js import stripping
from accord.compat.js.flat import Flat, ObjPart
from accord.compat.js.node import LazyProps, Node, same_source
from accord.compat.js.patterns import implied, matches
from accord.compat.js.proof import Gap, Nodes, Prover
from accord.compat.js.proof import gap as _gap
from accord.compat.js.regex_sample import samples as regex_samples
from accord.compat.js.values import EXTRA_NAME, LARGEST, prop_nodes, sizes

_FALSE_RAW = False
_NAME_PROBES = ("", "a", "0", "A", "_", "a-b", "abcd", "abcdefgh", "a" * 20, EXTRA_NAME)


def objects(ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat, integral: bool) -> Gap | None:
    """Inclusion of the object values of ``fa`` in ``fb``."""
    parts_a = _writer_parts(ck, a[0], fa)
    parts_b = _reader_parts(ck, b[0], fb)
    for name in sorted(fb.required - fa.required):
        if not _absent_impossible(fa, name):
            return _gap(
                ck,
                f"/{_esc(name)}",
                f"property {name!r} became required",
                a,
                b,
                iter([_without(ck, fa, name)]),
            )
    quick = _quick_pair(fa, fb, a[0], b[0])
    if quick:
        todo = _changed_names(quick, parts_a, same_source(a[0], b[0]))
        declared: Callable[[], set[str]] = partial(_declared, parts_a, parts_b)
    else:
        names = dict.fromkeys(n for p in parts_a + parts_b for n in p.props)
        todo = list(names)
        declared = partial(set, names)
    for name in todo:
        at_a = _governing(parts_a, name)
        if any(n.always is False for n in at_a):
            continue
        at_b = _governing(parts_b, name)
        if not at_b:
            continue
        # `true` conjuncts (lenient closures) are neutral; dropping them keeps fast paths
        at_a = tuple(n for n in at_a if n.always is not True)
        gap = ck.sub(at_a or (_true(a[0]),), at_b)
        if gap is not None:
            gap = gap.under(_esc(name), partial(_with, ck, fa, name))
            # a property's candidates may all be impossible deeper down; a narrowed
            # catch-all or count is often the plainer witness: searched after them
            later = _rest(ck, a, b, fa, parts_a, parts_b, declared)
            later = later or _counts(ck, a, b, fa, fb, parts_a)
            return gap if later is None else replace(gap, others=(*gap.others, later))
    return _rest(ck, a, b, fa, parts_a, parts_b, declared) or _counts(ck, a, b, fa, fb, parts_a)


def _changed_names(
    quick: tuple[LazyProps, LazyProps],
    parts_a: list[ObjPart],
    same: Callable[[Any, Any, str], bool] | None,
) -> list[str]:
    """The names that need a decision when each side is one plain layout, in declaration
    order (writer first): not those with unchanged source on both sides (references
    included: ``same``, see ``LazyProps.changed``), nor those a pattern-free closed writer
    part forbids. Set algebra, so the cost follows what changed."""
    changed = quick[0].changed(quick[1], same)
    for part in parts_a:
        closed = part.additional is not None and part.additional.always is False
        if changed and closed and not part.patterns:
            props = part.props.raw if isinstance(part.props, LazyProps) else part.props
            changed.intersection_update(props)
    a_order, b_order = quick[0].order(), quick[1].order()
    after = len(a_order)
    return sorted(changed, key=lambda n: a_order.get(n, after + b_order.get(n, 0)))


def _declared(parts_a: list[ObjPart], parts_b: list[ObjPart]) -> set[str]:
    return {n for p in parts_a + parts_b for n in p.props}


def _quick_pair(fa: Flat, fb: Flat, a: Node, b: Node) -> tuple[LazyProps, LazyProps] | None:
    """The two property maps when each side is one plain object layout (the common case)."""
    if len(fa.obj_parts) != 1 or len(fb.obj_parts) != 1 or a.doc.dialect != b.doc.dialect:
        return None
    pa, pb = fa.obj_parts[0], fb.obj_parts[0]
    if pa.patterns or pb.patterns:
        return None
    if isinstance(pa.props, LazyProps) and isinstance(pb.props, LazyProps):
        return pa.props, pb.props
    return None


def _writer_parts(ck: Prover, like: Node, fa: Flat) -> list[ObjPart]:
    """Lenient writers emit only what they declare: add a part closing over those names.
    An ``unevaluatedProperties`` counts where it applies exactly."""
    parts = [*fa.obj_parts, *_unevaluated_parts(like, fa, exact_only=True)]
    if not ck.lenient or any(
        p.additional is not None and p.additional.always is None for p in parts
    ):
        return parts
    true = _true(like)
    declared = {n: true for p in parts for n in p.props}
    declared.update((n, true) for n in fa.required if n not in declared)
    patterns = tuple((pat, true) for p in parts for pat, _ in p.patterns)
    closed = Node(like.path, _FALSE_RAW, like.doc, always=False)
    return [*parts, ObjPart(declared, patterns, closed)]


def _reader_parts(ck: Prover, like: Node, fb: Flat) -> list[ObjPart]:
    if ck.lenient:
        return [ObjPart(p.props, p.patterns, None) for p in fb.obj_parts]
    # read as applying wherever its own conjunction evaluates nothing: at least as strict
    return [*fb.obj_parts, *_unevaluated_parts(like, fb, exact_only=False)]


def _unevaluated_parts(like: Node, flat: Flat, exact_only: bool) -> list[ObjPart]:
    """``unevaluatedProperties`` as a layout: what its conjunction evaluates is free (the
    conjunction's own parts govern it), every other name goes to its schema."""
    true = _true(like)
    return [
        ObjPart(dict.fromkeys(u.names, true), tuple((p, true) for p in u.patterns), u.target)
        for u in flat.unevaluated_props
        if not u.covered and (u.exact or not exact_only)
    ]


def _governing(parts: list[ObjPart], name: str) -> Nodes:
    out: list[Node] = []
    for part in parts:
        if not part.patterns:  # the common layout: a declared property or the catch-all
            if name in part.props:
                out.append(part.props[name])
            elif part.additional is not None:
                out.append(part.additional)
            continue
        matched = [s for p, s in part.patterns if matches(p, name)]
        if name in part.props:
            out.append(part.props[name])
        elif not matched and part.additional is not None:
            out.append(part.additional)
        out.extend(matched)
    return tuple(out)


def _rest(
    ck: Prover,
    a: Nodes,
    b: Nodes,
    fa: Flat,
    parts_a: list[ObjPart],
    parts_b: list[ObjPart],
    declared: Callable[[], set[str]],
) -> Gap | None:
    """Properties declared by neither side: catch-alls must be included."""
    for pb in parts_b:
        for pattern, target in pb.patterns:
            found: list[Gap] = []
            if not any(_covers(ck, pa, target, pattern, (), found) for pa in parts_a):
                return _extra_gap(ck, a, b, fa, parts_a, declared, pattern, found)
        if pb.additional is not None and pb.additional.always is not True:
            exempt = tuple(p for p, _ in pb.patterns)
            found = []
            if not any(_covers(ck, pa, pb.additional, None, exempt, found) for pa in parts_a):
                return _extra_gap(ck, a, b, fa, parts_a, declared, None, found)
    return None


def _covers(
    ck: Prover,
    pa: ObjPart,
    target: Node,
    pattern: str | None,
    exempt: tuple[str, ...],
    found: list[Gap],
) -> bool:
    """Every undeclared name governed by ``target`` on the reader is governed by something
    included in ``target`` on this writer part. A failed inclusion goes to ``found``: its
    candidates, placed under an undeclared name, are the likeliest witnesses."""

    def included(schema: Node) -> bool:
        gap = ck.sub((schema,), (target,))
        if gap is not None:
            found.append(gap)
        return gap is None

    for own, schema in pa.patterns:
        if own == pattern:
            return included(schema)
    if pa.additional is None:
        if target.always is not True:
            return False
    elif pa.additional.always is not False and not included(pa.additional):
        return False
    return all(_exempt(own, exempt) or included(schema) for own, schema in pa.patterns)


def _exempt(own: str, exempt: tuple[str, ...]) -> bool:
    """Every name the writer's pattern ``own`` matches is matched by a reader pattern in
    ``exempt`` too (so the reader's catch-all never sees it)."""
    return own in exempt or any(implied((own,), p)[0] for p in exempt)


def _extra_gap(
    ck: Prover,
    a: Nodes,
    b: Nodes,
    fa: Flat,
    parts_a: list[ObjPart],
    declared: Callable[[], set[str]],
    pattern: str | None,
    found: list[Gap],
) -> Gap:
    names = list(regex_samples(pattern, (0, 1, 2))) if pattern else []
    # names the writer's own pattern properties match: a closed writer allows no other
    names += [n for pa in parts_a for own, _ in pa.patterns for n in regex_samples(own, (0, 1))]
    names += [n for n in _NAME_PROBES if n not in names]
    taken = declared()
    names = [n for n in names if n not in taken]

    def cands() -> Iterator[Any]:
        base = _base(ck, fa)
        # the failed inclusion's own candidates, under a fitting name, then the writer's
        own = ((n, v) for gap in found[:2] for n in names[:2] for v in islice(gap.cands(), 8))
        rest = (
            (n, v) for n in names[:6] for v in ck.values(_governing(parts_a, n) or (_true(a[0]),))
        )
        return ({**base, name: value} for name, value in chain(own, rest))

    first = names[0] if names else EXTRA_NAME
    # drawn lazily: only a decision's final gap needs candidates, and these nest
    reason = "undeclared properties are constrained more"
    return Gap(f"/{_esc(first)}", reason, lambda: ck.outside(a, b, chain(cands(), ck.values(a))))


def _counts(
    ck: Prover, a: Nodes, b: Nodes, fa: Flat, fb: Flat, parts_a: list[ObjPart]
) -> Gap | None:
    if fb.min_props == 0 and fb.max_props is None and not fb.prop_names and not fb.dep_required:
        return None
    base = _base(ck, fa)
    whole = _whole(ck, fa, fb)  # no name is stripped: the writer's counts stand
    held = fa.required if whole else _kept(fb, fa.required)
    floor = max(fa.min_props, len(held)) if whole else len(held)
    if fb.min_props > floor:
        sized = [_grow(ck, fa, parts_a, base, n) for n in sizes(fa.min_props, fb.min_props)]
        return _gap(ck, "", "minProperties raised", a, b, iter([base, *sized]))
    closed = [p for p in parts_a if p.additional is not None and p.additional.always is False]
    a_max = fa.max_props
    for part in closed:
        if not part.patterns:
            a_max = len(part.props) if a_max is None else min(a_max, len(part.props))
    if fb.max_props is not None and (a_max is None or a_max > fb.max_props):
        full = dict(base)
        for part in parts_a:
            for name, schema in part.props.items():
                full.setdefault(name, ck.sampler.first((schema,)))
        for i in range(min(fb.max_props + 1, LARGEST)):
            full.setdefault(f"{EXTRA_NAME}{i}", None)
        # past LARGEST names it is not built big enough: no candidate
        fits = len(full) > fb.max_props
        return _gap(ck, "", "maxProperties lowered", a, b, iter([full] if fits else []))
    for names in fb.prop_names:
        if not any(ck.strict.sub((x,), (names,)) is None for x in fa.prop_names):
            return _gap(
                ck,
                "",
                "propertyNames narrowed",
                a,
                b,
                (dict(base, **{n: None}) for n in _NAME_PROBES),
            )
    for name, deps in fb.dep_required.items():
        forced = fa.dep_required.get(name, set())
        need = deps - held - (forced if whole else _kept(fb, forced))
        if need and not _absent_impossible_all(fa, name):
            value = {**base, name: ck.sampler.first(_governing(parts_a, name))}
            for dep in fa.dep_required.get(name, set()):
                value.setdefault(dep, ck.sampler.first(_governing(parts_a, dep)))
            for dep in need:
                value.pop(dep, None)
            return _gap(
                ck, f"/{_esc(name)}", f"dependency {name!r} → {sorted(need)}", a, b, iter([value])
            )
    return None


def _whole(ck: Prover, fa: Flat, fb: Flat) -> bool:
    """A value the reader sees holds every name the writer's does: a strict reader, a
    lenient one with a catch-all (it keeps every name), or one that keeps every name the
    lenient writer may emit (``stripping.emitted_names``: those it declares)."""
    if not ck.lenient or any(stripping.catch_all(p) for p in fb.obj_parts):
        return True
    emitted = stripping.emitted_names(fa)
    return emitted is not None and _kept(fb, set(emitted)) == emitted


def _kept(fb: Flat, names: set[str]) -> set[str]:
    """Those of ``names`` a lenient reader keeps: declared in one of ``fb``'s conjuncts (a
    subset of what it keeps, so this never says too much). Stripping turns the writer's
    ``{"a": 1, "b": 2}`` into ``{"a": 1}`` for a reader that declares only ``a``: one
    property, short of its ``minProperties: 2``, and without the ``b`` its
    ``dependentRequired: {a: [b]}`` asks for."""
    return {n for n in names if stripping.declared(fb.obj_parts, fb.required, n)}


def _grow(
    ck: Prover, fa: Flat, parts: list[ObjPart], base: dict[str, Any], size: int
) -> dict[str, Any]:
    """``base`` padded to ``size`` properties with declared, then undeclared, names."""
    out = dict(base)
    names = [n for p in parts for n in p.props] + [f"{EXTRA_NAME}{i}" for i in range(size)]
    for name in names:
        if len(out) >= size:
            break
        governing = _governing(parts, name)
        if name not in out and not any(n.always is False for n in governing):
            out[name] = ck.sampler.first(governing or (_true_like(fa),))
    return out


def _true_like(fa: Flat) -> Node:
    return _true(fa.nodes[0])


def _absent_impossible(fa: Flat, name: str) -> bool:
    """``name`` is forced present by a dependency on a required property."""
    return any(name in fa.dep_required.get(r, set()) for r in fa.required)


def _absent_impossible_all(fa: Flat, name: str) -> bool:
    return any(n.always is False for n in prop_nodes(fa, name))


def _with(ck: Prover, fa: Flat, name: str, value: Any) -> dict[str, Any]:
    return {**_base(ck, fa), name: value}


def _without(ck: Prover, fa: Flat, name: str) -> dict[str, Any]:
    out = _base(ck, fa)
    out.pop(name, None)
    return out


def _base(ck: Prover, fa: Flat) -> dict[str, Any]:
    return ck.sampler.base_object(fa, 1)


def _true(like: Node) -> Node:
    return Node(like.path, {}, like.doc, always=True)


def _esc(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
