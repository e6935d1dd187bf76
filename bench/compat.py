"""Compatibility engine benchmark: Accord next to jsoncompat (PyPI), medians in ms.

    .venv/bin/python bench/compat.py [--repeat N] [--skip-peers] [--skip-cli] [--cli-runs N]

Cases (the same inputs for both tools):
  pair-1k       1,000-property object schemas (10 % required); new adds an optional property
                (compatible in every mode under the default lenient content model)
  pair-1k-break the same, and new also relaxes one maxLength: forward breaks, and Accord
                builds and verifies a witness document with the real validator
  pair-1k-nested(-break)  the nested shape: of the 1,000 properties 60 % are flat (as above),
                20 % small nested objects (3-6 properties, 1-2 required, one of them an enum)
                and 20 % enums of 5-20 strings; new adds an optional property, and in the
                -break case also removes one enum value inside one nested object: new
                accepts less, so backward breaks (forward still holds)
  pair-10k(-break)  the same as pair-1k with 10,000 properties
  history-1k    a transitive check of NEW against 1,000 earlier versions (one call per tool
                for Accord; jsoncompat has no history API, so it is called once per version)
  history-1k-wide  1,000 earlier versions of the nested shape, version k with 100 + k
                properties (100 to 1,099), and a NEW with 1,101: every version adds optional
                properties to the one before, the required ones are among the first 100. One
                call of ``check_history(..., mode="backward_transitive")`` against the
                versions as the server holds them: ``Prepared``, parsed by an earlier check
                (each engine process keeps the stored versions it parsed, by content hash;
                ``contract.version_cache``), median of 3. The ``cold`` row is the same check
                on plain documents, every version parsed afresh, timed once. Accord only:
                jsoncompat would take ~1,000 pair checks of up to 1,100 properties. Against
                earlier versions the engine decides only the directions the mode needs;
                ``backward_transitive`` (a reader on NEW reads what any version wrote) is the
                one a registry enforces when consumers replay old data, and the case is
                meaningful because it is compatible: no version fails early, every one of the
                1,000 pairs is decided to the end (``full_transitive`` is printed beside it).
                The ``server`` row is the same check the way a publish runs it: the history
                as stored JSON text, pickled to the engine process and back, then
                ``contract.evaluate.evaluate`` with the versions that process keeps
  enum-100k     hostile input: a 100,000-value enum with one value removed (Accord only)
  deep-1000     hostile input: 1,000 nested objects, refused by ``validate_schema``
  cli ...       ``accord compat check OLD NEW`` (the installed console script, default
                flags) as a whole process on the pair-1k and pair-1k-nested files, median of
                ``--cli-runs`` (11) runs: interpreter start-up, imports, reading both files,
                validating both schemas, the check and the report. Where no bytecode cache
                can be written (``PYTHONDONTWRITEBYTECODE=1``) every run also compiles
                Accord's own modules; the script says so
Targets: every 1,000-property pair <= 10 ms median (every shape), history-1k and
history-1k-wide <= 1 s, the CLI on a 1,000-property pair <= 250 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from accord.compat import (
    Mode,
    Outcome,
    Prepared,
    SchemaError,
    Verdict,
    check,
    check_history,
    validate_schema,
)

KINDS: list[dict[str, Any]] = [
    {"type": "string", "maxLength": 64},
    {"type": "integer", "minimum": 0},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "string"}},
    {"type": ["string", "null"], "format": "date-time"},
]

# The properties of a nested object, in order: the first 3 to 6 of these.
INNER: list[tuple[str, dict[str, Any]]] = [
    ("id", {"type": "integer", "minimum": 1}),
    ("status", {}),  # an enum, filled in per object
    ("note", {"type": "string", "maxLength": 200}),
    ("amount", {"type": "number", "minimum": 0}),
    ("tags", {"type": "array", "items": {"type": "string"}, "maxItems": 10}),
    ("at", {"type": "string", "format": "date-time"}),
]

PAIR_TARGET_MS = 10.0
HISTORY_TARGET_MS = 1_000.0
CLI_TARGET_MS = 250.0
ACCORD = Path(sys.executable).parent / "accord"


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


def _enum(i: int, drop: bool = False) -> dict[str, Any]:
    """5 to 20 strings, decided by the property's index; ``drop`` leaves out the last."""
    count = 5 + (i // 10) % 16
    values = [f"v{i}_{j}" for j in range(count)]
    return {"type": "string", "enum": values[:-1] if drop else values}


def _nested(i: int, drop: bool = False) -> dict[str, Any]:
    """A small object: 3 to 6 properties, 1 or 2 required, ``status`` an enum."""
    count = 3 + (i // 10) % 4
    props = {}
    for name, schema in INNER[:count]:
        props[name] = _enum(i, drop) if name == "status" else dict(schema)
    required = ["id", "status"] if (i // 10) % 2 else ["id"]
    return {"type": "object", "properties": props, "required": required}


def nested_property(i: int, drop: bool = False) -> dict[str, Any]:
    """Property ``i`` of the nested shape: by ``i % 10``, 0-5 flat, 6-7 object, 8-9 enum."""
    slot = i % 10
    if slot < 6:
        return dict(KINDS[i % len(KINDS)])
    if slot < 8:
        return _nested(i, drop)
    return _enum(i)


def nested_schema(
    size: int, extra: int = 0, drop_in: int | None = None, required_below: int | None = None
) -> dict[str, Any]:
    """The nested shape: ``size`` (+ ``extra``) properties, every tenth of the first
    ``required_below`` (all ``size`` by default) required. ``drop_in``: the index of a nested
    object whose ``status`` enum loses its last value."""
    props = {f"field_{i:05d}": nested_property(i, drop=i == drop_in) for i in range(size + extra)}
    limit = size if required_below is None else min(size, required_below)
    required = [f"field_{i:05d}" for i in range(0, limit, 10)]
    return {"type": "object", "properties": props, "required": required}


def history(versions: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Versions that each add one optional property to a 30-property base."""
    base = 30
    docs = [object_schema(base, extra=k % 40) for k in range(versions)]
    return docs, object_schema(base, extra=40)


def wide_history(versions: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Version k has 100 + k properties of the nested shape; NEW has 100 + versions + 1.
    Each version is built afresh (no sub-schema shared with another), as if read from a file."""
    base = 100
    new = nested_schema(base + versions, extra=1, required_below=base)
    members = [
        f"{json.dumps(name)}: {json.dumps(schema)}" for name, schema in new["properties"].items()
    ]
    required = json.dumps(new["required"])

    def version(size: int) -> dict[str, Any]:
        props = ", ".join(members[:size])
        doc: dict[str, Any] = json.loads(
            f'{{"type": "object", "properties": {{{props}}}, "required": {required}}}'
        )
        return doc

    return [version(base + k) for k in range(versions)], new


def service_ms(history: list[dict[str, Any]], new: dict[str, Any]) -> tuple[float, str]:
    """The server's path: the history as stored JSON text, pickled to the engine process
    and back (what the process pool does), then ``evaluate`` with the versions that process
    keeps (the first call parses them all: not timed). Median of 3."""
    from accord.asset.policy import Compatibility
    from accord.contract.evaluate import Candidate, Earlier, content_hash, evaluate
    from accord.spec import Guarantees

    earlier = [
        Earlier(f"1.{i}.0", "jsonschema", {}, {}, content_hash("jsonschema", d, {}), None,
                json.dumps(d))
        for i, d in enumerate(history)
    ]  # fmt: skip
    candidate = Candidate("jsonschema", new, Guarantees())
    policy = Compatibility.backward_transitive

    def call() -> bool:
        import pickle

        base, hist, cand = pickle.loads(pickle.dumps((earlier[-1], earlier, candidate)))
        return evaluate(policy, "lenient", base, hist, cand).breaking

    breaking = call()
    return median_ms(call, 3), f"evaluate, history pickled as text; breaking: {breaking}"


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def once_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def verified(old: dict[str, Any], new: dict[str, Any], verdict: Verdict) -> int:
    """Check every witness with python-jsonschema, independently of the engine: valid under
    the schema it names, invalid under the other. Returns how many were checked."""
    schemas = {"old": old, "new": new}
    for witness in verdict.witnesses:
        under = witness.valid_under
        other = "new" if under == "old" else "old"
        if not Draft202012Validator(schemas[under]).is_valid(witness.document):
            raise AssertionError(f"witness at {witness.path} is not valid under {under}")
        if Draft202012Validator(schemas[other]).is_valid(witness.document):
            raise AssertionError(f"witness at {witness.path} is also valid under {other}")
    return len(verdict.witnesses)


def _note(verdict: Verdict, old: dict[str, Any], new: dict[str, Any]) -> str:
    outcomes = verdict.verdicts
    text = f"{verdict.mode.value}: {verdict.outcome.value}"
    if verdict.outcome is not Outcome.COMPATIBLE:
        back, fwd = outcomes[Mode.BACKWARD], outcomes[Mode.FORWARD]
        text += f" (backward {back.outcome.value}, forward {fwd.outcome.value})"
        count = verified(old, new, verdict)
        if not count:
            raise AssertionError("an incompatible verdict without a witness")
        text += f"; {count} witness verified" if count == 1 else f"; {count} witnesses verified"
    return text


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


def cli_ms(old: dict[str, Any], new: dict[str, Any], runs: int) -> float:
    """Median wall-clock time of ``accord compat check old.json new.json`` as a process."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / "old.json", Path(tmp) / "new.json"]
        for path, doc in zip(paths, (old, new), strict=True):
            path.write_text(json.dumps(doc), encoding="utf-8")
        command = [str(ACCORD), "compat", "check", *map(str, paths)]
        first = subprocess.run(command, capture_output=True, text=True, check=False)
        if first.returncode != 0:  # compatible pairs only: anything else is a broken run
            raise AssertionError(f"accord compat check exited {first.returncode}: {first}")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


Row = tuple[str, float, float | None, float, str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-cli", action="store_true", help="do not time the CLI process")
    parser.add_argument("--cli-runs", type=int, default=11)
    args = parser.parse_args()
    jc = None if args.skip_peers else peer()
    rows: list[Row] = []

    flat_1k = object_schema(1_000), object_schema(1_000, extra=1)
    nested_1k = nested_schema(1_000), nested_schema(1_000, extra=1)
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("pair-1k", *flat_1k),
        ("pair-1k-break", object_schema(1_000), object_schema(1_000, extra=1, relax=0)),
        ("pair-1k-nested", *nested_1k),
        # property 6 is the first nested object
        ("pair-1k-nested-break", nested_schema(1_000), nested_schema(1_000, extra=1, drop_in=6)),
        ("pair-10k", object_schema(10_000), object_schema(10_000, extra=1)),
        ("pair-10k-break", object_schema(10_000), object_schema(10_000, extra=1, relax=0)),
    ]
    for name, old, new in cases:
        size = len(old["properties"])
        repeat = args.repeat if size <= 1_000 else max(3, args.repeat // 4)
        verdict = check(old, new, mode="full")
        ours = median_ms(partial(check, old, new, mode="full"), repeat)
        theirs = None
        if jc is not None:
            theirs = median_ms(partial(jc, json.dumps(old), json.dumps(new)), repeat)
        target = PAIR_TARGET_MS if size <= 1_000 else 0.0
        rows.append((name, ours, theirs, target, _note(verdict, old, new)))

    docs, new = history(1_000)
    verdict = check_history(docs, new, mode="full_transitive")
    ours = median_ms(lambda: check_history(docs, new, mode="full_transitive"), 3)
    theirs = None
    if jc is not None:
        texts = [json.dumps(d) for d in docs]
        new_text = json.dumps(new)
        theirs = median_ms(lambda: [jc(t, new_text) for t in texts], 1)
    note = f"full_transitive: {verdict.outcome.value}"
    rows.append(("history-1k", ours, theirs, HISTORY_TARGET_MS, note))

    wide, wide_new = wide_history(1_000)
    found: list[Verdict] = []
    ours = once_ms(lambda: found.append(check_history(wide, wide_new, mode="backward_transitive")))
    verdict = found[0]
    note = f"backward_transitive: {verdict.outcome.value}; one run, every version parsed"
    rows.append(("history-1k-wide cold", ours, None, 0.0, note))
    prepared = [Prepared(doc) for doc in wide]
    check_history(prepared, wide_new, mode="backward_transitive")  # as a server keeps them
    again = partial(check_history, prepared, wide_new, mode="backward_transitive")
    ours = median_ms(again, 3)
    full_t = check_history(prepared, wide_new, mode="full_transitive").outcome.value
    note = f"backward_transitive: {again().outcome.value} (full_transitive {full_t})"
    rows.append(("history-1k-wide", ours, None, HISTORY_TARGET_MS, note))
    ours, note = service_ms(wide, wide_new)
    rows.append(("history-1k-wide server", ours, None, HISTORY_TARGET_MS, note))

    values = [f"v{i}" for i in range(100_000)]
    enum_old, enum_new = {"enum": values}, {"enum": values[:-1]}
    verdict = check(enum_old, enum_new, mode="full")
    ours = median_ms(lambda: check(enum_old, enum_new, mode="full"), 3)
    rows.append(("enum-100k", ours, None, 0.0, f"full: {verdict.outcome.value}"))

    deep: dict[str, Any] = {"type": "string"}
    for _ in range(1_000):
        deep = {"type": "object", "properties": {"a": deep}}
    ours = median_ms(lambda: _refused(deep), 3)
    rows.append(("deep-1000", ours, None, 0.0, "SchemaError (nesting limit)"))

    if not args.skip_cli:
        for name, (old, new) in (("cli pair-1k", flat_1k), ("cli pair-1k-nested", nested_1k)):
            ms = cli_ms(old, new, args.cli_runs)
            note = f"whole process, median of {args.cli_runs}; exit 0"
            rows.append((name, ms, None, CLI_TARGET_MS, note))

    print(f"python {sys.version.split()[0]}; medians in ms (history-1k-wide cold: one run)")
    print(f"{'case':<21} {'accord':>9} {'jsoncompat':>11} {'target':>7}      verdict (accord)")
    for name, ours, theirs, target, note in rows:
        peer_text = f"{theirs:11.1f}" if theirs is not None else f"{'-':>11}"
        goal = f"{'<=' + format(target, 'g'):>7} {'ok' if ours <= target else 'MISS':<4}"
        if not target:
            goal = f"{'-':>7}     "
        print(f"{name:<21} {ours:9.1f} {peer_text} {goal} {note}")
    if jc is None and not args.skip_peers:
        print("jsoncompat not installed: pip install 'jsoncompat<=0.3.1' to compare")
    if not args.skip_cli and os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: every CLI run compiled Accord's modules anew")


if __name__ == "__main__":
    main()
