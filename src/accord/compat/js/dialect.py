"""JSON Schema dialects: detection (named or inferred).

A schema's dialect comes from, in order: its ``$schema`` (draft-04, -06, -07, 2019-09,
2020-12); an asset-level default, when the caller has one; otherwise the keyword *forms* the
schema uses anywhere in its sub-schemas (see ``infer``). The version-less "latest" URI
``http://json-schema.org/schema#`` names no draft, so it counts as no ``$schema``.

Pure detection, without python-jsonschema: each dialect's real validator is in ``real``.
"""

from __future__ import annotations

import enum
import re
from typing import Any

from accord.compat.errors import SchemaError


class Dialect(enum.IntEnum):
    """Supported drafts, ordered by age so ``<`` means "older"."""

    DRAFT4 = 4
    DRAFT6 = 6
    DRAFT7 = 7
    DRAFT2019 = 2019
    DRAFT2020 = 2020

    @property
    def label(self) -> str:
        """The draft's usual name (``draft-07``, ``2020-12``)."""
        return _LABELS[self]


_MARKERS = (
    ("draft-04", Dialect.DRAFT4),
    ("draft-06", Dialect.DRAFT6),
    ("draft-07", Dialect.DRAFT7),
    ("2019-09", Dialect.DRAFT2019),
    ("2020-12", Dialect.DRAFT2020),
)
_LABELS = {dialect: marker for marker, dialect in _MARKERS}
_LATEST = frozenset({"http://json-schema.org/schema", "https://json-schema.org/schema"})


def named(value: object) -> Dialect | None:
    """The dialect a ``$schema`` URI or a short name (``draft-07``, ``2020-12``) names;
    ``None`` for anything else, including the version-less "latest" URI."""
    if isinstance(value, str):
        for marker, dialect in _MARKERS:
            if marker in value:
                return dialect
    return None


def asset_default(value: str | None) -> Dialect | None:
    """An asset-level default dialect from its setting (``draft-07``, a ``$schema`` URI, or
    ``None`` for none); ``SchemaError`` for anything that names no draft."""
    if value is None:
        return None
    dialect = named(value)
    if dialect is None:
        raise SchemaError(
            f"unknown default dialect {value!r}: use draft-04, draft-06, "
            "draft-07, 2019-09 or 2020-12"
        )
    return dialect


def latest(value: object) -> bool:
    """``value`` is the version-less "latest" meta-schema URI (``…/schema`` or ``…/schema#``)."""
    return isinstance(value, str) and value.removesuffix("#") in _LATEST


def detect(schema: Any, default: Dialect | None = None, text: str | None = None) -> Dialect:
    """The dialect of a root schema.

    ``$schema`` decides when it names a draft (any other ``$schema`` is a ``SchemaError``).
    Without one (or with the "latest" URI), ``default`` decides when given (an asset-level
    default), else ``infer``.
    """
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if uri is not None and not latest(uri):
        dialect = named(uri)
        if dialect is None:
            raise SchemaError(f"unsupported $schema {uri!r}", "/$schema")
        return dialect
    if default is not None:
        return default
    if text is not None and not _may_not_be_2020(text):
        return Dialect.DRAFT2020  # what `infer` finds when no form excludes 2020-12
    return infer(schema)


# Every form or hint that can move inference away from 2020-12, as ``repr`` spells it (a
# key followed by the kind of value that makes it one). ``detect`` skips the walk when
# ``repr(schema)`` (``text``) holds none of them; a match in data only costs the walk.
# Substring tests, at C speed (a regex over a large document's text costs milliseconds),
# each group behind a shorter test most documents fail.
_MAY_NOT_BE_2020 = ("'items': [", "'additionalItems'", "'dependencies'", "'definitions'")
_BOOLEAN_BOUNDS = tuple(
    f"'exclusive{side}': {flag}" for side in ("Minimum", "Maximum") for flag in ("True", "False")
)


def _may_not_be_2020(text: str) -> bool:
    return (
        any(hint in text for hint in _MAY_NOT_BE_2020)
        or ("'exclusive" in text and any(hint in text for hint in _BOOLEAN_BOUNDS))
        or ("$" in text and ("'$recursiveRef'" in text or "'$recursiveAnchor'" in text))
        or ("'id': " in text and ("'id': '" in text or "'id': \"" in text))
    )


# --- inference ---------------------------------------------------------------------------

_ALL = frozenset(Dialect)
_D6_UP = frozenset({Dialect.DRAFT6, Dialect.DRAFT7, Dialect.DRAFT2019, Dialect.DRAFT2020})
_D7_UP = frozenset({Dialect.DRAFT7, Dialect.DRAFT2019, Dialect.DRAFT2020})
_TO_D7 = frozenset({Dialect.DRAFT4, Dialect.DRAFT6, Dialect.DRAFT7})
_TO_D2019 = _TO_D7 | {Dialect.DRAFT2019}
_D2019_UP = frozenset({Dialect.DRAFT2019, Dialect.DRAFT2020})

# Forms that change what a schema accepts, and the dialects that read them.
_READ_BY: dict[str, frozenset[Dialect]] = {
    "boolean exclusive bound": frozenset({Dialect.DRAFT4}),
    "numeric exclusive bound": _D6_UP,
    "const": _D6_UP,
    "contains": _D6_UP,
    "propertyNames": _D6_UP,
    "if": _D7_UP,
    "array items": _TO_D2019,
    "additionalItems": _TO_D2019,
    "dependencies": _TO_D7,
    "unevaluatedProperties": _D2019_UP,
    "unevaluatedItems": _D2019_UP,
    "dependentRequired": _D2019_UP,
    "dependentSchemas": _D2019_UP,
    "minContains": _D2019_UP,
    "maxContains": _D2019_UP,
    "$anchor": _D2019_UP,
    "$recursiveRef": frozenset({Dialect.DRAFT2019}),
    "$recursiveAnchor": frozenset({Dialect.DRAFT2019}),
    "prefixItems": frozenset({Dialect.DRAFT2020}),
    "$dynamicRef": frozenset({Dialect.DRAFT2020}),
    "$dynamicAnchor": frozenset({Dialect.DRAFT2020}),
}
# Forms every dialect accepts but only some give a meaning to (containers and
# identifiers): they choose among the dialects the forms above leave, never against them.
# Applied in this order, each only when it leaves a candidate.
_HINTS: dict[str, frozenset[Dialect]] = {
    "definitions": _TO_D7,  # only when no $defs is used
    "$defs": _D2019_UP,
    "$id": _D6_UP,
    "id": frozenset({Dialect.DRAFT4}),  # a URI or fragment, beside no $id
}
# Forms a dialect refuses outright (the engine and the real validator both would).
_REFUSED_BY: dict[str, frozenset[Dialect]] = {
    "boolean exclusive bound": _D6_UP,
    "array items": frozenset({Dialect.DRAFT2020}),
}
_PREFERRED = (
    Dialect.DRAFT2020,
    Dialect.DRAFT7,
    Dialect.DRAFT2019,
    Dialect.DRAFT6,
    Dialect.DRAFT4,
)
_ON_CONFLICT = (
    Dialect.DRAFT7,
    Dialect.DRAFT2020,
    Dialect.DRAFT2019,
    Dialect.DRAFT6,
    Dialect.DRAFT4,
)
_SIMPLE = frozenset(_READ_BY) - {
    "boolean exclusive bound",
    "numeric exclusive bound",
    "array items",
}
_WATCHED = _SIMPLE | {
    "exclusiveMinimum",
    "exclusiveMaximum",
    "items",
    "definitions",
    "$defs",
    "$id",
    "id",
}
# Where sub-schemas sit: one schema, a list of schemas, a map of names to schemas.
_ONE = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_LIST = frozenset({"items", "prefixItems", "allOf", "anyOf", "oneOf"})
_MAP = frozenset(
    {"properties", "patternProperties", "dependentSchemas", "dependencies", "$defs", "definitions"}
)
_SLOTS = _ONE | _LIST | _MAP


def infer(schema: Any) -> Dialect:
    """The dialect a schema without ``$schema`` is read in, from the forms it uses.

    The candidates are the dialects that read every form in ``_READ_BY`` the schema uses
    (array-form ``items`` and ``dependencies``: draft-04 to -07; ``prefixItems``: 2020-12;
    ...); the hints (``definitions``, ``$defs``, ``$id``, ``id``) narrow them when they can.
    Among the candidates 2020-12 comes first (the documented default when nothing
    distinguishes), then draft-07, 2019-09, draft-06, draft-04. When no dialect reads every
    form, the dialect that reads the most kinds of them wins among those that refuse none
    (boolean exclusive bounds are refused from draft-06, array-form ``items`` by 2020-12),
    draft-07 first on a tie, then 2020-12: 2020-12 would silently drop ``dependencies`` and
    ``additionalItems``, keywords only the older drafts give a meaning to, so an author who
    wrote them was writing for a validator that reads them.
    """
    found = _forms(schema)
    strong = sorted(found & _READ_BY.keys())
    candidates = _ALL
    for form in strong:
        candidates &= _READ_BY[form]
    if not candidates:
        return _conflict(strong)
    if "$defs" in found:
        found.discard("definitions")
    for hint, readers in _HINTS.items():
        if hint in found and candidates & readers:
            candidates &= readers
    return next(d for d in _PREFERRED if d in candidates)


def _conflict(forms: list[str]) -> Dialect:
    usable = [d for d in _ON_CONFLICT if not any(d in _REFUSED_BY.get(f, ()) for f in forms)]
    scores = {d: sum(d in _READ_BY[f] for f in forms) for d in usable}
    best = max(scores.values())
    return next(d for d in usable if scores[d] == best)


def _forms(schema: Any) -> set[str]:
    """The distinguishing forms used at keyword positions anywhere in ``schema``.

    Iterative, and each object is read once however often it is shared, so the cost is
    linear in the document. Only schema positions are read: property names under
    ``properties`` and values under ``enum``, ``const``, ``default``, ``examples`` or unknown
    keywords are data, not keywords.
    """
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        for word, value in node.items():
            if word in _WATCHED:
                _form(node, word, found)
            if word not in _SLOTS:
                continue
            if isinstance(value, dict):
                if word in _MAP:
                    stack.extend(value.values())
                else:
                    stack.append(value)
            elif isinstance(value, list) and word in _LIST:
                stack.extend(value)
    return found


def _form(node: dict[str, Any], word: str, found: set[str]) -> None:
    value = node[word]
    if word in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(value, bool):
            found.add("boolean exclusive bound")
        elif isinstance(value, int | float):
            found.add("numeric exclusive bound")
    elif word == "items":
        if isinstance(value, list):
            found.add("array items")
    elif word in ("dependencies", "definitions", "$defs"):
        if isinstance(value, dict):
            found.add(word)
    elif word == "id":
        if "$id" not in node and _identifier(value):
            found.add(word)
    else:
        found.add(word)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _identifier(value: object) -> bool:
    """A draft-04 ``id``: an absolute URI, a fragment or a ``.json`` path (so that a
    property-like ``"id": "customer"`` annotation does not read as one)."""
    if not isinstance(value, str) or not value:
        return False
    return bool(
        value.startswith("#") or _SCHEME.match(value) or value.partition("#")[0].endswith(".json")
    )
