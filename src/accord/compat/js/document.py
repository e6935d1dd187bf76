"""Parse a JSON Schema document into normalised ``Node``s, resolving internal ``$ref``s.

Remote references resolve only through schemas the caller supplies (``refs``, by URI):
never fetched. Unguarded reference cycles (a schema that
refers to itself without descending into the instance, e.g. ``{"$ref": "#"}``) are refused
too: the real validator would recurse forever on them.

Parsing needs no python-jsonschema: the real validator (``real``) is imported with the first
witness checked, so a compatible pair never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin

from accord.compat.budget import tick
from accord.compat.errors import SchemaError
from accord.compat.js import keywords
from accord.compat.js.dialect import Dialect, detect
from accord.compat.js.node import MAX_DEPTH, Node, refers
from accord.compat.js.sameness import Pair, Plain

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

DEFAULT_BASE = "https://accord.invalid/schema.json"
_ID_WORDS = ("$id", "id", "$anchor", "$dynamicAnchor")  # what ``_ids`` counts
# an identifier keyword with a string value, as ``repr`` spells it (a property named "id"
# is no identifier)
_ID_TEXTS = tuple(f"'{word}': {quote}" for word in _ID_WORDS for quote in "'\"")
# string references (by quote), those of them that are JSON pointers into the document,
# and an odd identifier: see ``_plain_text``
_QUOTED_REFS = ("'$ref': '", "'$ref': \"")
_POINTER_REFS = ("'$ref': '#/", "'$ref': '#'", "'$ref': \"#/", "'$ref': \"#\"")
# every reference keyword with a string value, and those of them that stay in the
# document (a pointer or an anchor): see ``remote_refs``
_REF_WORDS = ("$ref", "$dynamicRef", "$recursiveRef")
# (``$ref``'s first: without a dynamic reference the others are absent)
_ANY_REFS = tuple(f"'{word}': {quote}" for word in _REF_WORDS for quote in "'\"")
_LOCAL_REFS = tuple(f"{spelled}#" for spelled in _ANY_REFS)
_ODD_IDS = ("'$recursiveAnchor': '", "'$recursiveAnchor': \"")
_PAIRS_KEPT = 64  # documents compared with this one whose reference pairing is kept
_VERDICTS_KEPT = 8_192  # validation results kept per document (see ``valid``)


class Document:
    """A parsed root schema: its dialect, its nodes by JSON pointer, its real validator."""

    def __init__(
        self,
        raw: Any,
        *,
        assert_formats: bool = False,
        eager: bool = False,
        refs: Mapping[str, Any] | None = None,
        default_dialect: Dialect | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> None:
        """``texts``: the ``repr`` of each of the root's ``properties``, when the caller
        already has them (a table's rows: `table.rowschema.spelled_rows`)."""
        if not isinstance(raw, dict | bool):
            raise SchemaError("a JSON Schema must be an object or a boolean")
        self.raw = raw
        self._root_texts: tuple[Any, dict[str, str]] | None = None
        try:  # one C-speed scan of the whole document; also a cheap guard against depth
            text = self._scan(raw, texts)
        except RecursionError:
            raise SchemaError(f"schema nested deeper than {MAX_DEPTH} levels") from None
        self.dialect = detect(raw, default_dialect, text)
        self.any_ref = refers(text)
        count = _Counts(text)  # the scans below share their counts
        # dynamic scopes make a target's validity depend on the way in: no $ref memo then
        dynamic = _dynamic(text)
        self.memo_refs = not dynamic
        # some reference leaves the document: parsing the part holding it may fail (an
        # unsupplied one), so questions that may go unanswered parse nothing new
        words = len(_ANY_REFS) if dynamic else len(_QUOTED_REFS)  # (the others: absent)
        self.remote_refs = self.any_ref and count(*_ANY_REFS[:words]) > count(*_LOCAL_REFS[:words])
        # identifiers must all be registered before references resolve: parse everything
        # (the root's own are registered as it is built: they alone need no full parse)
        below_root = _ids(text, count) > _root_ids(raw)
        eager = eager or below_root
        # plain for sameness (``sameness.Plain``), read off the text when it clearly is
        self._plain = not below_root and self.memo_refs and _plain_root(raw, text, count)
        self.assert_formats = assert_formats
        self.nodes: dict[str, Node] = {}
        self.canon_table: dict[tuple[str, str], int] = {}  # see Node.canon
        self.resources: dict[str, str] = {}
        self.anchors: dict[str, str] = {}
        self.pending: list[tuple[Node, str, str]] = []
        # the error a property parsed on demand met: its half-built nodes stay behind, so
        # every later demand fails with it too (no question may see them as schemas)
        self.broken: SchemaError | None = None
        self._validators: dict[int, tuple[Node, Validator]] = {}
        self._verdicts: dict[tuple[int, str], bool] = {}  # see ``valid``
        self._lookups: dict[tuple[str, str], Any] = {}  # the real validator's (``real.run``)
        self._pairs: dict[int, tuple[Document, Pair]] = {}
        self.flat_cache: dict[Any, Any] = {}  # see flat.flatten
        self._cycle_state: dict[int, int] = {}  # see _check_cycles: 1 on the path, 2 done
        self._cycles_from = 0
        # supplied schemas by the URI a $ref names them with (fragment dropped)
        self.refs = {uri.partition("#")[0]: doc for uri, doc in (refs or {}).items()}
        self.externals: dict[str, Any] = {}  # the ones in use, by absolute URI
        base = DEFAULT_BASE
        self.resources[base] = ""
        self.root = self.build(raw, "", base, 0)
        if eager:
            self.parse_all()
        self.resolve_pending()

    def _scan(self, raw: Any, known: Mapping[str, str] | None) -> str:
        """The document's text for the keyword scans below. A root with properties is
        spelled property by property, and those texts are kept for its ``LazyProps``
        (which compares properties by them): one ``repr`` pass instead of two, none for
        the properties whose texts are ``known``. Property names are left out: they are
        data, never keywords. (On the real pairs of ``bench/compat_realworld.py``, splitting
        every root with properties beat splitting only those with 32 or more.)"""
        props = raw.get("properties") if isinstance(raw, dict) else None
        if not isinstance(props, dict) or not props:
            return repr(raw)
        known = known or {}
        texts = {name: known.get(name) or repr(value) for name, value in props.items()}
        self._root_texts = (props, texts)
        rest = repr({k: v for k, v in raw.items() if k != "properties"})
        return "\n".join((rest, *texts.values()))

    def texts_for(self, props: Any) -> dict[str, str] | None:
        """The texts ``_scan`` made for this ``properties`` object, if it made them."""
        found = self._root_texts
        return found[1] if found is not None and found[0] is props else None

    def parse_all(self) -> None:
        """Parse every lazily kept sub-schema (full validation)."""
        seen = 0
        while seen < len(self.nodes):
            batch = list(self.nodes.values())[seen:]
            seen += len(batch)
            for node in batch:
                for _ in node.props.values():
                    pass

    def resolve_pending(self) -> None:
        """Resolve references recorded while parsing (may parse more nodes)."""
        if not self.pending:
            return
        while self.pending:
            node, ref, ref_base = self.pending.pop()
            node.ref = self.resolve(ref, ref_base, node.path)
        self._check_cycles()

    def build(self, raw: Any, path: str, base: str, depth: int) -> Node:
        """Node for ``raw`` at ``path`` (memoised: refs and recursion share nodes)."""
        existing = self.nodes.get(path)
        if existing is not None:
            return existing
        if depth > MAX_DEPTH:
            raise SchemaError(f"schema nested deeper than {MAX_DEPTH} levels", path)
        tick()
        node = Node(path, raw, self)
        self.nodes[path] = node
        if isinstance(raw, bool):
            node.always = raw
            return node
        if not isinstance(raw, dict):
            raise SchemaError("a schema must be an object or a boolean", path)
        base = node.base = self._identify(raw, path, base)
        keywords.parse(self, node, raw, base, depth)
        return node

    def _identify(self, raw: dict[str, Any], path: str, base: str) -> str:
        """Register ``$id``/``id``/``$anchor`` and return the base URI for this sub-schema."""
        ident = raw.get("id" if self.dialect is Dialect.DRAFT4 else "$id")
        if isinstance(ident, str):
            if ident.startswith("#"):
                self.anchors[f"{base}#{ident[1:]}"] = path
            else:
                absolute, _, fragment = urljoin(base, ident).partition("#")
                self.resources.setdefault(absolute, path)
                if fragment:
                    self.anchors[f"{absolute}#{fragment}"] = path
                base = absolute
        anchor = raw.get("$anchor")
        if isinstance(anchor, str):
            self.anchors[f"{base}#{anchor}"] = path
        return base

    def resolve(self, ref: str, base: str, path: str) -> Node:
        """Target node of an internal ``$ref``; ``SchemaError`` for anything remote."""
        if ref.startswith("#"):
            uri, fragment = base, ref[1:]
        else:
            uri, _, fragment = urljoin(base, ref).partition("#")
        if uri not in self.resources:
            self._supply(uri, ref.partition("#")[0], ref, path)
        if fragment and not fragment.startswith("/"):
            target = self.anchors.get(f"{uri}#{fragment}")
            if target is None:
                raise SchemaError(f"$ref {ref!r}: no such anchor", path)
            return self.nodes[target]
        return self.node_at(self.resources[uri] + unquote(fragment), path)

    def _supply(self, uri: str, written: str, ref: str, path: str) -> None:
        """Register the supplied schema a remote reference names (as written, or resolved
        against the base URI), or refuse: Accord never fetches."""
        for name in (uri, written):
            if name in self.refs:
                raw = self.refs[name]
                break
        else:
            raise SchemaError(
                f"remote $ref {ref!r} is not supplied (Accord never fetches schemas)", path
            )
        if not isinstance(raw, dict | bool):
            raise SchemaError(f"the schema supplied for {uri!r} is not an object or a boolean")
        self.externals[uri] = raw
        self.resources[uri] = f"{uri}#"
        text = repr(raw)
        self.memo_refs = self.memo_refs and not _dynamic(text)
        self.build(raw, f"{uri}#", uri, 0)
        if _ids(text):  # its identifiers must be known before references resolve
            self.parse_all()

    def node_at(self, pointer: str, referrer: str) -> Node:
        """Node at a JSON pointer, built on demand (a ``$ref`` may point anywhere). A
        supplied schema's nodes are at ``URI#pointer``."""
        found = self.nodes.get(pointer)
        if found is not None:
            return found
        raw: Any = self.raw
        base = DEFAULT_BASE
        if pointer and not pointer.startswith("/"):
            base, _, pointer_in = pointer.partition("#")
            raw = self.externals[base]
        else:
            pointer_in = pointer
        parts = pointer_in.split("/")[1:]
        for part in parts:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(raw, dict) and part in raw:
                raw = raw[part]
            elif isinstance(raw, list) and part.isdigit() and int(part) < len(raw):
                raw = raw[int(part)]
            else:
                raise SchemaError(f"$ref target {pointer!r} does not exist", referrer)
        node = self.build(raw, pointer, base, len(parts))
        self.resolve_pending()
        return node

    def _check_cycles(self) -> None:
        """Refuse cycles of references that never descend into the instance.

        Only called after references were recorded, so some node always has one, and every
        node built so far has its edges final (its references are resolved): what an
        earlier call proved acyclic stays so, and only nodes built since are walked.
        """
        state = self._cycle_state
        new = list(islice(self.nodes.values(), self._cycles_from, None))
        self._cycles_from = len(self.nodes)
        for start in new:
            if state.get(id(start)) == 2:
                continue
            state[id(start)] = 1
            stack: list[tuple[Node, list[Node], int]] = [(start, same_instance(start), 0)]
            while stack:
                node, edges, index = stack.pop()
                if index < len(edges):
                    stack.append((node, edges, index + 1))
                    child = edges[index]
                    mark = state.get(id(child))
                    if mark == 1:
                        raise SchemaError("reference cycle that never descends", child.path)
                    if mark is None:
                        state[id(child)] = 1
                        stack.append((child, same_instance(child), 0))
                else:
                    state[id(node)] = 2

    @cached_property
    def plain(self) -> Plain:
        """This document's reference structure (see ``sameness``)."""
        return Plain(self.raw, known=self._plain)

    def same_source(self, other: Document, mine: Any, theirs: Any, text: str | None = None) -> bool:
        """``mine`` (a sub-tree of this document's source) means what ``theirs`` (of
        ``other``'s) means: equal source, references reaching equal definitions.
        ``text``: the ``repr`` both have, when the caller knows they have the same (two
        documents: ``node.same_source``)."""
        if other is self:
            return bool(mine == theirs) and repr(mine) == repr(theirs)
        found = self._pairs.get(id(other))
        if found is None:
            if len(self._pairs) >= _PAIRS_KEPT:  # a prepared document meets many others
                self._pairs.clear()
            found = self._pairs[id(other)] = (other, Pair(self.plain, other.plain))
        return found[1].same(mine, theirs, text)

    @cached_property
    def validator(self) -> Validator:
        """The real validator for this document (the first one loads python-jsonschema)."""
        from accord.compat.js import real

        supplied = {**self.refs, **self.externals}  # as written, and as resolved
        return real.validator(self.raw, self.dialect, self.assert_formats, supplied)

    @cached_property
    def _run(self) -> Callable[[Validator, Any, bool, dict[tuple[str, str], Any]], bool]:
        """``real.run``, imported once per document rather than once per value."""
        from accord.compat.js import real

        return real.run

    def valid(self, node: Node, value: Any) -> bool:
        """Validate ``value`` against one node with the real validator. Results are kept
        by the node and the value's ``repr`` (which tells ``1`` from ``1.0`` and ``True``):
        a proof and its witness search validate the same candidates again and again."""
        memo_key = (id(node), repr(value))
        known = self._verdicts.get(memo_key)
        if known is None:
            if len(self._verdicts) >= _VERDICTS_KEPT:
                self._verdicts.clear()
            known = self._verdicts[memo_key] = self._validate(node, value)
        return known

    def _validate(self, node: Node, value: Any) -> bool:
        cached = self._validators.get(id(node))
        if cached is None:  # evolve() is costly; the node is kept alive next to its validator
            check = (
                self.validator if node.raw is self.raw else self.validator.evolve(schema=node.raw)
            )
            self._validators[id(node)] = (node, check)
        else:
            check = cached[1]
        return self._run(check, value, self.memo_refs, self._lookups)


def same_instance(node: Node) -> list[Node]:
    """Sub-schemas applied to the same instance as ``node`` (edges of a possible cycle)."""
    out = list(node.conjuncts())
    for group in (node.any_of, node.one_of):
        if group:
            out.extend(group)
    for child in (node.not_, node.if_, node.then, node.else_):
        if child is not None:
            out.append(child)
    out.extend(node.dep_schemas.values())
    return out


def _dynamic(text: str) -> bool:
    """A dynamic reference in the document's ``repr``. Substring tests (C speed; ``$``
    alone is a byte scan): a regex over a large document's text costs milliseconds."""
    return "$" in text and ("$dynamicRef" in text or "$recursiveRef" in text)


class _Counts:
    """Occurrences of substrings in one text, each counted once (``str.count``, C speed:
    the scans of a large document's text share what they count)."""

    __slots__ = ("_seen", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._seen: dict[str, int] = {}

    def __call__(self, *spelled: str) -> int:
        total = 0
        for each in spelled:
            found = self._seen.get(each)
            if found is None:
                found = self._seen[each] = self.text.count(each)
            total += found
        return total


def _ids(text: str, count: _Counts | None = None) -> int:
    """How many identifiers (with a string value) the document's ``repr`` spells, counted
    like ``_dynamic`` tests (only ``id`` is spelled without a ``$``; the anchors only
    where ``nchor`` is spelled at all)."""
    count = count or _Counts(text)
    if "$" in text:
        spelled = _ID_TEXTS if "nchor" in text else _ID_TEXTS[:4]
    elif "'id': " in text:
        spelled = _ID_TEXTS[2:4]
    else:
        return 0
    return count(*spelled)


def _plain_text(text: str, count: _Counts | None = None) -> bool:
    """Every string ``$ref`` in the document's ``repr`` is a JSON pointer into it (``#/…``
    or ``#``), and no ``$recursiveAnchor`` has a string value. Counted: each pointer
    reference is one of the string references, at the same place."""
    if "$" not in text or "'$re" not in text:
        return True
    count = count or _Counts(text)
    return count(*_QUOTED_REFS) == count(*_POINTER_REFS) and not any(
        odd in text for odd in _ODD_IDS
    )


def _root_ids(raw: Any) -> int:
    """How many of the identifiers ``_ids`` counts are the root's own."""
    return sum(isinstance(raw.get(w), str) for w in _ID_WORDS) if isinstance(raw, dict) else 0


def _plain_root(raw: Any, text: str, count: _Counts) -> bool:
    """With no identifier below the root and no dynamic reference: every reference is a
    JSON pointer and the root's identifier is a plain one (no anchor, no fragment)."""
    if not isinstance(raw, dict) or not _plain_text(text, count):
        return False
    ids = [raw.get(w) for w in _ID_WORDS]
    return not any(
        isinstance(i, str) and (w in ("$anchor", "$dynamicAnchor") or i.startswith("#"))
        for w, i in zip(_ID_WORDS, ids, strict=True)
    )
