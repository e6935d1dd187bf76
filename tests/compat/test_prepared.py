"""Prepared versions (parsed once, reused by many checks) and transitive checks that decide
only the directions the requested mode needs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from accord.compat import Mode, Outcome, Prepared, SchemaError, check, check_history
from tests.compat.test_realworld import PAIRS, _id


def _props(n: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        f"p{i}": {"type": "object", "properties": {"v": {"enum": [i, f"e{i}"]}}} for i in range(n)
    }
    return {"type": "object", "properties": {**props, **(extra or {})}}


@pytest.mark.parametrize("pair", PAIRS[:8], ids=[_id(p) for p in PAIRS[:8]])
def test_prepared_versions_give_the_verdicts_of_plain_ones_every_time(
    pair: dict[str, Any],
) -> None:
    old, new = Prepared(pair["old"]), Prepared(pair["new"])
    plain = check(pair["old"], pair["new"], mode="full", content_model="strict").to_dict()
    for _ in range(2):  # the second check reuses both parses
        again = check(old, new, mode="full", content_model="strict").to_dict()
        assert again == plain
    assert old.parsed is not None
    assert new.parsed is not None


def test_a_prepared_version_serves_many_candidates() -> None:
    base = Prepared(_props(50))
    widened = _props(50, {"x": {"type": "string"}})
    changed = copy.deepcopy(widened)
    changed["properties"]["p3"]["properties"]["v"]["enum"] = [3]
    assert check(base, widened, mode="backward", content_model="lenient").compatible
    narrowed = check(base, changed, mode="backward", content_model="lenient")
    assert narrowed.outcome is Outcome.INCOMPATIBLE
    assert narrowed.witnesses[0].document["p3"] == {"v": "e3"}
    assert check(base, widened, mode="backward", content_model="lenient").compatible


def test_a_check_that_runs_out_of_budget_drops_the_parses_it_may_have_left_half_built() -> None:
    history = [Prepared(_props(200 + k)) for k in range(30)]
    new = _props(240, {"p5": {"type": "string"}})
    check_history(history, _props(240), mode="backward_transitive")  # parsed, partly filled
    assert all(p.parsed is not None for p in history)
    stopped = check_history(history, new, mode="backward_transitive", budget_s=1e-6)
    assert stopped.exhausted
    assert stopped.outcome is Outcome.UNDECIDED
    assert all(p.parsed is None for p in history)
    done = check_history(history, new, mode="backward_transitive")
    plain = check_history([p.doc for p in history], new, mode="backward_transitive")
    assert done.to_dict() == plain.to_dict()
    assert done.outcome is Outcome.INCOMPATIBLE


def test_an_invalid_property_found_late_spoils_the_prepared_parse() -> None:
    bad = _props(3, {"q": {"type": "object", "properties": {"w": {"minimum": "high"}}}})
    old = Prepared(bad)
    new = copy.deepcopy(bad)
    new["properties"]["q"]["properties"]["w"] = {"minimum": 1}
    with pytest.raises(SchemaError):
        check(old, new, mode="backward")
    assert old.parsed is None


def test_a_prepared_parse_is_not_reused_under_other_settings() -> None:
    old = Prepared({"type": "string", "format": "date"})
    new = {"type": "string", "format": "email"}
    assert check(old, new, mode="backward").compatible  # format as an annotation
    asserted = check(old, new, mode="backward", assert_formats=True)
    assert asserted.outcome is Outcome.INCOMPATIBLE
    assert Prepared({"columns": []}).fmt.value == "table"


def test_a_property_holding_a_reference_is_decided_even_with_the_same_text() -> None:
    old: dict[str, Any] = {
        "$defs": {"t": {"type": "integer"}},
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/t"}, "b": {"type": "string"}},
    }
    new = copy.deepcopy(old)
    new["$defs"]["t"] = {"type": "string"}
    verdict = check(Prepared(old), Prepared(new), mode="backward", content_model="lenient")
    assert verdict.outcome is Outcome.INCOMPATIBLE
    assert verdict.witnesses[0].path == "/a"


def test_a_boolean_and_a_number_of_equal_value_are_different_sources() -> None:
    old = {"type": "object", "properties": {"a": {"const": True}}}
    new = {"type": "object", "properties": {"a": {"const": 1}}}
    assert check(old, new, mode="backward", content_model="lenient").outcome is (
        Outcome.INCOMPATIBLE
    )


def test_a_backward_transitive_check_decides_only_backward_against_earlier_versions() -> None:
    v1 = {"type": "object", "properties": {"a": {"type": "string"}}}
    v2 = {"type": "object", "properties": {"a": {"type": ["string", "null"]}}}
    new = {"type": "object", "properties": {"a": {"type": ["string", "null", "integer"]}}}
    back = check_history([v1, v2], new, mode="backward_transitive", content_model="lenient")
    assert back.compatible
    assert Mode.BACKWARD_TRANSITIVE in back.verdicts
    assert Mode.FORWARD_TRANSITIVE not in back.verdicts
    assert Mode.FULL_TRANSITIVE not in back.verdicts
    assert back.verdicts[Mode.FORWARD].outcome is Outcome.INCOMPATIBLE  # latest: both ways
    fwd = check_history([v1, v2], new, mode="forward_transitive", content_model="lenient")
    assert fwd.outcome is Outcome.INCOMPATIBLE
    assert Mode.BACKWARD_TRANSITIVE not in fwd.verdicts
    full = check_history([v1, v2], new, mode="full_transitive", content_model="lenient")
    assert {Mode.BACKWARD_TRANSITIVE, Mode.FORWARD_TRANSITIVE} <= set(full.verdicts)
    plain = check_history([v1, v2], new, mode="backward", content_model="lenient")
    assert Mode.BACKWARD_TRANSITIVE not in plain.verdicts
    single = check(v2, new, mode="backward")
    assert set(single.verdicts) == set(Mode)


def test_a_prepared_document_is_compared_with_many_others_and_keeps_few_pairings() -> None:
    """The reference pairing kept per compared document is bounded (a cached version meets
    every later candidate)."""
    base = {"$defs": {"t": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/t"}}}
    old = Prepared(base)
    for i in range(70):
        new = {
            "$defs": {"t": {"type": "string", "title": str(i)}},
            "properties": {"a": {"$ref": "#/$defs/t"}, "b": {"type": "integer"}},
        }
        assert check(old, new, mode="backward", content_model="lenient").compatible
    assert len(old.parsed._pairs) <= 64


def test_each_prepared_version_resolves_references_through_its_own_schemas() -> None:
    """Two versions name one URI; each was published against another version of the schema
    behind it: a change there is judged where the reference is used."""
    uri = "https://schemas.example.com/address.json"
    v1 = {"type": "object", "properties": {"street": {"type": "string"}}}
    v2 = {"type": "object", "properties": {"street": {"type": "string", "maxLength": 8}}}
    order = {"type": "object", "properties": {"ship_to": {"$ref": uri}}}
    old = Prepared(order, refs={uri: v1})
    verdict = check(old, order, mode="backward", refs={uri: v2})
    assert verdict.outcome is Outcome.INCOMPATIBLE
    assert verdict.witnesses[0].path == "/ship_to/street"
    assert check(old, order, mode="backward", refs={uri: v1}).compatible
    shared = Prepared(order)  # no references of its own: the check's
    assert check(shared, order, mode="backward", refs={uri: v1}).compatible
    assert check(shared, order, mode="forward", refs={uri: v2}).compatible
    with pytest.raises(SchemaError, match="is not supplied"):
        check(Prepared(order), order, mode="backward")


@pytest.mark.parametrize("size", [3, 40])  # 40: the document spells its root property by property
def test_large_and_small_roots_compare_properties_by_exact_source(size: int) -> None:
    base = _props(size)
    with_ref = copy.deepcopy(base)
    with_ref["$defs"] = {"t": {"type": "integer"}}
    with_ref["properties"]["r"] = {"$ref": "#/$defs/t"}
    moved = copy.deepcopy(with_ref)
    moved["$defs"]["t"] = {"type": "string"}
    verdict = check(with_ref, moved, mode="backward", content_model="lenient")
    assert verdict.outcome is Outcome.INCOMPATIBLE  # same text, another target
    truth = copy.deepcopy(base)
    truth["properties"]["p1"]["properties"]["v"] = {"const": True}
    one = copy.deepcopy(base)
    one["properties"]["p1"]["properties"]["v"] = {"const": 1}
    assert check(truth, one, mode="backward", content_model="lenient").outcome is (
        Outcome.INCOMPATIBLE
    )
    assert check(truth, copy.deepcopy(truth), mode="full").compatible


def _table(n: int, nullable_last: bool = False) -> dict[str, Any]:
    columns = [{"name": f"c{i}", "type": "integer", "nullable": False} for i in range(n)]
    columns[-1]["nullable"] = nullable_last
    return {"columns": columns}


def test_a_table_validated_once_is_checked_on_that_parse_whatever_the_references() -> None:
    """`validated_table` gives back its parse; `Prepared.from_table` keeps it, so a publish
    parses its candidate once (contract/evaluate.assess_candidate)."""
    from accord.compat import validated_table

    doc = _table(5, nullable_last=True)
    parsed = validated_table(doc, "table")
    assert parsed is not None
    assert validated_table({"type": "object"}, "jsonschema") is None
    new = Prepared.from_table(doc, parsed)
    kept = new.parsed
    base = Prepared(_table(5), fmt="table")
    for refs in (None, {"https://example.com/x.json": {"type": "string"}}):
        verdict = check(base, new, mode="forward", refs=refs)
        assert verdict.to_dict() == check(_table(5), doc, mode="forward").to_dict()
        assert verdict.outcome is Outcome.INCOMPATIBLE
        assert new.parsed is kept
