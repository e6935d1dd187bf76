"""Structural parts of the change report: arrays, objects and combinators."""

from __future__ import annotations

from collections.abc import Iterable

from accord.compat.js.diff_base import B, N, R, Reporter, T
from accord.compat.js.diff_base import limit as _limit
from accord.compat.js.flat import ObjPart
from accord.compat.js.node import LazyProps, Node, escape, same_source
from accord.compat.js.objects import _governing
from accord.compat.js.patterns import Unmatchable
from accord.compat.model import Direction

_FLIP = {T: R, R: T, B: B, N: N}


def _slot(
    d: Reporter,
    path: str,
    word: str,
    old: Node | None,
    new: Node | None,
    *,
    kind: str | None = None,
    label: str | None = None,
    presence: bool = False,
) -> None:
    """A single sub-schema keyword (items, contains, propertyNames, ...). ``presence``: the
    keyword constrains even with a schema that accepts everything (``contains: {}`` asks
    for an item)."""
    where = f"{path}/{word}"
    snake, label = kind or _snake(word), label or word
    if old is not None and new is not None:
        d.walk(old, new, where)
        return
    one = new if new is not None else old
    if one is None:
        return
    vacuous = not presence and d.unconstrained(one)
    if one is new:
        d.add(where, f"{snake}_added", N if vacuous else T, f"{label} added")
    else:
        d.add(where, f"{snake}_removed", N if vacuous else R, f"{label} removed")
    if vacuous:  # its annotations (a format, an encoding) are still news to consumers
        d.walk(old or _true(one), new or _true(one), where)


def _walk_arrays(d: Reporter, old: Node, new: Node, path: str) -> None:
    word = "prefixItems" if new.doc.dialect >= 2020 else "items"
    for index in range(max(len(old.prefix), len(new.prefix))):
        where = f"{path}/{word}/{index}"
        if index < len(old.prefix) and index < len(new.prefix):
            d.walk(old.prefix[index], new.prefix[index], where)
        elif index < len(new.prefix):
            before = (old.items,) if old.items is not None else (_true(new),)
            d.add(
                where,
                "tuple_item_added",
                d.direction(before, (new.prefix[index],)),
                f"tuple position {index} added",
            )
        else:
            after = (new.items,) if new.items is not None else (_true(new),)
            d.add(
                where,
                "tuple_item_removed",
                d.direction((old.prefix[index],), after),
                f"tuple position {index} removed",
            )
    o_closed = old.items is not None and old.items.always is False
    n_closed = new.items is not None and new.items.always is False
    if (old.prefix or new.prefix) and o_closed != n_closed:
        kind = "additional_items_closed" if n_closed else "additional_items_opened"
        d.add(f"{path}/items", kind, T if n_closed else R, "array tail closed or opened")
    else:
        _slot(d, path, "items", old.items, new.items)
    _limit(d, path, "min_items", "minItems", old.min_items, new.min_items, 0)
    _limit(d, path, "max_items", "maxItems", old.max_items, new.max_items, None)
    if old.unique_items != new.unique_items:
        verb = "added" if new.unique_items else "removed"
        d.add(
            f"{path}/uniqueItems",
            f"unique_items_{verb}",
            T if new.unique_items else R,
            f"uniqueItems {verb}",
        )
    _slot(d, path, "contains", old.contains, new.contains, presence=True)
    if old.contains is not None and new.contains is not None:
        _limit(d, path, "min_contains", "minContains", old.min_contains, new.min_contains, 0)
        _limit(d, path, "max_contains", "maxContains", old.max_contains, new.max_contains, None)
    _slot(d, path, "unevaluatedItems", old.unevaluated_items, new.unevaluated_items)


def _walk_objects(d: Reporter, old: Node, new: Node, path: str) -> None:
    _properties(d, old, new, path)
    for name in sorted(new.required - old.required):
        d.add(f"{path}/required", "required_added", T, f"property {name!r} became required")
    for name in sorted(old.required - new.required):
        d.add(f"{path}/required", "required_removed", R, f"property {name!r} became optional")
    _additional(d, old, new, path)
    o_pats, n_pats = dict(old.pattern_props), dict(new.pattern_props)
    for pattern in dict.fromkeys([*o_pats, *n_pats]):
        where = f"{path}/patternProperties/{escape(pattern)}"
        if pattern in o_pats and pattern in n_pats:
            d.walk(o_pats[pattern], n_pats[pattern], where)
        elif pattern in n_pats:
            before = (old.additional,) if old.additional is not None else (_true(old),)
            d.add(
                where,
                "pattern_property_added",
                d.direction(before, (n_pats[pattern],)),
                f"patternProperties {pattern!r} added",
            )
        else:
            after = (new.additional,) if new.additional is not None else (_true(new),)
            d.add(
                where,
                "pattern_property_removed",
                d.direction((o_pats[pattern],), after),
                f"patternProperties {pattern!r} removed",
            )
    _slot(d, path, "propertyNames", old.property_names, new.property_names)
    _limit(d, path, "min_properties", "minProperties", old.min_props, new.min_props, 0)
    _limit(d, path, "max_properties", "maxProperties", old.max_props, new.max_props, None)
    _dependencies(d, old, new, path)
    _slot(d, path, "unevaluatedProperties", old.unevaluated_props, new.unevaluated_props)


def _properties(d: Reporter, old: Node, new: Node, path: str) -> None:
    added: list[str] = []
    removed: list[str] = []
    names: Iterable[str] = dict.fromkeys([*old.props, *new.props])
    changed = _changed(old, new)
    if changed is not None:  # unchanged source on both sides: nothing to report
        names = [n for n in names if n in changed]
    for name in names:
        where = f"{path}/properties/{escape(name)}"
        if name in old.props and name in new.props:
            d.walk(old.props[name], new.props[name], where)
            continue
        if name in new.props:
            added.append(name)
            direction = N if d.lenient else _moved(d, old, new.props[name], name, True)
            d.add(where, "property_added", direction, f"property {name!r} added")
        else:
            removed.append(name)
            direction = N if d.lenient else _moved(d, new, old.props[name], name, False)
            d.add(where, "property_removed", direction, f"property {name!r} removed")
    if len(added) == 1 and len(removed) == 1:
        gone, came = removed[0], added[0]
        if old.props[gone].same_as(new.props[came]):
            d.add(
                f"{path}/properties/{escape(came)}",
                "probable_rename",
                B,
                f"property {gone!r} probably renamed to {came!r}",
            )


def _moved(d: Reporter, other: Node, declared: Node, name: str, added: bool) -> Direction:
    """Direction of declaring ``name`` (``added``) or dropping it: compared with what governs
    the name on the ``other`` side (``both`` if that needs a pattern RE2 cannot run)."""
    try:
        governing = _governing([ObjPart(other.props, other.pattern_props, other.additional)], name)
    except Unmatchable:
        return B
    governing = governing or (_true(other),)
    return d.direction(governing, (declared,)) if added else d.direction((declared,), governing)


def _changed(old: Node, new: Node) -> set[str] | None:
    """The names whose source may differ (``LazyProps.changed``, references followed as
    ``Node.same_as`` follows them), when both sides keep
    their properties' source and read it in one dialect; None otherwise."""
    o, n = old.props, new.props
    if isinstance(o, LazyProps) and isinstance(n, LazyProps) and old.doc.dialect == new.doc.dialect:
        return o.changed(n, same_source(old, new))
    return None


def _additional(d: Reporter, old: Node, new: Node, path: str) -> None:
    o, n = old.additional, new.additional
    if o is None and n is None:
        return
    where = f"{path}/additionalProperties"
    o_open = o is None or d.unconstrained(o)
    n_open = n is None or d.unconstrained(n)
    o_closed = o is not None and o.always is False
    n_closed = n is not None and n.always is False
    if o_open and n_open:  # both accept everything: only annotations can differ
        d.walk(o or _true(old), n or _true(new), where)
        return
    lenient = N if d.lenient else None
    if n_closed and not o_closed:
        d.add(where, "additional_properties_closed", lenient or T, "object closed")
    elif o_closed and not n_closed:
        d.add(where, "additional_properties_opened", lenient or R, "object opened")
    elif o is not None and n is not None and o.always is None and n.always is None:
        d.walk(o, n, where)
    else:
        before = (o,) if o is not None else (_true(old),)
        after = (n,) if n is not None else (_true(new),)
        direction = d.direction(before, after)
        kind = (
            "additional_properties_widened"
            if direction is R
            else ("additional_properties_narrowed")
        )
        d.add(where, kind, lenient or direction, "catch-all schema changed")


def _dependencies(d: Reporter, old: Node, new: Node, path: str) -> None:
    for name in dict.fromkeys([*old.dep_required, *new.dep_required]):
        o, n = old.dep_required.get(name), new.dep_required.get(name)
        if o == n:
            continue
        where = f"{path}/dependentRequired/{escape(name)}"
        if o is None or n is None:
            kind, direction = ("added", T) if o is None else ("removed", R)
        elif n > o:
            kind, direction = "extended", T
        elif n < o:
            kind, direction = "narrowed", R
        else:
            kind, direction = "changed", B
        d.add(where, f"dependency_{kind}", direction, f"dependency of {name!r} {kind}")
    for name in dict.fromkeys([*old.dep_schemas, *new.dep_schemas]):
        _slot(
            d,
            f"{path}/dependentSchemas",
            escape(name),
            old.dep_schemas.get(name),
            new.dep_schemas.get(name),
            kind="dependent_schemas",
            label=f"dependent schema of {name!r}",
        )


def _walk_combinators(d: Reporter, old: Node, new: Node, path: str) -> None:
    switched = False
    for word, o_group, n_group in (
        ("anyOf", old.any_of, new.any_of),
        ("oneOf", old.one_of, new.one_of),
        ("allOf", old.all_of or None, new.all_of or None),
    ):
        if o_group is None and n_group is None:
            continue
        if o_group is None or n_group is None:
            if not switched:
                switched = True
                kind = (
                    "combinator_changed"
                    if (old.any_of or old.one_of or old.all_of)
                    and (new.any_of or new.one_of or new.all_of)
                    else f"{_snake(word)}_" + ("added" if o_group is None else "removed")
                )
                d.add(f"{path}/{word}", kind, d.direction((old,), (new,)), f"{word} changed")
            continue
        _branches(d, path, word, o_group, n_group, old, new)
    _negation(d, old, new, path)
    if old.if_ is not None or new.if_ is not None:
        if old.if_ is None or new.if_ is None or not old.if_.same_as(new.if_):
            d.add(f"{path}/if", "if_changed", d.direction((old,), (new,)), "condition changed")
        else:
            _slot(d, path, "then", old.then, new.then)
            _slot(d, path, "else", old.else_, new.else_)


def _branches(
    d: Reporter,
    path: str,
    word: str,
    o_group: tuple[Node, ...],
    n_group: tuple[Node, ...],
    old: Node,
    new: Node,
) -> None:
    gone = [o for o in o_group if not any(o.same_as(n) for n in n_group)]
    came = [i for i, n in enumerate(n_group) if not any(n.same_as(o) for o in o_group)]
    if len(gone) == len(came):
        for o, i in zip(gone, came, strict=True):
            d.walk(o, n_group[i], f"{path}/{word}/{i}")
        return
    snake = _snake(word)
    member = "member" if word == "allOf" else "branch"
    whole = d.direction((old,), (new,))
    for i in came:
        direction = T if word == "allOf" else (R if word == "anyOf" else whole)
        d.add(f"{path}/{word}/{i}", f"{snake}_{member}_added", direction, f"{word} {member} added")
    for o in gone:
        direction = R if word == "allOf" else (T if word == "anyOf" else whole)
        d.add(o.path, f"{snake}_{member}_removed", direction, f"{word} {member} removed")


def _negation(d: Reporter, old: Node, new: Node, path: str) -> None:
    o, n = old.not_, new.not_
    if (o is None and n is None) or (o is not None and n is not None and o.same_as(n)):
        return
    where = f"{path}/not"
    if o is None or n is None:
        d.add(
            where,
            "not_added" if o is None else "not_removed",
            T if o is None else R,
            "negation added" if o is None else "negation removed",
        )
        return
    d.add(where, "not_changed", _FLIP[d.direction((o,), (n,))], "negated schema changed")


def _snake(word: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in word).lstrip("_")


def _true(like: Node) -> Node:
    return Node(like.path, {}, like.doc, always=True)
