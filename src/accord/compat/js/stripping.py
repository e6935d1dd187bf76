"""When a lenient reader's stripping cannot change a schema's verdict.

A lenient reader sees a writer's value with the properties it does not declare dropped
(``witness.strip``). What is known of the value *as written* (for instance: it is in no
other branch of the writer ``oneOf`` it was drawn from) carries over to the stripped value
only for a schema whose verdict stripping cannot change, or when stripping changes no
value of the writer at all:

- ``stable``: at this level the writer emits only names the reader declares, so no key is
  dropped here, and the schema looks at the keys of nested objects nowhere (they may lose
  keys): below this level it only constrains types, scalars, strings, numbers and array
  lengths, and its enums hold no containers;
- ``unchanged``: at every depth, every name the writer may emit (in any branch) is one the
  reader declares there, so stripping drops nothing from any value of the writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from accord.compat.errors import SchemaError
from accord.compat.js.flat import Flat, ObjPart, flatten
from accord.compat.js.node import LazyProps, Node, canon_key
from accord.compat.js.patterns import matches
from accord.compat.js.proof import Skip
from accord.compat.js.values import item_nodes

LIMIT = 256  # sub-schemas (or writer/reader pairs) inspected per question: past it, no proof
_Pair = tuple[frozenset[tuple[int, int]], Skip, frozenset[tuple[int, int]]]
Cache = dict[_Pair, bool]
"""``unchanged`` answers of one checker, by writer/reader pair: a refutation always (it
never rests on an assumption), a proof once the question it was part of is proved (its
coinductive assumptions held)."""


def stable(schema: Node, writer: Flat, reader: Flat, cache: Cache | None = None) -> bool:
    """True when ``schema`` accepts a writer value of this level exactly when it accepts
    the value as a lenient reader on ``reader`` sees it (False: not proved)."""
    try:
        return _stable(schema, writer, reader, {} if cache is None else cache)
    except (SchemaError, _Unparsed):
        # a sub-schema parsed on demand that cannot be, or that might not be (a remote
        # ``$ref`` the decision itself never needed): no proof
        return False


class _Unparsed(Exception):
    """A property not parsed yet whose parsing might fail (``LazyProps.parsed_or_safe``)."""


def _prop(props: Mapping[str, Node], name: str) -> Node:
    """The sub-schema of property ``name``, unless parsing it might break the document: a
    proof is optional, and a document broken by one refuses the whole check."""
    node = props.parsed_or_safe(name) if isinstance(props, LazyProps) else props[name]
    if node is None:
        raise _Unparsed(name)
    return node


def _stable(schema: Node, writer: Flat, reader: Flat, cache: Cache) -> bool:
    left = [LIMIT]
    known: dict[str, bool] = {}
    emitted = emitted_names(writer)

    def kept(name: str) -> bool:  # the writer's value of ``name`` reaches ``schema`` whole
        if name not in known:
            mine = tuple(_prop(p.props, name) for p in writer.obj_parts if name in p.props)
            if emitted is None or _matched(writer.obj_parts, name):
                known[name] = False  # its value is a catch-all's or a pattern's: not proved
            elif name not in emitted:
                known[name] = True  # never emitted
            else:
                theirs = _governing(_reader_parts(reader)[0], name)
                known[name] = _proved(mine, theirs, frozenset(), left, cache)
        return known[name]

    top = _Level(_keeps_keys(emitted, reader), emitted, kept)
    return _invariant(schema, reader.nodes, top, set(), left)


def apart(other: Node, writer: Flat, reader: Flat) -> bool:
    """No value of the lenient writer ``writer``, as a lenient reader on ``reader`` sees
    it, is valid under ``other``, told by names alone (False: not proved): ``other``
    requires a name the writer never emits (stripping adds none), or is closed to a name
    every writer value holds and the reader keeps. Values of other types ``other`` must
    reject by type: its names say nothing of them."""
    fo = flatten((other,))
    if writer.types & fo.types - {"object"}:
        return False
    emitted = emitted_names(writer)
    if emitted is not None and fo.required - emitted:
        return True
    parts, required = _reader_parts(reader)
    held = [n for n in writer.required if declared(parts, required, n)]
    return any(_closed_to(p, n) for p in fo.obj_parts for n in held)


def keeps(reader: Flat, name: str) -> bool:
    """A lenient reader on ``reader`` keeps the property ``name`` (``witness.strip``)."""
    parts, required = _reader_parts(reader)
    return declared(parts, required, name) or any(catch_all(p) for p in parts)


def _closed_to(part: ObjPart, name: str) -> bool:
    return (
        part.additional is not None
        and part.additional.always is False
        and name not in part.props
        and not any(matches(pat, name) for pat, _ in part.patterns)
    )


def emitted_names(writer: Flat) -> frozenset[str] | None:
    """The names the lenient writer ``writer`` may emit here (None: any name)."""
    if any(catch_all(p) or p.patterns for p in writer.obj_parts) or any(
        not u.covered and u.target.always is not False for u in writer.unevaluated_props
    ):
        return None
    return frozenset({n for p in writer.obj_parts for n in p.props} | writer.required)


@dataclass(frozen=True, eq=False)
class _Level:
    """What is known of the value at the level ``_invariant`` looks at: ``whole``, no name
    is dropped there; ``emitted``, the names the writer may hold there (None: any);
    ``kept``, a property whose value stripping leaves unchanged. Memo keys hold it by
    identity: one per question, and one for every nested level."""

    whole: bool
    emitted: frozenset[str] | None
    kept: Callable[[str], bool]

    def may_hold(self, name: str) -> bool:
        return self.emitted is None or name in self.emitted


_BELOW = _Level(False, None, lambda _: False)  # nothing known of a nested value


def _keeps_keys(emitted: frozenset[str] | None, reader: Flat) -> bool:
    """Every name the lenient writer may emit here (``emitted``) is one the reader keeps."""
    if emitted is None:
        return False  # the writer may emit any name
    parts, required = _reader_parts(reader)
    return all(declared(parts, required, n) for n in emitted)


def declared(parts: list[ObjPart], required: set[str], name: str) -> bool:
    return name in required or any(name in p.props for p in parts) or _matched(parts, name)


def _reader_parts(reader: Flat) -> tuple[list[ObjPart], set[str]]:
    """The layouts and required names a lenient reader keeps names by (``witness.strip``):
    its conjunction's and its direct ``anyOf``/``oneOf`` branches'."""
    parts, required = list(reader.obj_parts), set(reader.required)
    for _, group in reader.any_of + reader.one_of:
        for branch in group:
            flat = flatten((branch,))
            parts.extend(flat.obj_parts)
            required |= flat.required
    return parts, required


def _governing(parts: list[ObjPart], name: str) -> tuple[Node, ...]:
    """The nodes a lenient reader strips the value of ``name`` by (``witness.strip``)."""
    out = [_prop(p.props, name) for p in parts if name in p.props]
    return (*out, *(s for p in parts for pat, s in p.patterns if matches(pat, name)))


def catch_all(part: ObjPart) -> bool:
    return part.additional is not None and part.additional.always is None


def _matched(parts: list[ObjPart], name: str) -> bool:
    return any(matches(pat, name) for p in parts for pat, _ in p.patterns)


def _invariant(
    node: Node,
    reader: tuple[Node, ...],
    level: _Level,
    seen: set[tuple[int, frozenset[tuple[int, int]], _Level]],
    left: list[int],
) -> bool:
    """``node`` accepts a value exactly when it accepts it stripped by a lenient reader on
    ``reader``. Stripping drops the names the reader does not declare, at every depth: a
    keyword that looks at the set of names (``minProperties``, ``additionalProperties``,
    …) is unaffected only where no name is dropped (``level.whole``, or a reader
    catch-all), and ``required`` or ``properties`` of a dropped name only where the writer
    never holds it. A reference cycle is assumed invariant: each lap descends into the
    value, which is finite."""
    if node.unsupported is not None:
        return False
    if node.always is not None or not reader:
        return True  # nothing governs the value: the reader keeps it whole
    memo = (id(node), canon_key(reader), level)
    if memo in seen:
        return True
    left[0] -= 1
    if left[0] < 0 or node.unique_items:
        return False
    seen.add(memo)
    if node.enum is not None and any(isinstance(v, dict | list) for v in node.enum.values):
        return False
    if node.unevaluated_props is not None or node.unevaluated_items is not None:
        return False
    fr = flatten(reader)
    parts, required = _reader_parts(fr)
    if any(p.patterns for p in parts) and (node.pattern_props or node.additional):
        return False  # names only a pattern governs: not proved
    whole = level.whole or any(catch_all(p) for p in parts)  # no name is dropped here

    def dropped(name: str) -> bool:  # the writer may hold it and the reader drops it
        return not whole and level.may_hold(name) and not declared(parts, required, name)

    if (not whole and _counts_names(node)) or any(dropped(n) for n in node.required):
        return False

    def below(other: Node, governing: tuple[Node, ...]) -> bool:
        return _invariant(other, governing, _BELOW, seen, left)

    for name in node.props:
        sub = _prop(node.props, name)
        if dropped(name):
            if sub.always is not True:
                return False  # the schema sees it go
        elif not level.kept(name) and not below(sub, _governing(parts, name)):
            return False
    named = {n for p in parts for n in p.props} | required
    extra = [n for n in named if n not in node.props]
    checks = [(node.additional, n) for n in extra if node.additional is not None]
    checks += [(s, n) for pat, s in node.pattern_props for n in named if matches(pat, n)]
    if not all(below(s, _governing(parts, n)) for s, n in checks):
        return False
    longest = max((len(p.prefix) for p in fr.arr_parts), default=0)
    for index in range(max(longest, len(node.prefix)) + 1):
        theirs = item_nodes(fr, index)
        mine = node.prefix[index] if index < len(node.prefix) else node.items
        if any(s is not None and not below(s, theirs) for s in (mine, node.contains)):
            return False
    others = [*node.all_of, *(node.any_of or ()), *(node.one_of or ())]
    others += _present(node.not_, node.if_, node.then, node.else_, node.ref)
    others += node.dep_schemas.values()
    return all(_invariant(o, reader, level, seen, left) for o in others)


def _counts_names(node: Node) -> bool:
    """``node`` looks at which names an object holds beyond those it requires."""
    return bool(
        node.pattern_props
        or node.additional is not None
        or node.min_props
        or node.max_props is not None
        or node.property_names is not None
        or node.dep_required
        or node.dep_schemas
    )


def _present(*nodes: Node | None) -> list[Node]:
    return [n for n in nodes if n is not None]


def unchanged(
    writer: tuple[Node, ...], reader: tuple[Node, ...], split: Skip, cache: Cache | None = None
) -> bool:
    """True when a lenient reader on ``reader`` strips nothing from any value of the
    lenient writer ``writer`` (False: not proved); ``split``: the writer disjunctions whose
    branch is already in ``writer``. The others are taken branch by branch (a value lies
    in one conjunction of branches); a reference cycle is assumed to strip nothing: each
    lap descends into the value, which is finite."""
    try:
        return _proved(writer, reader, split, [LIMIT], {} if cache is None else cache)
    except (SchemaError, _Unparsed):  # as in ``stable``: no proof
        return False


def _proved(
    writer: tuple[Node, ...], reader: tuple[Node, ...], split: Skip, left: list[int], cache: Cache
) -> bool:
    """``_Walk.unchanged`` as a question of its own: its proofs join ``cache`` once it holds."""
    walk = _Walk(left, cache)
    if not walk.unchanged(writer, reader, split):
        return False
    cache.update(dict.fromkeys(walk.seen, True))
    return True


class _Walk:
    """One ``unchanged`` question: the writer/reader pairs on its path (``seen``: assumed
    to strip nothing, coinductively), the shared budget (``left``) and the checker's
    answers (``cache``)."""

    def __init__(self, left: list[int], cache: Cache) -> None:
        self.seen: set[_Pair] = set()
        self.left = left
        self.cache = cache

    def unchanged(self, writer: tuple[Node, ...], reader: tuple[Node, ...], split: Skip) -> bool:
        """``split``: the writer disjunctions already taken branch by branch (their chosen
        branch is in ``writer``)."""
        if not reader:
            return True  # nothing governs the value: a lenient reader keeps it whole
        if not writer:
            return False  # the writer's value is unconstrained: it may hold anything
        pair = (canon_key(writer), split, canon_key(reader))
        known = self.cache.get(pair)
        if known is not None:
            return known
        if pair in self.seen:
            return True
        self.left[0] -= 1
        if self.left[0] < 0:
            return False
        self.seen.add(pair)
        if not self._strips_nothing(writer, reader, split):
            self.cache[pair] = False
            return False
        return True

    def _strips_nothing(
        self, writer: tuple[Node, ...], reader: tuple[Node, ...], split: Skip
    ) -> bool:
        fw = flatten(writer, split)
        if fw.never or not fw.types & {"object", "array"}:
            return True
        for owner, group, word in [(o, g, "anyOf") for o, g in fw.any_of] + [
            (o, g, "oneOf") for o, g in fw.one_of
        ]:  # a value lies in some branch of each
            inner = split | {(id(owner), word)}
            return all(self.unchanged((*writer, b), reader, inner) for b in group)
        fr = flatten(reader)
        if "object" in fw.types and not self._objects_kept(fw, fr):
            return False
        if "array" in fw.types:
            longest = max((len(p.prefix) for p in [*fw.arr_parts, *fr.arr_parts]), default=0)
            for index in range(longest + 1):
                items = item_nodes(fw, index), item_nodes(fr, index)
                if not self.unchanged(*items, frozenset()):
                    return False
        return True

    def _objects_kept(self, fw: Flat, fr: Flat) -> bool:
        """Every property the writer conjunction ``fw`` may emit is kept, and kept whole."""
        if any(p.patterns for p in fw.obj_parts) or any(
            not u.covered and u.target.always is not False for u in fw.unevaluated_props
        ):
            return False  # names a pattern governs: not proved
        r_parts, r_required = _reader_parts(fr)
        reader_keeps_all = any(catch_all(p) for p in r_parts)

        def theirs(name: str) -> tuple[Node, ...]:
            return _governing(r_parts, name)

        names = {n for p in fw.obj_parts for n in p.props} | fw.required
        if any(catch_all(p) for p in fw.obj_parts):
            # any other name may come, its value under every conjunct's catch-all: the
            # reader must keep it, and keep whole the ones it declares
            if not reader_keeps_all or any(p.patterns for p in r_parts):
                return False
            rest = tuple(p.additional for p in fw.obj_parts if p.additional is not None)
            others = {n for p in r_parts for n in p.props} - names
            if not all(self.unchanged(rest, theirs(n), frozenset()) for n in others):
                return False
        if not reader_keeps_all and not all(declared(r_parts, r_required, n) for n in names):
            return False  # the reader drops a name (found before any value is looked into)
        for name in names:
            mine = tuple(_prop(p.props, name) for p in fw.obj_parts if name in p.props)
            if not self.unchanged(mine, theirs(name), frozenset()):
                return False
        return True
