"""The real validator: python-jsonschema, extended so that it runs in polynomial time.

python-jsonschema matches ``pattern``, ``patternProperties`` and the pattern exemptions of
``additionalProperties`` / ``unevaluatedProperties`` with Python's backtracking ``re``. The
keyword functions here are python-jsonschema's own (4.x) with every match made by RE2
(``patterns.matches``), installed with ``jsonschema.validators.extend``.

``$ref`` is memoised within one validation: a schema whose definitions each refer twice to
the previous one would otherwise take 2^n steps. The memo maps (target schema, instance)
to validity; that is sound because a target's validity does not depend on the way in,
except through dynamic scopes, so documents with ``$dynamicRef``/``$recursiveRef`` get no
memo. Every ``$ref`` also ticks the call's time budget.

Only validity is asked (``is_valid``), never the errors: ``anyOf`` and ``oneOf`` judge each
branch by its first error, where python-jsonschema's own collect every error of every
failing branch (and spell the value into each message) for a report nobody here reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing.jsonschema import lookup_recursive_ref

from accord.compat.budget import tick
from accord.compat.canonical import key
from accord.compat.js.patterns import matches

Errors = Iterator[ValidationError]


Lookups = dict[tuple[str, str], Any]


class _Memo:
    """Per validation call, keyed by (id of the target schema, id of the instance); and
    the ``$ref`` lookups, which the caller may keep across calls (see ``_lookup``)."""

    def __init__(self, lookups: Lookups) -> None:
        self.valid: dict[tuple[int, int], bool] = {}
        self.evaluated: dict[tuple[int, int, Any], list[str]] = {}  # unevaluatedProperties
        self.lookups = lookups


_MEMO: ContextVar[_Memo | None] = ContextVar("accord_ref_memo", default=None)


@contextmanager
def memoised(enabled: bool, lookups: Lookups | None = None) -> Iterator[None]:
    """One validation call, with a fresh ``$ref`` memo when ``enabled``. ``lookups``: the
    resolved ``$ref``s of earlier calls with validators of the same root (its registry)."""
    token = _MEMO.set(_Memo({} if lookups is None else lookups) if enabled else None)
    try:
        yield
    finally:
        _MEMO.reset(token)


def _lookup(validator: Any, ref: str, memo: _Memo | None) -> Any:
    """``ref`` resolved from where ``validator`` stands. With a memo (no dynamic scopes),
    by (base URI, reference): a resolution differs only by the dynamic scope it carries
    along, which only ``$dynamicRef`` / ``$recursiveRef`` read (python-jsonschema walks
    the JSON pointer, and evolves a resolver, on every ``$ref`` it meets)."""
    resolver = validator._resolver
    if memo is None:
        return resolver.lookup(ref)
    key = (resolver._base_uri, ref)
    found = memo.lookups.get(key)
    if found is None:
        found = memo.lookups[key] = resolver.lookup(ref)
    return found


def _ref(validator: Any, ref: str, instance: Any, schema: Any) -> Errors:
    tick()
    memo = _MEMO.get()
    resolved = _lookup(validator, ref, memo)
    errors = validator.descend(instance, resolved.contents, resolver=resolved.resolver)
    if memo is None:
        yield from errors
        return
    key = (id(resolved.contents), id(instance))
    known = memo.valid.get(key)
    if known is None:  # validity is all anyone asks (see the module's docstring)
        known = memo.valid[key] = next(errors, None) is None
    if not known:
        yield ValidationError(f"the value is not valid under the schema at {ref!r}")


_ENUM_KEYS: dict[int, tuple[list[Any], frozenset[Any]]] = {}
_ENUM_CACHE_LIMIT = 4096


def _enum(validator: Any, enums: list[Any], instance: Any, schema: Any) -> Errors:
    """python-jsonschema's ``enum`` (its ``equal``: 1 == 1.0, true != 1, objects by
    content), by hashing canonical keys: real schemas carry enums of thousands of values,
    and witnesses are validated many times."""
    found = _ENUM_KEYS.get(id(enums))
    if found is None or found[0] is not enums:
        if len(_ENUM_KEYS) >= _ENUM_CACHE_LIMIT:
            _ENUM_KEYS.clear()
        found = _ENUM_KEYS[id(enums)] = (enums, frozenset(key(v) for v in enums))
    if key(instance) not in found[1]:
        yield ValidationError(f"{instance!r} is not one of {enums!r}")


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Errors:
    if validator.is_type(instance, "string") and not matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Errors:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if matches(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [
        name
        for name in instance
        if name not in properties and not any(matches(p, name) for p in patterns)
    ]


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Errors:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional(instance, schema)
    if validator.is_type(extra, "object"):
        for name in extras:
            yield from validator.descend(instance[name], extra, path=name)
    elif not extra and extras:
        names = ", ".join(repr(n) for n in sorted(extras))
        yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


def _evaluated_2020(validator: Any, instance: Any, schema: Any) -> list[str]:
    """python-jsonschema's ``find_evaluated_property_keys_by_schema`` (2020-12)."""
    if validator.is_type(schema, "boolean"):
        return []
    keys: list[str] = []
    for word in ("$ref", "$dynamicRef"):
        if word in schema:
            keys += _through_ref(validator, instance, schema[word], _evaluated_2020)
    properties = schema.get("properties")
    if validator.is_type(properties, "object"):
        keys += properties.keys() & instance.keys()
    for word in ("additionalProperties", "unevaluatedProperties"):
        if (sub := schema.get(word)) is not None:
            keys += (k for k, v in instance.items() if _ok(validator.descend(v, sub)))
    keys += _pattern_keys(instance, schema)
    return keys + _applicators(validator, instance, schema, _evaluated_2020)


def _evaluated_2019(validator: Any, instance: Any, schema: Any) -> list[str]:
    """python-jsonschema's legacy ``find_evaluated_property_keys_by_schema`` (2019-09)."""
    if validator.is_type(schema, "boolean"):
        return []
    keys: list[str] = []
    if "$ref" in schema:
        keys += _through_ref(validator, instance, schema["$ref"], _evaluated_2019)
    if "$recursiveRef" in schema:
        resolved = lookup_recursive_ref(validator._resolver)
        inner = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
        keys += _evaluated_2019(inner, instance, resolved.contents)
    for word in ("properties", "additionalProperties", "unevaluatedProperties"):
        if word in schema:
            value = schema[word]
            if validator.is_type(value, "boolean") and value:
                keys += instance.keys()
            elif validator.is_type(value, "object"):
                keys += (name for name in value if name in instance)
    keys += _pattern_keys(instance, schema)
    return keys + _applicators(validator, instance, schema, _evaluated_2019)


def _through_ref(validator: Any, instance: Any, ref: str, find: Any) -> list[str]:
    tick()
    memo = _MEMO.get()
    resolved = _lookup(validator, ref, memo)
    key = (id(resolved.contents), id(instance), find)
    if memo is not None and key in memo.evaluated:
        return memo.evaluated[key]
    inner = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
    found: list[str] = find(inner, instance, resolved.contents)
    if memo is not None:
        memo.evaluated[key] = found
    return found


def _pattern_keys(instance: Any, schema: Any) -> list[str]:
    patterns = schema.get("patternProperties", {})
    return [name for name in instance for p in patterns if matches(p, name)]


def _applicators(validator: Any, instance: Any, schema: Any, find: Any) -> list[str]:
    keys: list[str] = []
    for name, sub in schema.get("dependentSchemas", {}).items():
        if name in instance:
            keys += find(validator, instance, sub)
    for word in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(word, []):
            if _ok(validator.descend(instance, sub)):
                keys += find(validator, instance, sub)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys += find(validator, instance, schema["if"])
            if "then" in schema:
                keys += find(validator, instance, schema["then"])
        elif "else" in schema:
            keys += find(validator, instance, schema["else"])
    return keys


def _ok(errors: Errors) -> bool:
    return next(errors, None) is None


def _unevaluated(find: Any) -> Any:
    def unevaluated_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Errors:
        if not validator.is_type(instance, "object"):
            return
        evaluated = find(validator, instance, schema)
        bad = [
            name
            for name in instance
            if name not in evaluated
            and not _ok(validator.descend(instance[name], extra, path=name, schema_path=name))
        ]
        if bad:
            names = ", ".join(repr(n) for n in sorted(bad))
            verdict = "are not allowed" if extra is False else "are not valid under the schema"
            yield ValidationError(f"Unevaluated properties {verdict} ({names})")

    return unevaluated_properties


def _any_of(validator: Any, branches: list[Any], instance: Any, schema: Any) -> Errors:
    """python-jsonschema's ``anyOf``, stopping at the first error of each branch (its own
    collects every error of every failing branch, for a message nobody here reads)."""
    for index, sub in enumerate(branches):
        if _ok(validator.descend(instance, sub, schema_path=index)):
            return
    yield ValidationError("the value is not valid under any of the given schemas")


def _one_of(validator: Any, branches: list[Any], instance: Any, schema: Any) -> Errors:
    """python-jsonschema's ``oneOf`` (exactly one branch), stopping as ``_any_of`` does and
    at the second valid branch."""
    valid = (
        i for i, sub in enumerate(branches) if _ok(validator.descend(instance, sub, schema_path=i))
    )
    if next(valid, None) is None:
        yield ValidationError("the value is not valid under any of the given schemas")
    elif next(valid, None) is not None:
        yield ValidationError("the value is valid under more than one given schema")


_KEYWORDS = {
    "$ref": _ref,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "enum": _enum,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
}


def extended(cls: type[Validator]) -> type[Validator]:
    """``cls`` with every user pattern matched by RE2, ``$ref`` memoised and ``anyOf`` /
    ``oneOf`` stopping at a branch's first error."""
    keywords: dict[str, Any] = dict(_KEYWORDS)
    if "unevaluatedProperties" in cls.VALIDATORS:
        legacy = cls is jsonschema.Draft201909Validator
        keywords["unevaluatedProperties"] = _unevaluated(
            _evaluated_2019 if legacy else _evaluated_2020
        )
    extend: Any = jsonschema.validators.extend  # untyped in the stubs
    made: type[Validator] = extend(cls, validators=keywords)
    return made
