"""Property: no document contradicts a "compatible" verdict, and every witness is genuine.

Schemas come from a small grammar that exercises most keywords; documents come from a
grammar over the same names and values, plus the engine's own witnesses. Every document
valid under the writer must be valid under the reader whenever the engine says compatible.
CI runs 2,000 pairs; ``ACCORD_COMPAT_LONG=1`` runs 100,000 (see bench/).
"""

from __future__ import annotations

import os
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.compat import Mode, Outcome, check

EXAMPLES = 100_000 if os.environ.get("ACCORD_COMPAT_LONG") else 2_000
NAMES = ("a", "b", "c")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.sampled_from([0.5, 2.5, -1.5]),
    st.sampled_from(["", "a", "ab", "abc", "0", "x1", "zz"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
    ),
    max_leaves=6,
)


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    kinds = st.sampled_from(["null", "boolean", "integer", "number", "string", "array", "object"])
    return st.one_of(
        st.builds(lambda t: {"type": t}, kinds),
        st.builds(lambda ts: {"type": sorted(set(ts))}, st.lists(kinds, min_size=1, max_size=3)),
        st.builds(lambda n: {"type": "integer", "minimum": n}, st.integers(-2, 5)),
        st.builds(lambda n: {"type": "number", "exclusiveMaximum": n}, st.integers(0, 8)),
        st.builds(lambda n: {"type": "integer", "multipleOf": n}, st.integers(1, 4)),
        st.builds(lambda n: {"type": "string", "maxLength": n}, st.integers(0, 3)),
        st.builds(lambda n: {"type": "string", "minLength": n}, st.integers(0, 2)),
        st.builds(
            lambda p: {"type": "string", "pattern": p}, st.sampled_from(["^[a-z]+$", "^a", "[0-9]"])
        ),
        st.builds(lambda vs: {"enum": vs}, st.lists(scalars, min_size=1, max_size=3)),
        st.builds(lambda v: {"const": v}, scalars),
        st.just({}),
        st.booleans(),
    )


def _compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    props = st.dictionaries(st.sampled_from(NAMES), inner, max_size=3)
    return st.one_of(
        st.builds(
            lambda p, r, ap: {
                "type": "object",
                "properties": p,
                "required": sorted(set(r) & set(p)),
                **({} if ap is None else {"additionalProperties": ap}),
            },
            props,
            st.lists(st.sampled_from(NAMES), max_size=2),
            st.one_of(st.none(), st.booleans(), inner),
        ),
        st.builds(
            lambda i, n: {"type": "array", "items": i, "maxItems": n}, inner, st.integers(0, 3)
        ),
        st.builds(lambda i: {"type": "array", "prefixItems": [i], "items": False}, inner),
        st.builds(lambda bs: {"anyOf": bs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda bs: {"oneOf": bs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda bs: {"allOf": bs}, st.lists(inner, min_size=1, max_size=2)),
        st.builds(lambda s: {"not": s}, inner),
        st.builds(lambda u: {"type": "array", "uniqueItems": u, "minItems": 1}, st.booleans()),
    )


schemas = st.recursive(_leaf(), _compound, max_leaves=5)


def _valid(schema: Any, doc: Any) -> bool:
    return bool(jsonschema.Draft202012Validator(schema).is_valid(doc))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(old=schemas, new=schemas, docs=st.lists(documents, min_size=4, max_size=12))
def test_no_document_contradicts_a_compatible_verdict(old: Any, new: Any, docs: list[Any]) -> None:
    verdict = check(old, new, mode="full", content_model="strict")
    for mode, writer, reader in ((Mode.BACKWARD, old, new), (Mode.FORWARD, new, old)):
        outcome = verdict.verdicts[mode].outcome
        if outcome is Outcome.COMPATIBLE:
            for doc in docs:
                assert not _valid(writer, doc) or _valid(reader, doc), (mode, doc)
        elif outcome is Outcome.INCOMPATIBLE:
            witness = next(w for w in verdict.witnesses if w.mode is mode)
            assert _valid(writer, witness.document)
            assert not _valid(reader, witness.document)
