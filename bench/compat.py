"""Compatibility engine benchmark: Accord next to jsoncompat (PyPI), medians in ms.

    .venv/bin/python bench/compat.py [--repeat N] [--skip-peers]

Cases (the same inputs for both tools):
  pair-1k       1,000-property object schemas (10 % required); new adds an optional property
                (compatible in every mode under the default lenient content model)
  pair-1k-break the same, and new also relaxes one maxLength: forward breaks, and Accord
                builds and verifies a witness document with the real validator
  pair-10k(-break)  the same with 10,000 properties
  history-1k    a transitive check of NEW against 1,000 earlier versions (one call per tool
                for Accord; jsoncompat has no history API, so it is called once per version)
  enum-100k     hostile input: a 100,000-value enum with one value removed (Accord only)
Targets (issue 3): pair-1k <= 10 ms median, history-1k <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from accord.compat import SchemaError, check, check_history, validate_schema

KINDS: list[dict[str, Any]] = [
    {"type": "string", "maxLength": 64},
    {"type": "integer", "minimum": 0},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "string"}},
    {"type": ["string", "null"], "format": "date-time"},
]


def object_schema(size: int, extra: int = 0, relax: int | None = None) -> dict[str, Any]:
    """An object schema with ``size`` properties (+ ``extra`` new ones), 10 % required."""
    props: dict[str, Any] = {}
    for i in range(size + extra):
        schema = dict(KINDS[i % len(KINDS)])
        if relax is not None and i == relax:
            schema["maxLength"] = 128
        props[f"field_{i:05d}"] = schema
    required = [f"field_{i:05d}" for i in range(0, size, 10)]
    return {"type": "object", "properties": props, "required": required}


def history(versions: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Versions that each add one optional property to a 30-property base."""
    base = 30
    docs = [object_schema(base, extra=k % 40) for k in range(versions)]
    return docs, object_schema(base, extra=40)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _refused(doc: dict[str, Any]) -> None:
    try:
        validate_schema(doc)
    except SchemaError:
        return
    raise AssertionError("deep schema was accepted")


def peer() -> Callable[[str, str], bool] | None:
    try:
        import jsoncompat
    except ImportError:
        return None

    def run(old: str, new: str) -> bool:
        return bool(jsoncompat.check_compat(old, new, "both"))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    jc = None if args.skip_peers else peer()
    rows: list[tuple[str, float, float | None, str]] = []

    cases = [
        ("pair-1k", 1_000, None),
        ("pair-1k-break", 1_000, 0),
        ("pair-10k", 10_000, None),
        ("pair-10k-break", 10_000, 0),
    ]
    for name, size, relax in cases:
        old, new = object_schema(size), object_schema(size, extra=1, relax=relax)
        repeat = args.repeat if size <= 1_000 else max(3, args.repeat // 4)
        verdict = check(old, new, mode="full")
        ours = median_ms(partial(check, old, new, mode="full"), repeat)
        theirs = None
        if jc is not None:
            theirs = median_ms(partial(jc, json.dumps(old), json.dumps(new)), repeat)
        rows.append((name, ours, theirs, f"full: {verdict.outcome.value}"))

    docs, new = history(1_000)
    verdict = check_history(docs, new, mode="full_transitive")
    ours = median_ms(lambda: check_history(docs, new, mode="full_transitive"), 3)
    theirs = None
    if jc is not None:
        texts = [json.dumps(d) for d in docs]
        target = json.dumps(new)
        theirs = median_ms(lambda: [jc(t, target) for t in texts], 1)
    rows.append(("history-1k", ours, theirs, f"full_transitive: {verdict.outcome.value}"))

    values = [f"v{i}" for i in range(100_000)]
    enum_old, enum_new = {"enum": values}, {"enum": values[:-1]}
    verdict = check(enum_old, enum_new, mode="full")
    ours = median_ms(lambda: check(enum_old, enum_new, mode="full"), 3)
    rows.append(("enum-100k", ours, None, f"full: {verdict.outcome.value}"))

    deep: dict[str, Any] = {"type": "string"}
    for _ in range(1_000):
        deep = {"type": "object", "properties": {"a": deep}}
    ours = median_ms(lambda: _refused(deep), 3)
    rows.append(("deep-1000", ours, None, "SchemaError (nesting limit)"))

    print(f"python {sys.version.split()[0]}; medians in ms")
    print(f"{'case':<15} {'accord':>10} {'jsoncompat':>12}  verdict (accord)")
    for name, ours, theirs, note in rows:
        peer_text = f"{theirs:12.1f}" if theirs is not None else f"{'-':>12}"
        print(f"{name:<15} {ours:10.1f} {peer_text}  {note}")
    if jc is None and not args.skip_peers:
        print("jsoncompat not installed: pip install 'jsoncompat<=0.3.1' to compare")


if __name__ == "__main__":
    main()
