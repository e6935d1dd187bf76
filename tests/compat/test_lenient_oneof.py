"""Lenient readers of `oneOf`/`anyOf`/`enum` that used to end undecided (issue 16), each from
a shape found in the real SchemaStore pairs: what is known of a writer value as written (it
is in no other branch of its `oneOf`) holds for the value a lenient reader sees only where
stripping cannot change it (``accord.compat.js.stripping``), and the engine now proves that.

Every compatible verdict here is checked against documents: drawn from the writer, kept
only if an independent validator accepts them and the writer declares all they hold,
stripped as the reader sees them, and validated under the reader. Traps where stripping
does change a branch's verdict must not come out compatible.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js.document import Document
from accord.compat.js.inclusion import Checker
from accord.compat.js.witness import strip
from tests.compat.witnesses import _valid, assert_witnesses

STR: dict[str, Any] = {"type": "string"}


def _sibling_typed(extra: dict[str, Any]) -> dict[str, Any]:
    """rust-toolchain: the branches are told apart only with the sibling ``properties``
    (``path`` is a string wherever it is present)."""
    return {
        "type": "object",
        "properties": {"path": STR, "channel": STR, **extra},
        "oneOf": [
            {"not": {"properties": {"path": STR}, "required": ["path"]}},
            {"required": ["path"]},
        ],
    }


def _required_names(extra: dict[str, Any]) -> dict[str, Any]:
    """starlake: each branch requires one name, one of them declared nowhere else."""
    return {
        "type": "object",
        "properties": {"load": STR, "env": {"type": "object"}, **extra},
        "oneOf": [{"required": ["load"]}, {"required": ["env"]}, {"required": ["tables"]}],
    }


def _nested_tag(extra: dict[str, Any]) -> dict[str, Any]:
    """hatch: branches told apart inside a nested object, beside a catch-all the reader's
    branch declares names of (a lenient reader strips what it does not declare there)."""
    hooks = {"type": "object", "additionalProperties": {"type": "object"}}
    vcs = {"type": "object", "properties": {"version-file": STR}}
    return {
        "type": "object",
        "properties": {
            "build": {"type": "object", "properties": {"hooks": hooks}},
            "version": {"type": "object", "properties": {"source": STR, "path": STR}},
            **extra,
        },
        "oneOf": [
            {"properties": {"version": False}},
            {
                "required": ["version"],
                "properties": {
                    "version": {"required": ["source"], "properties": {"source": {"const": "vcs"}}},
                    "build": {"properties": {"hooks": {"properties": {"vcs": vcs}}}},
                },
            },
            {"required": ["version"], "properties": {"version": {"required": ["path"]}}},
        ],
    }


def _enum_reader(old: bool) -> dict[str, Any]:
    """htmlhint: an enum rewritten as a union of a type and a constant (the same values)."""
    value: dict[str, Any] = (
        {"enum": [False, True, "allow-non-blocking"]}
        if old
        else {"anyOf": [{"type": "boolean"}, {"type": "string", "const": "allow-non-blocking"}]}
    )
    return {"type": "object", "properties": {"head-script-disabled": value}}


LABELS: dict[str, Any] = {
    "type": "object",
    "patternProperties": {"^[a-z]+$": STR},
    "additionalProperties": False,
}


def _rules(extra: dict[str, Any], closed: bool = True) -> dict[str, Any]:
    """prometheus.rules: branches told apart by the names each requires, beside a
    pattern-keyed object (so no proof that stripping changes nothing applies). Open, they
    are apart only because a lenient writer emits no name it does not declare."""
    rec = {"record": STR, "expr": STR, "labels": LABELS}
    alert = {"alert": STR, "expr": STR, "labels": LABELS, **extra}
    branches = [
        {"type": "object", "properties": p, "required": [n, "expr"]}
        | ({"additionalProperties": False} if closed else {})
        for p, n in ((rec, "record"), (alert, "alert"))
    ]
    items = {"oneOf": branches}
    return {"type": "object", "properties": {"rules": {"type": "array", "items": items}}}


def _versioned(extra: dict[str, Any]) -> dict[str, Any]:
    """vtesttree: branches told apart by a required scalar property, the same names in each
    (a lenient reader keeps ``version`` as written)."""
    branches = [
        {"properties": {"version": {"const": v}, "spec": LABELS}} for v in ("1.0.0", "2.1.0")
    ]
    return {
        "type": "object",
        "required": ["version"],
        "properties": {"version": STR, "spec": {"type": "object"}, **extra},
        "oneOf": branches,
    }


COMPATIBLE = [
    ("sibling-typed", _sibling_typed({}), _sibling_typed({"profile": STR})),
    ("required-names", _required_names({}), _required_names({"dag": {"type": "object"}})),
    ("nested-tag", _nested_tag({}), _nested_tag({"publish": {"type": "object"}})),
    ("enum-as-union", _enum_reader(True), _enum_reader(False)),
    ("closed-rules", _rules({}), _rules({"for": STR})),
    ("versioned", _versioned({}), _versioned({"notes": STR})),
]


def _drawn(schema: Any) -> list[Any]:
    """Documents a lenient writer on ``schema`` may emit (by the independent validator)."""
    root = Document(schema).root
    values = islice(Checker(False).values((root,)), 60)
    return [v for v in values if _valid(schema, v, False) and strip(v, (root,)) == v]


@pytest.mark.parametrize(
    ("old", "new"), [c[1:] for c in COMPATIBLE], ids=[c[0] for c in COMPATIBLE]
)
def test_decided_compatible_and_sound(old: Any, new: Any) -> None:
    verdict = check(old, new, mode="full", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.COMPATIBLE
    for writer, reader in ((old, new), (new, old)):
        drawn = _drawn(writer)
        assert drawn, "no document could be drawn: the check would prove nothing"
        for doc in drawn:
            seen = strip(doc, (Document(reader).root,))
            assert _valid(reader, seen, False), doc


def test_a_reader_branch_requiring_a_name_the_writer_never_emits_is_apart() -> None:
    """The reader's open ``record`` branch requires a name the closed ``alert`` writer
    branch never emits, and stripping adds no name: no value the reader sees is in both."""
    writer, reader = _rules({}), _rules({"for": STR}, closed=False)
    verdict = check(writer, reader, mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
    drawn = _drawn(writer)
    assert drawn
    for doc in drawn:
        assert _valid(reader, strip(doc, (Document(reader).root,)), False), doc


def test_nested_tag_documents_that_lose_keys_stay_in_one_branch() -> None:
    """The reader strips the undeclared keys under ``build.hooks.vcs``: the document still
    holds exactly one branch (the one its ``version`` names)."""
    old = _nested_tag({})
    doc = {"version": {"path": "x"}, "build": {"hooks": {"vcs": {"a": 1, "version-file": 2}}}}
    assert _valid(old, doc, False)
    seen = strip(doc, (Document(old).root,))
    assert seen["build"]["hooks"]["vcs"] == {"version-file": 2}
    assert _valid(old, seen, False)


def test_a_branch_that_stripping_flips_is_not_proved() -> None:
    """Trap: the reader does not declare ``x.k``, so it sees ``{"x": {}, "y": 1}`` for the
    writer's ``{"x": {"k": 1}, "y": 1}``, which holds in both of its branches."""
    x_not_k = {"properties": {"x": {"not": {"required": ["k"]}}}}

    def schema(names: list[str]) -> dict[str, Any]:
        x = {"type": "object", "properties": {n: {} for n in names}}
        return {
            "type": "object",
            "properties": {"x": x, "y": {"type": "integer"}},
            "oneOf": [x_not_k, {"required": ["y"]}],
        }

    writer, reader = schema(["k", "j"]), schema(["j"])
    doc = {"x": {"k": 1}, "y": 1}
    assert _valid(writer, doc, False)
    assert not _valid(reader, strip(doc, (Document(reader).root,)), False)
    verdict = check(writer, reader, mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is not Outcome.COMPATIBLE
    assert_witnesses({"old": writer, "new": reader, "content_model": "lenient"}, verdict)


def test_a_writer_emitting_a_name_the_reader_drops_is_not_proved() -> None:
    """Trap: the reader neither declares nor requires ``t``; its branch that requires it
    then never holds for what it sees, so a writer of ``{"t": 1}`` is not read."""
    writer = {"type": "object", "properties": {"t": {}}, "oneOf": [{"required": ["t"]}, {}]}
    reader = {"type": "object", "oneOf": [{"not": {"required": ["t"]}}, {"required": ["u"]}]}
    verdict = check(writer, reader, mode="backward", content_model="lenient")
    assert verdict.verdicts[Mode.BACKWARD].outcome is not Outcome.COMPATIBLE


@pytest.mark.parametrize("content_model", ["strict", "lenient"])
def test_enum_and_pattern_branches_cover_strings_together(content_model: str) -> None:
    """tsconfig ``module``: neither the enum branch nor the pattern branch accepts every
    string of the new pattern, their union does for the old; the new one adds spellings
    that neither old branch accepts, found as the shortest string outside the union."""

    def schema(node: str) -> dict[str, Any]:
        return {
            "type": ["string", "null"],
            "anyOf": [
                {"enum": ["commonjs", "node16", "node18", "node20"]},
                {"pattern": f"^([Cc][Oo][Mm][Mm][Oo][Nn][Jj][Ss]|[Nn][Oo][Dd][Ee]{node})$"},
            ],
        }

    old, new = schema("1[68]"), schema("(1[68]|20)")
    verdict = check(old, new, mode="full", content_model=content_model)
    assert verdict.verdicts[Mode.BACKWARD].outcome is Outcome.COMPATIBLE
    assert verdict.verdicts[Mode.FORWARD].outcome is Outcome.INCOMPATIBLE
    assert_witnesses({"old": old, "new": new, "content_model": content_model}, verdict)
    (witness,) = verdict.witnesses
    assert witness.document.lower() == "node20"
    assert witness.document != "node20"
