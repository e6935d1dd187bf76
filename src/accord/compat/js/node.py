"""Normalised JSON Schema nodes: one ``Node`` per sub-schema, dialects unified.

Dialect differences are removed here so the rest of the engine sees one language:
``definitions``/``$defs``; ``items`` array + ``additionalItems`` vs ``prefixItems`` + ``items``;
``dependencies`` split into ``dependentRequired``/``dependentSchemas``; draft-04 boolean
exclusive bounds; ``const`` as a one-value enum; ``$ref`` siblings ignored before 2019-09.
A ``$ref`` becomes an extra conjunct pointing at the (shared, memoised) target node, so
recursive schemas are finite graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, partial
from typing import Any

from accord.compat.canonical import key
from accord.compat.errors import SchemaError

MAX_DEPTH = 96
"""Deepest sub-schema nesting accepted; deeper input gets a clean ``SchemaError``."""

TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})

ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "$comment",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
        "$id",
        "id",
        "$schema",
        "$anchor",
        "$vocabulary",
        "$defs",
        "definitions",
        "format",
    }
)


def canon_key(nodes: tuple[Node, ...]) -> frozenset[tuple[int, int]]:
    """A conjunction's memo key: its nodes' meanings, in any order, without repeats."""
    if len(nodes) == 1:
        return nodes[0].canon_set
    return frozenset([n.canon() for n in nodes])


@dataclass(frozen=True)
class Bound:
    """A numeric bound; ``exclusive`` for ``exclusiveMinimum``/``exclusiveMaximum``."""

    value: int | float
    exclusive: bool


@dataclass(frozen=True)
class EnumSet:
    """Enum values kept in order (for messages) and as canonical keys (for set algebra)."""

    values: tuple[Any, ...]
    keys: frozenset[Any]


CHANGED_KEPT = 16  # ``LazyProps.changed`` answers kept per property map


class LazyProps(Mapping[str, "Node"]):
    """``properties`` sub-schemas, each parsed on first access.

    Two versions of a large schema mostly share unchanged properties; comparing their source
    (``changed``) lets the engine skip parsing them at all, which is what keeps a
    1,000-property comparison within milliseconds. ``Document(eager=True)`` parses everything.
    """

    def __init__(
        self,
        raw: dict[str, Any],
        build: Callable[[str], Node],
        texts: dict[str, str] | None = None,
        refs_possible: bool = True,
        remote_refs: bool = False,
    ) -> None:
        """``texts``: each property's ``repr``, when the document already made them;
        ``refs_possible``: False when the document holds no reference at all;
        ``remote_refs``: True when it names a remote one (parsing may then fail)."""
        self.raw = raw
        self._build = build
        self._given = texts
        self._refs_possible = refs_possible
        self._remote_refs = remote_refs
        self._nodes: dict[str, Node] = {}
        self._by_text: dict[str, object] | None = None
        self._ref_texts: dict[str, str] | None = None  # the reference-holding ones
        self._changed: dict[tuple[int, bool], tuple[LazyProps, frozenset[str]]] = {}
        self._order: dict[str, int] | None = None

    def __getitem__(self, name: str) -> Node:
        node = self._nodes.get(name)
        if node is None:
            if name not in self.raw:
                raise KeyError(name)
            node = self._nodes[name] = self._build(name)
        return node

    def parsed_or_safe(self, name: str) -> Node | None:
        """The sub-schema of ``name`` if it is parsed already or parsing it cannot fail on
        a remote reference; None otherwise. For questions that may be left unanswered: a
        failed parse leaves the document refusing every later one (``Document.broken``),
        which must not be the price of a question the decision itself never asked."""
        if self._remote_refs and name not in self._nodes:
            return None
        return self[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, name: object) -> bool:
        return name in self.raw

    def changed(
        self, other: LazyProps, same: Callable[[Any, Any, str], bool] | None = None
    ) -> set[str]:
        """Names whose sub-schema may differ from ``other``'s: declared on one side only, or
        with different source, or with equal reference-holding source that ``same`` (the
        documents' raw sameness proof, ``Document.same_source``) does not prove to mean
        the same. Set algebra on the two sides' texts (made once per document), so a
        version compared with a thousand others pays per changed name only; ``same``
        walks raw sources, so a property proved the same is never parsed. Kept per
        ``other`` (both directions of a check and its change list ask the same): a fresh
        set each time."""
        memo_key = (id(other), same is None)
        found = self._changed.get(memo_key)
        if found is not None:  # (``other`` is kept alive with it: its id stays its own)
            return set(found[1])
        out = {name for name, _ in self.keys_by_text().items() ^ other.keys_by_text().items()}
        if same is not None and out:
            mine, theirs = self._ref_texts or {}, other._ref_texts or {}
            for name in [n for n in out if n in mine and mine[n] == theirs.get(n)]:
                if same(self.raw[name], other.raw[name], mine[name]):
                    out.discard(name)
        if len(self._changed) >= CHANGED_KEPT:  # a version compared with many others
            self._changed.clear()
        self._changed[memo_key] = (other, frozenset(out))
        return out

    def order(self) -> dict[str, int]:
        """Each name's position in the source (made once)."""
        if self._order is None:
            self._order = {name: i for i, name in enumerate(self.raw)}
        return self._order

    def keys_by_text(self) -> dict[str, object]:
        """Each property's text (``repr``: it tells ``False`` from ``0`` and ``1`` from
        ``1.0``, unlike ``==``), or a token equal to nothing else when it holds a reference
        (equal text is not equal meaning then). Made once per document."""
        if self._by_text is None:
            given = self._given
            texts: dict[str, object] = (
                dict(given) if given is not None else {n: repr(v) for n, v in self.raw.items()}
            )
            if self._refs_possible:
                self._ref_texts = {n: str(t) for n, t in texts.items() if refers(str(t))}
                texts = {n: t if n not in self._ref_texts else object() for n, t in texts.items()}
            self._by_text = texts
        return self._by_text


def same_source(a: Node, b: Node) -> Callable[[Any, Any, str], bool] | None:
    """``LazyProps.changed``'s ``same`` for the properties of ``a`` and ``b``: their
    documents' raw sameness proof, which ``Node.same_as`` uses across two documents.
    None within one document: there ``same_as`` also compares the properties' base URIs,
    which are their own objects' (``a`` and ``b`` may be ``$ref``s to them)."""
    if a.doc is b.doc:
        return None
    return partial(a.doc.same_source, b.doc)


def refers(text: str) -> bool:
    """``text`` names a reference keyword (``$ref``, ``$dynamicRef``, ``$recursiveRef``).
    Substring tests: a document's whole text is scanned at C speed, unlike a regex."""
    return "$" in text and ("$ref" in text or "$dynamicRef" in text or "$recursiveRef" in text)


@dataclass(eq=False)
class Node:
    """One normalised sub-schema. ``raw`` is the source, ``path`` its JSON pointer."""

    path: str
    raw: Any
    doc: Any  # the owning Document; typed loosely to avoid an import cycle
    always: bool | None = None  # True/False for schemas that accept everything/nothing
    types: frozenset[str] | None = None
    enum: EnumSet | None = None
    lower: Bound | None = None
    upper: Bound | None = None
    multiple_of: Fraction | None = None
    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    prefix: tuple[Node, ...] = ()
    items: Node | None = None
    min_items: int = 0
    max_items: int | None = None
    unique_items: bool = False
    contains: Node | None = None
    min_contains: int = 1
    max_contains: int | None = None
    props: Mapping[str, Node] = field(default_factory=dict)
    pattern_props: tuple[tuple[str, Node], ...] = ()
    additional: Node | None = None
    required: frozenset[str] = frozenset()
    min_props: int = 0
    max_props: int | None = None
    property_names: Node | None = None
    dep_required: dict[str, frozenset[str]] = field(default_factory=dict)
    dep_schemas: dict[str, Node] = field(default_factory=dict)
    unevaluated_props: Node | None = None
    unevaluated_items: Node | None = None
    all_of: tuple[Node, ...] = ()
    any_of: tuple[Node, ...] | None = None
    one_of: tuple[Node, ...] | None = None
    not_: Node | None = None
    if_: Node | None = None
    then: Node | None = None
    else_: Node | None = None
    ref: Node | None = None
    ref_text: str | None = None
    unsupported: str | None = None  # keyword we cannot reason about (e.g. $dynamicRef)
    has_ref: bool = False  # True when this subtree contains a $ref (raw equality not enough)
    base: str = ""  # base URI its references resolve against
    canon_id: int | None = None

    def __repr__(self) -> str:
        return f"Node({self.path or '/'})"

    @cached_property
    def text(self) -> str:
        """The source's ``repr`` (made once)."""
        return repr(self.raw)

    def canon(self) -> tuple[int, int]:
        """Equal for two nodes of one document with the same source and base URI, which
        therefore mean the same. Memo keys use it: ``{"$ref": "#/$defs/a"}`` written twice
        (``allOf: [r, r]`` at every level) must not double the work at every level."""
        return self.canon_pair

    @cached_property
    def canon_set(self) -> frozenset[tuple[int, int]]:
        """``canon_key`` of this node alone (made once: most memo keys are one node)."""
        return frozenset((self.canon_pair,))

    @cached_property
    def canon_pair(self) -> tuple[int, int]:
        """``canon``, made once."""
        table: dict[tuple[str, str], int] = self.doc.canon_table
        # a node whose source is the whole document's (the root) stands for it: that text
        # is never made for this (``repr`` never spells a NUL)
        text = "\x00" if self.raw is self.doc.raw else self.text
        self.canon_id = table.setdefault((self.base, text), len(table))
        return id(self.doc), self.canon_id

    def conjuncts(self) -> tuple[Node, ...]:
        """This node's ``allOf`` members and ``$ref`` target (each also a conjunct)."""
        if self.ref is None:
            return self.all_of
        return (*self.all_of, self.ref)

    def same_as(self, other: Node) -> bool:
        """Cheap proof that two nodes mean the same: identical, equal ref-free source, or
        equal source whose references reach equal definitions in both documents."""
        if self is other:
            return True
        if self.doc.dialect != other.doc.dialect or self.raw != other.raw:
            return False
        # Python's == says False == 0 and 1 == 1.0; repr tells them apart (conservatively)
        if self.text != other.text:
            return False
        if not self.has_ref and not other.has_ref:
            return True
        # within one document a base URI changes what relative references reach; across two,
        # sameness compares only plain documents (pointer references) or ref-free sub-trees
        same_base = self.base == other.base or self.doc is not other.doc
        return same_base and self.doc.same_source(other.doc, self.raw, other.raw)


def regex(pattern: Any, path: str) -> str:
    """An ECMA-262 pattern, checked (``SchemaError`` if invalid). One that RE2 cannot run
    (lookaround, backreferences) stays valid: decisions that must match it are undecided."""
    from accord.compat.js.patterns import check

    return check(pattern, path)


def number(value: Any, path: str) -> int | float:
    """A JSON number keyword value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError("must be a number", path)
    return value


def count(value: Any, path: str) -> int:
    """A non-negative integer keyword value (1.0 is accepted, as the drafts allow)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SchemaError("must be a non-negative integer", path)
    return value


def names(value: Any, path: str) -> frozenset[str]:
    """A list of property names."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError("must be an array of strings", path)
    return frozenset(value)


def enum_set(values: list[Any]) -> EnumSet:
    """Enum values as an ``EnumSet`` (duplicates collapse)."""
    keys = frozenset(key(v) for v in values)
    return EnumSet(tuple(values), keys)


def escape(segment: str) -> str:
    """JSON pointer escaping of one segment."""
    return segment.replace("~", "~0").replace("/", "~1")
