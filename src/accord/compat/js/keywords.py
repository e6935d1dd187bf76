"""Keyword parsing for one sub-schema: fills a ``Node`` with dialect-neutral constraints."""

from __future__ import annotations

from fractions import Fraction
from functools import partial
from typing import Any, Protocol

from accord.compat.canonical import key
from accord.compat.errors import SchemaError
from accord.compat.js.dialect import Dialect
from accord.compat.js.node import (
    TYPES,
    Bound,
    LazyProps,
    Node,
    count,
    enum_set,
    escape,
    names,
    number,
    regex,
)


class DocumentLike(Protocol):
    """What parsing a sub-schema needs of the ``document.Document`` it belongs to: typed
    structurally, so ``document`` imports this module and not the other way round."""

    @property
    def dialect(self) -> Dialect:
        """The document's dialect: which keywords apply, and how."""
        ...

    @property
    def any_ref(self) -> bool:
        """Some ``$ref`` occurs somewhere in the document."""
        ...

    @property
    def remote_refs(self) -> bool:
        """Some reference leaves the document (``LazyProps.parsed_or_safe``)."""
        ...

    def texts_for(self, props: Any) -> dict[str, str] | None:
        """Each property's text, when the document made them while scanning itself."""
        ...

    @property
    def pending(self) -> list[tuple[Node, str, str]]:
        """References recorded while parsing: (referrer, ``$ref``, base URI)."""
        ...

    broken: SchemaError | None
    """The error a property parsed on demand met (every later demand fails with it)."""

    def build(self, raw: Any, path: str, base: str, depth: int) -> Node:
        """Node for ``raw`` at ``path``."""
        ...

    def resolve_pending(self) -> None:
        """Resolve the references recorded while parsing."""
        ...


# Keywords whose presence makes a schema more than "accept everything".
_ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "unevaluatedItems",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "format",
    }
)


class _Ctx:
    """What the keyword parsers need: the document, the node, base URI and depth."""

    def __init__(self, doc: DocumentLike, node: Node, base: str, depth: int) -> None:
        self.doc, self.node, self.base, self.depth = doc, node, base, depth

    def sub(self, raw: Any, *parts: str) -> Node:
        path = self.node.path + "".join("/" + escape(p) for p in parts)
        child = self.doc.build(raw, path, self.base, self.depth + 1)
        self.node.has_ref = self.node.has_ref or child.has_ref
        return child

    def subs(self, raw: Any, word: str) -> tuple[Node, ...]:
        if not isinstance(raw, list) or not raw:
            raise SchemaError(f"{word} must be a non-empty array", self.node.path + "/" + word)
        return tuple(self.sub(item, word, str(i)) for i, item in enumerate(raw))

    def sub_map(self, raw: Any, word: str) -> dict[str, Node]:
        if not isinstance(raw, dict):
            raise SchemaError(f"{word} must be an object", self.node.path + "/" + word)
        return {name: self.sub(value, word, name) for name, value in raw.items()}

    def at(self, word: str) -> str:
        return f"{self.node.path}/{word}"


def parse(doc: DocumentLike, node: Node, raw: dict[str, Any], base: str, depth: int) -> None:
    """Fill ``node`` from the keywords of ``raw``."""
    ctx = _Ctx(doc, node, base, depth)
    for defs in ("$defs", "definitions"):
        if defs in raw:
            ctx.sub_map(raw[defs], defs)  # built so their $id/$anchor are known
    if "$ref" in raw:
        ref = raw["$ref"]
        if not isinstance(ref, str):
            raise SchemaError("$ref must be a string", ctx.at("$ref"))
        node.ref_text, node.has_ref = ref, True
        doc.pending.append((node, ref, base))
        if doc.dialect <= Dialect.DRAFT7:
            return  # siblings of $ref are ignored before 2019-09
    for word in ("$dynamicRef", "$recursiveRef"):
        if word in raw:
            node.unsupported, node.has_ref = word, True
    if _ASSERTIONS.isdisjoint(raw):
        node.always = True
        return
    _generic(ctx, raw)
    # Skipping groups with no keyword present keeps 10,000-property schemas cheap to parse.
    for group, parser in _GROUPS:
        if not group.isdisjoint(raw):
            parser(ctx, raw)


def _generic(ctx: _Ctx, raw: dict[str, Any]) -> None:
    node = ctx.node
    if "type" in raw:
        value = raw["type"]
        listed = [value] if isinstance(value, str) else value
        if not isinstance(listed, list) or not all(t in TYPES for t in listed):
            raise SchemaError(f"invalid type {value!r}", ctx.at("type"))
        types = frozenset(listed)
        node.types = types - {"integer"} if "number" in types else types
    if "enum" in raw:
        if not isinstance(raw["enum"], list):
            raise SchemaError("enum must be an array", ctx.at("enum"))
        node.enum = enum_set(raw["enum"])
    if "const" in raw and ctx.doc.dialect >= Dialect.DRAFT6:
        const = raw["const"]
        if node.enum is None or key(const) in node.enum.keys:
            node.enum = enum_set([const])
        else:
            node.enum = enum_set([])
    if "format" in raw and isinstance(raw["format"], str):
        node.format = raw["format"]


def _numeric(ctx: _Ctx, raw: dict[str, Any]) -> None:
    node, draft4 = ctx.node, ctx.doc.dialect is Dialect.DRAFT4
    lows: list[Bound] = []
    highs: list[Bound] = []
    if "minimum" in raw:
        excl = draft4 and raw.get("exclusiveMinimum") is True
        lows.append(Bound(number(raw["minimum"], ctx.at("minimum")), excl))
    if "maximum" in raw:
        excl = draft4 and raw.get("exclusiveMaximum") is True
        highs.append(Bound(number(raw["maximum"], ctx.at("maximum")), excl))
    if not draft4:
        if "exclusiveMinimum" in raw:
            lows.append(Bound(number(raw["exclusiveMinimum"], ctx.at("exclusiveMinimum")), True))
        if "exclusiveMaximum" in raw:
            highs.append(Bound(number(raw["exclusiveMaximum"], ctx.at("exclusiveMaximum")), True))
    if lows:
        node.lower = max(lows, key=lambda b: (b.value, b.exclusive))
    if highs:
        node.upper = min(highs, key=lambda b: (b.value, not b.exclusive))
    if "multipleOf" in raw:
        value = number(raw["multipleOf"], ctx.at("multipleOf"))
        if value <= 0:
            raise SchemaError("multipleOf must be greater than 0", ctx.at("multipleOf"))
        node.multiple_of = Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def _string(ctx: _Ctx, raw: dict[str, Any]) -> None:
    node = ctx.node
    if "minLength" in raw:
        node.min_length = count(raw["minLength"], ctx.at("minLength"))
    if "maxLength" in raw:
        node.max_length = count(raw["maxLength"], ctx.at("maxLength"))
    if "pattern" in raw:
        regex(raw["pattern"], ctx.at("pattern"))
        node.pattern = raw["pattern"]


def _array(ctx: _Ctx, raw: dict[str, Any]) -> None:
    node, dialect = ctx.node, ctx.doc.dialect
    items = raw.get("items")
    if dialect >= Dialect.DRAFT2020:
        if "prefixItems" in raw:
            node.prefix = ctx.subs(raw["prefixItems"], "prefixItems")
        if "items" in raw:
            if isinstance(items, list):
                raise SchemaError(
                    "items must be a schema in 2020-12 (tuples use prefixItems)", ctx.at("items")
                )
            node.items = ctx.sub(items, "items")
    elif isinstance(items, list):
        node.prefix = tuple(ctx.sub(s, "items", str(i)) for i, s in enumerate(items))
        if "additionalItems" in raw:
            node.items = ctx.sub(raw["additionalItems"], "additionalItems")
    elif "items" in raw:
        node.items = ctx.sub(items, "items")
    if "minItems" in raw:
        node.min_items = count(raw["minItems"], ctx.at("minItems"))
    if "maxItems" in raw:
        node.max_items = count(raw["maxItems"], ctx.at("maxItems"))
    if raw.get("uniqueItems") is True:
        node.unique_items = True
    if "contains" in raw and dialect >= Dialect.DRAFT6:
        node.contains = ctx.sub(raw["contains"], "contains")
        if dialect >= Dialect.DRAFT2019:
            if "minContains" in raw:
                node.min_contains = count(raw["minContains"], ctx.at("minContains"))
            if "maxContains" in raw:
                node.max_contains = count(raw["maxContains"], ctx.at("maxContains"))
    if "unevaluatedItems" in raw and dialect >= Dialect.DRAFT2019:
        node.unevaluated_items = ctx.sub(raw["unevaluatedItems"], "unevaluatedItems")


def _object(ctx: _Ctx, raw: dict[str, Any]) -> None:
    node, dialect = ctx.node, ctx.doc.dialect
    if "properties" in raw:
        props = raw["properties"]
        if not isinstance(props, dict):
            raise SchemaError("properties must be an object", ctx.at("properties"))
        texts = ctx.doc.texts_for(props)
        node.props = LazyProps(
            props, partial(_property, ctx, props), texts, ctx.doc.any_ref, ctx.doc.remote_refs
        )
        # unparsed properties may hide references: trust the document-wide scan
        node.has_ref = node.has_ref or ctx.doc.any_ref
    if "patternProperties" in raw:
        pats = ctx.sub_map(raw["patternProperties"], "patternProperties")
        for pattern in pats:
            regex(pattern, ctx.at("patternProperties"))
        node.pattern_props = tuple(pats.items())
    if "additionalProperties" in raw:
        node.additional = ctx.sub(raw["additionalProperties"], "additionalProperties")
    if "required" in raw:
        node.required = names(raw["required"], ctx.at("required"))
    if "minProperties" in raw:
        node.min_props = count(raw["minProperties"], ctx.at("minProperties"))
    if "maxProperties" in raw:
        node.max_props = count(raw["maxProperties"], ctx.at("maxProperties"))
    if "propertyNames" in raw and dialect >= Dialect.DRAFT6:
        node.property_names = ctx.sub(raw["propertyNames"], "propertyNames")
    if dialect <= Dialect.DRAFT7:
        deps = raw.get("dependencies", {})
        if not isinstance(deps, dict):
            raise SchemaError("dependencies must be an object", ctx.at("dependencies"))
        for name, dep in deps.items():
            if isinstance(dep, list):
                node.dep_required[name] = names(dep, ctx.at("dependencies"))
            else:
                node.dep_schemas[name] = ctx.sub(dep, "dependencies", name)
    else:
        reqs = raw.get("dependentRequired", {})
        if not isinstance(reqs, dict):
            raise SchemaError("dependentRequired must be an object", ctx.at("dependentRequired"))
        for name, dep in reqs.items():
            node.dep_required[name] = names(dep, ctx.at("dependentRequired"))
        if "dependentSchemas" in raw:
            node.dep_schemas = ctx.sub_map(raw["dependentSchemas"], "dependentSchemas")
        if "unevaluatedProperties" in raw:
            node.unevaluated_props = ctx.sub(raw["unevaluatedProperties"], "unevaluatedProperties")


def _property(ctx: _Ctx, props: dict[str, Any], name: str) -> Node:
    doc = ctx.doc
    if doc.broken is not None:
        raise doc.broken
    try:
        node = ctx.sub(props[name], "properties", name)
        doc.resolve_pending()  # a property parsed late may hold references of its own
    except SchemaError as exc:
        doc.broken = exc
        raise
    return node


def _combinators(ctx: _Ctx, raw: dict[str, Any]) -> None:
    node = ctx.node
    if "allOf" in raw:
        node.all_of = ctx.subs(raw["allOf"], "allOf")
    if "anyOf" in raw:
        node.any_of = ctx.subs(raw["anyOf"], "anyOf")
    if "oneOf" in raw:
        node.one_of = ctx.subs(raw["oneOf"], "oneOf")
    if "not" in raw:
        node.not_ = ctx.sub(raw["not"], "not")
    if "if" in raw and ctx.doc.dialect >= Dialect.DRAFT7:
        node.if_ = ctx.sub(raw["if"], "if")
        if "then" in raw:
            node.then = ctx.sub(raw["then"], "then")
        if "else" in raw:
            node.else_ = ctx.sub(raw["else"], "else")


_GROUPS = (
    (
        frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
        _numeric,
    ),
    (frozenset({"minLength", "maxLength", "pattern"}), _string),
    (
        frozenset(
            {
                "items",
                "prefixItems",
                "additionalItems",
                "minItems",
                "maxItems",
                "uniqueItems",
                "contains",
                "minContains",
                "maxContains",
                "unevaluatedItems",
            }
        ),
        _array,
    ),
    (
        frozenset(
            {
                "properties",
                "patternProperties",
                "additionalProperties",
                "required",
                "minProperties",
                "maxProperties",
                "propertyNames",
                "dependencies",
                "dependentRequired",
                "dependentSchemas",
                "unevaluatedProperties",
            }
        ),
        _object,
    ),
    (frozenset({"allOf", "anyOf", "oneOf", "not", "if"}), _combinators),
)
