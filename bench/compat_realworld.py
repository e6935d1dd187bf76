"""The compatibility engine on real schema evolution pairs, next to jsoncompat.

    .venv/bin/python bench/compat_realworld.py [PATH] [--modes backward,forward]
        [--content-models strict,lenient] [--budget 2] [--skip-peers] [--oracle N]
        [--show undecided,refused,errors,slow] [--limit N] [--gc-corpus]

PATH is a ``.jsonl`` or ``.jsonl.gz`` file with one pair per line, ``{"file", "old", "new"}``
(default: ``../shared/compat/realworld/schemastore-pairs.jsonl.gz``, 511 consecutive versions
of SchemaStore schemas). Each pair is checked in-process, one mode and content model at a
time, with a time budget (``--budget`` seconds, default 10: a pair that needs it ends
``undecided`` and counts as over 2 s).

Per mode and content model it prints: pairs, compatible / incompatible / undecided / refused
(``SchemaError``: how many for an invalid schema, the rest for a remote ``$ref`` not supplied;
``tests/compat/test_realworld_invalid.py`` shows the kinds of invalid ones here are unusable
by python-jsonschema too) / errors (anything else: a crash), median / p95 / max time per pair, and
the same for ``jsoncompat`` where it can judge (its ``$schema`` is stripped; it has no
content models, so it runs beside ``strict`` only), with the speed ratio on the pairs both
judged: once for the whole ``check`` (both directions, the change list with its
directions, witnesses confirmed by python-jsonschema) and once for the work jsoncompat does
(parse both schemas, decide the one direction the mode needs). ``--oracle N`` draws up to N
documents from the old schema of every compatible backward pair, in either content model
(hypothesis-jsonschema where it can build a strategy, else the engine's own sampler;
python-jsonschema keeps only documents valid under the old one, and in ``lenient`` only
those the old one declares every property of) and validates them under the new one with
python-jsonschema (in ``lenient`` as its reader sees them: stripped of what it does not
declare): a document the new schema rejects is an unsound verdict and is printed; the
summary says from how many pairs documents could be drawn.

The loaded corpus (1,022 documents, about 150,000 Python containers) stays in memory for the
whole run and is frozen out of the cyclic garbage collector (``gc.freeze()``) once loaded:
otherwise every full collection the checks' garbage triggers walks it (0.1-0.2 s each, about
20 per run), billed to whichever pair runs then. A server holds no such heap of raw
documents. ``--gc-corpus`` leaves it to the collector, as the figures before 2026-12-04 did.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from accord.compat import Mode, SchemaError, check

DEFAULT = Path(__file__).resolve().parents[2] / "shared/compat/realworld/schemastore-pairs.jsonl.gz"


def pairs(path: Path) -> Iterator[dict[str, Any]]:
    """The pairs of a ``.jsonl`` (or ``.jsonl.gz``) file, or of every one in a folder."""
    if path.is_dir():
        for each in sorted([*path.glob("*.jsonl"), *path.glob("*.jsonl.gz")]):
            yield from pairs(each)
        return
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _strip(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: v for k, v in doc.items() if k != "$schema"}
    return doc


def _jsoncompat() -> Any:
    try:
        import jsoncompat
    except ImportError:
        return None
    return jsoncompat


def _peer(jc: Any, old: Any, new: Any, mode: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        role = {"backward": "deserializer", "forward": "serializer"}[mode]
        ok = jc.check_compat(json.dumps(_strip(old)), json.dumps(_strip(new)), role)
        outcome = "compatible" if ok else "incompatible"
    except Exception:
        outcome = "refused"
    return outcome, (time.perf_counter() - start) * 1000


def _core(old: Any, new: Any, mode: str) -> float:
    """Milliseconds for the part of a check jsoncompat also does: parse both schemas and
    decide the one direction MODE needs, without the other direction, the change list
    or the report (``check`` does all of those for every pair)."""
    from accord.compat.engine import backend
    from accord.compat.model import SchemaFormat

    start = time.perf_counter()
    impl = backend(SchemaFormat.JSONSCHEMA, False, {}, None)
    a, b = impl.parse(old), impl.parse(new)
    if mode == "backward":
        impl.decide(a, b, False, True)
    else:
        impl.decide(b, a, False, False)
    return (time.perf_counter() - start) * 1000


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _oracle(old: Any, new: Any, n: int, content_model: str) -> tuple[bool, str | None]:
    """(whether documents could be drawn from ``old``, one that ``new`` rejects or None).

    Documents come from hypothesis-jsonschema where it builds a strategy, else from the
    engine's own sampler; each is kept only if python-jsonschema (the schema's draft, no
    Accord code) accepts it under ``old``, and is then judged by python-jsonschema under
    ``new``. ``lenient``: only documents the writer declares every property of are kept
    (a lenient writer emits nothing else), and ``new`` judges each as a lenient reader
    sees it (stripped of what it does not declare)."""
    from jsonschema.validators import validator_for

    from accord.compat.js.document import Document
    from accord.compat.js.inclusion import Checker
    from accord.compat.js.witness import strip

    old_v = validator_for(old)(old)
    new_v = validator_for(new)(new)
    lenient = content_model == "lenient"
    writer, reader = Document(old).root, Document(new).root

    def emitted(doc: Any) -> bool:
        return _ok(old_v, doc) and (not lenient or strip(doc, (writer,)) == doc)

    drawn = [d for d in _hypothesis(old, n) if emitted(d)]
    if not drawn:
        values = Checker(False).values((writer,))
        drawn = [d for d in islice(values, n) if emitted(d)]
    seen = [strip(d, (reader,)) if lenient else d for d in drawn]
    bad = next((d for d in seen if not _ok(new_v, d)), _NONE)
    return bool(drawn), (None if bad is _NONE else json.dumps(bad)[:200])


_NONE = object()


def _ok(validator: Any, doc: Any) -> bool:
    try:
        return bool(validator.is_valid(doc))
    except Exception:  # the validator cannot evaluate it (e.g. an unsupported regex)
        return False


def _hypothesis(schema: Any, n: int) -> list[Any]:
    try:
        from hypothesis import HealthCheck, given, settings
        from hypothesis_jsonschema import from_schema

        strategy = from_schema(schema)
    except Exception:  # not installed, or it cannot build a strategy for this schema
        return []
    out: list[Any] = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(strategy)
    def _run(doc: Any) -> None:
        out.append(doc)

    try:
        _run()
    except Exception:  # generation failed: no evidence either way
        return []
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--modes", default="backward,forward")
    parser.add_argument("--content-models", default="strict,lenient")
    parser.add_argument("--budget", type=float, default=10.0)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--oracle", type=int, default=0)
    parser.add_argument("--show", default="")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--gc-corpus", action="store_true")
    args = parser.parse_args(argv)
    show = {s for s in args.show.split(",") if s}
    data = list(pairs(args.path))
    if args.limit:
        data = data[: args.limit]
    if not args.gc_corpus:
        gc.freeze()  # the corpus is the bench's heap, not the engine's (see the docstring)
    jc = None if args.skip_peers else _jsoncompat()
    failures = 0
    for mode in args.modes.split(","):
        for cm in args.content_models.split(","):
            counts: Counter[str] = Counter()
            times: list[float] = []
            slow = 0
            unsound = 0
            sampled = 0
            peer_counts: Counter[str] = Counter()
            ours_both: list[float] = []
            core_both: list[float] = []
            peer_both: list[float] = []
            for pair in data:
                start = time.perf_counter()
                reason = ""
                try:
                    verdict = check(
                        pair["old"],
                        pair["new"],
                        mode=mode,
                        content_model=cm,
                        budget_s=args.budget,
                    )
                    mv = verdict.verdicts[Mode(mode)]
                    outcome, reason = mv.outcome.value, mv.reason or ""
                except SchemaError as exc:
                    outcome, reason = "refused", str(exc)
                    if "is not supplied" not in reason:
                        counts["invalid"] += 1  # not an unsupplied remote $ref
                except Exception as exc:
                    outcome, reason = "errors", f"{type(exc).__name__}: {exc}"
                ms = (time.perf_counter() - start) * 1000
                counts[outcome] += 1
                times.append(ms)
                if ms > 2000:
                    slow += 1
                    if "slow" in show:
                        print(f"  slow {ms:.0f} ms {pair['file']} {pair.get('new_commit', '')[:8]}")
                if outcome in show:
                    where = f"{pair['file']} {pair.get('new_commit', '')[:8]}"
                    print(f"  {outcome}: {where}: {reason[:300]}")
                if args.oracle and outcome == "compatible" and mode == "backward":
                    judged, bad = _oracle(pair["old"], pair["new"], args.oracle, cm)
                    sampled += judged
                    if bad is not None:
                        unsound += 1
                        print(f"  UNSOUND {pair['file']}: {bad}")
                if jc is not None and cm == "strict" and mode in ("backward", "forward"):
                    p_out, p_ms = _peer(jc, pair["old"], pair["new"], mode)
                    peer_counts[p_out] += 1
                    if p_out != "refused" and outcome in ("compatible", "incompatible"):
                        ours_both.append(ms)
                        peer_both.append(p_ms)
                        core_both.append(_core(pair["old"], pair["new"], mode))
            n = len(data)
            print(
                f"{mode:9s} {cm:8s} pairs={n} "
                + " ".join(
                    f"{k}={counts[k]}"
                    for k in ("compatible", "incompatible", "undecided", "refused", "errors")
                )
                + f" (invalid {counts['invalid']}, the rest unsupplied remote $refs)"
                + f" | undecided {100 * counts['undecided'] / max(n, 1):.1f} %"
                + f" | median {statistics.median(times):.1f} ms p95 {_pct(times, 0.95):.1f} ms"
                + f" max {max(times):.0f} ms | over 2 s: {slow}"
                + (
                    f" | oracle sampled {sampled} compatible pairs, unsound: {unsound}"
                    if args.oracle
                    else ""
                )
            )
            if peer_counts:
                ratio = (
                    statistics.median(peer_both) / statistics.median(ours_both)
                    if ours_both
                    else float("nan")
                )
                print(
                    f"{'':18s} jsoncompat: "
                    + " ".join(f"{k}={v}" for k, v in sorted(peer_counts.items()))
                    + f" | both judged {len(ours_both)}: median accord "
                    + f"{_median(ours_both):.2f} ms, jsoncompat {_median(peer_both):.2f} ms"
                    + f" (accord {ratio:.1f}x faster)"
                )
                core = (
                    statistics.median(peer_both) / statistics.median(core_both)
                    if core_both
                    else float("nan")
                )
                print(
                    f"{'':18s} the same work as jsoncompat (parse, one direction, no change "
                    + f"list): median accord {_median(core_both):.2f} ms"
                    + f" (accord {core:.1f}x faster)"
                )
            failures += counts["errors"] + unsound
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
