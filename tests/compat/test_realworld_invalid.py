"""The real-world schemas Accord refuses as invalid are unusable by the real validator too.

Of the 511 SchemaStore pairs (``bench/compat_realworld.py``), 106 are refused: 94 for a
remote ``$ref`` nobody supplied, and 12 for three kinds of broken schema. Issue 16 asks that
only the former be refused; these tests hold the evidence that the latter must be, each kind
written here from scratch: the engine refuses it with the place and the reason, and
python-jsonschema (the independent validator witnesses are confirmed by) cannot validate
with it either, so there is no meaning a verdict could be sound about.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema.exceptions import SchemaError as ValidatorSchemaError
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from accord.compat import SchemaError, check, validate_schema

DRAFT4 = "http://json-schema.org/draft-04/schema#"
DRAFT7 = "http://json-schema.org/draft-07/schema#"

# tslint.json (8 pairs): `additionalItems` refers to the *array* form of `items`, a list of
# schemas rather than a schema.
REF_TO_A_LIST = {
    "$schema": DRAFT4,
    "definitions": {"pair": {"type": "array", "items": [{"type": "string"}, {"type": "array"}]}},
    "type": "array",
    "items": [{"type": "boolean"}],
    "additionalItems": {"$ref": "#/definitions/pair/items"},
}

# nodemon.json (2 pairs): a PCRE recursion `(?1)` in a pattern, which ECMA-262 (and
# Python's `re`) reject.
PCRE_RECURSION = {
    "$schema": DRAFT7,
    "type": "string",
    "pattern": "^(\\((?1)?\\))$",
}

# cryproj.dev.schema.json (2 pairs): an `$id` below the root makes `#/definitions/...`
# point into that sub-resource, which has no definitions.
POINTER_INTO_SUBRESOURCE = {
    "$schema": DRAFT7,
    "$id": "http://example.com/project.json",
    "definitions": {"cvar": {"type": "string"}},
    "type": "object",
    "properties": {
        "variable": {
            "$id": "/properties/variable",
            "type": "object",
            "properties": {"name": {"$ref": "#/definitions/cvar"}},
        }
    },
}

KINDS: dict[str, tuple[dict[str, Any], Any, str]] = {
    "ref-to-a-list": (REF_TO_A_LIST, [True, "x", []], "must be an object or a boolean"),
    "pcre-recursion": (PCRE_RECURSION, "()", "invalid regular expression"),
    "pointer-into-subresource": (
        POINTER_INTO_SUBRESOURCE,
        {"variable": {"name": "r_width"}},
        "/definitions/cvar",
    ),
}


def _without(schema: dict[str, Any]) -> dict[str, Any]:
    """The same document before the broken part was added (a valid earlier version)."""
    earlier = {k: v for k, v in schema.items() if k not in ("additionalItems", "pattern")}
    if "properties" in earlier:
        earlier["properties"] = {}
    return earlier


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_engine_refuses_with_place_and_reason(kind: str) -> None:
    schema, _, reason = KINDS[kind]
    with pytest.raises(SchemaError, match="at /") as caught:
        validate_schema(schema)
    assert reason in str(caught.value)
    # and as the new version of a pair, where a publish meets it
    with pytest.raises(SchemaError) as in_pair:
        check(_without(schema), schema, mode="backward", content_model="strict")
    assert reason in str(in_pair.value)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_independent_validator_cannot_use_it_either(kind: str) -> None:
    """It rejects the schema, or fails on a document that reaches the broken part; never
    an answer about the document (valid, or a `ValidationError`)."""
    schema, instance, _ = KINDS[kind]
    cls = validator_for(schema)
    try:
        cls.check_schema(schema)  # with the format checker: `pattern` is a `regex`
        cls(schema).validate(instance)
    except ValidationError as exc:
        pytest.fail(f"python-jsonschema used the {kind} schema: {exc.message}")
    except ValidatorSchemaError:
        return  # rejected as a schema
    except (AttributeError, Unresolvable):
        return  # a `$ref` to a list is walked as a schema; a pointer leads nowhere
    pytest.fail(f"python-jsonschema validated {instance!r} under the {kind} schema")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_earlier_version_is_fine(kind: str) -> None:
    schema, _, _ = KINDS[kind]
    validate_schema(_without(schema))
