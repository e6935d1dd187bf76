"""Stored versions parsed once per engine process (``contract.version_cache``)."""

from __future__ import annotations

import json
from typing import Any

from accord.asset.policy import Compatibility
from accord.compat import Prepared
from accord.contract import evaluate as evaluate_module
from accord.contract.evaluate import Candidate, Earlier, evaluate
from accord.contract.version_cache import VersionCache
from accord.spec import Guarantees


def _schema(n: int) -> dict[str, Any]:
    return {"type": "object", "properties": {f"c{i}": {"type": "string"} for i in range(n)}}


def _make(fmt: str, schema: Any, refs: Any) -> Prepared:
    return Prepared(schema, fmt, refs=refs)


def test_a_version_is_prepared_once_and_found_by_its_digest() -> None:
    cache = VersionCache()
    first = cache.prepared([("d1", "jsonschema", _schema(3), None)], _make)
    again = cache.prepared([("d1", "jsonschema", _schema(3), None)], _make)
    assert first[0] is again[0]
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)


def test_a_version_without_a_digest_is_not_kept() -> None:
    cache = VersionCache()
    one = cache.prepared([("", "jsonschema", _schema(3), None)], _make)
    two = cache.prepared([("", "jsonschema", _schema(3), None)], _make)
    assert one[0] is not two[0]
    assert len(cache) == 0


def test_least_recently_used_versions_go_first_within_the_size_limit() -> None:
    size = len(repr(_schema(10)))
    cache = VersionCache(limit_bytes=2 * size)
    cache.prepared([("a", "jsonschema", _schema(10), None)], _make)
    cache.prepared([("b", "jsonschema", _schema(10), None)], _make)
    cache.prepared([("a", "jsonschema", _schema(10), None)], _make)  # a is now the most recent
    cache.prepared([("c", "jsonschema", _schema(10), None)], _make)
    assert cache.size <= cache.limit
    hits = cache.hits
    cache.prepared([("a", "jsonschema", _schema(10), None)], _make)
    assert cache.hits == hits + 1  # a stayed, b went
    cache.prepared([("b", "jsonschema", _schema(10), None)], _make)
    assert cache.hits == hits + 1


def test_a_history_larger_than_the_cache_keeps_what_fits_instead_of_thrashing() -> None:
    size = len(repr(_schema(10)))
    cache = VersionCache(limit_bytes=3 * size)
    history = [(f"v{i}", "jsonschema", _schema(10), None) for i in range(8)]
    cache.prepared(history, _make)
    assert len(cache) == 3
    cache.prepared(history, _make)
    assert cache.hits == 3  # plain LRU would have evicted each one just before its turn
    assert cache.prepared([("big", "jsonschema", _schema(100), None)], _make)  # too big: not kept
    assert len(cache) == 3


def test_a_transitive_evaluation_reuses_the_parsed_versions(monkeypatch: Any) -> None:
    cache = VersionCache()
    monkeypatch.setattr(evaluate_module, "_VERSIONS", cache)
    earlier = [
        Earlier(f"1.{i}.0", "jsonschema", _schema(20 + i), {}, f"digest{i}") for i in range(5)
    ]
    narrowed = _schema(30)
    narrowed["properties"]["c2"] = {"type": "string", "maxLength": 3}
    candidate = Candidate("jsonschema", narrowed, Guarantees())
    policy = Compatibility.backward_transitive
    first = evaluate(policy, "lenient", earlier[-1], earlier, candidate)
    assert (cache.hits, cache.misses) == (0, 5)
    second = evaluate(policy, "lenient", earlier[-1], earlier, candidate)
    assert (cache.hits, cache.misses) == (5, 5)
    assert first.to_dict() == second.to_dict()
    assert first.breaking
    assert "against version 0" in first.verdict["verdicts"]["backward_transitive"]["reason"]


def test_a_history_sent_as_json_text_is_decoded_only_where_not_kept(monkeypatch: Any) -> None:
    """`contract.service.history` sends stored schemas as their JSON text (pickling decoded
    documents to the engine process cost seconds for a large history)."""
    cache = VersionCache()
    monkeypatch.setattr(evaluate_module, "_VERSIONS", cache)
    schemas = [_schema(20 + i) for i in range(4)]
    texts = [
        Earlier(f"1.{i}.0", "jsonschema", {}, {}, f"d{i}", None, json.dumps(s))
        for i, s in enumerate(schemas)
    ]
    dicts = [Earlier(f"1.{i}.0", "jsonschema", s, {}, "") for i, s in enumerate(schemas)]
    narrowed = _schema(30)
    narrowed["properties"]["c0"] = {"type": "string", "maxLength": 3}
    candidate = Candidate("jsonschema", narrowed, Guarantees())
    policy = Compatibility.backward_transitive
    by_text = evaluate(policy, "lenient", dicts[-1], texts, candidate)
    by_dict = evaluate(policy, "lenient", dicts[-1], dicts, candidate)
    assert by_text.to_dict() == by_dict.to_dict()
    assert by_text.breaking
    assert len(cache) == 4


def _table(n: int, described: str = "") -> dict[str, Any]:
    columns: list[dict[str, Any]] = [{"name": f"c{i}", "type": "string"} for i in range(n)]
    columns[-1]["description"] = described
    return {"columns": columns}


def test_a_publish_is_assessed_in_one_call_and_its_parse_serves_the_next(
    monkeypatch: Any,
) -> None:
    """`assess_candidate`: validated, hashed and judged at once; the candidate is kept by
    its content hash, so as the next publish's base it is not parsed again."""
    from accord.contract.evaluate import assess_candidate, content_hash

    cache = VersionCache()
    monkeypatch.setattr(evaluate_module, "_VERSIONS", cache)
    policy = Compatibility.backward
    first, second = _table(50, "one"), _table(50, "two")
    base = Earlier("1.0.0", "table", first, {}, content_hash("table", first, {}, []))
    candidate = Candidate("table", second, Guarantees())
    assessed = assess_candidate(policy, "lenient", candidate, base.digest, base, [])
    assert assessed.digest == content_hash("table", second, {}, [])
    assert assessed.invalid is None
    assert assessed.evaluation is not None
    assert not assessed.evaluation.breaking
    assert (cache.hits, cache.misses, len(cache)) == (0, 2, 2)
    # The next publish: the candidate above is its base, found parsed.
    after = Earlier("1.1.0", "table", second, {}, assessed.digest)
    third = Candidate("table", _table(50, "three"), Guarantees())
    assess_candidate(policy, "lenient", third, after.digest, after, [])
    assert cache.hits == 1
    # The latest version's content again: hashed, not judged.
    same = assess_candidate(policy, "lenient", candidate, assessed.digest, after, [])
    assert same.evaluation is None
    assert same.digest == assessed.digest


def test_an_invalid_candidate_is_refused_before_anything_is_judged(monkeypatch: Any) -> None:
    from accord.contract.evaluate import assess_candidate

    cache = VersionCache()
    monkeypatch.setattr(evaluate_module, "_VERSIONS", cache)
    bad = Candidate("table", {"columns": [{"name": "a", "type": "nope"}]}, Guarantees())
    base = Earlier("1.0.0", "table", _table(3), {}, "d")
    assessed = assess_candidate(Compatibility.backward, "lenient", bad, "d", base, [])
    assert assessed.invalid is not None
    assert assessed.digest == ""
    assert assessed.evaluation is None
    assert len(cache) == 0


def test_an_engine_process_collects_young_objects_less_often() -> None:
    import gc

    before, limit = gc.get_threshold(), evaluate_module._VERSIONS.limit
    try:
        evaluate_module.keep_versions(1 << 20)
        assert gc.get_threshold()[0] == evaluate_module.GC_YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    finally:
        gc.set_threshold(*before)
        evaluate_module._VERSIONS.limit = limit
