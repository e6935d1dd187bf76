"""Real schema evolution pairs (SchemaStore, see realworld/NOTICE): decided, and soundly.

Every incompatible verdict carries a witness an independent validator confirms; for every
compatible one, documents drawn from the writer's schema (the engine's sampler, each kept
only if the independent validator accepts it under the writer) must be accepted by the
reader. ``bench/compat_realworld.py`` runs the whole 511-pair corpus.
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from accord.compat import Mode, Outcome, check
from accord.compat.js.document import Document
from accord.compat.js.inclusion import Checker
from accord.compat.js.witness import strip
from tests.compat.witnesses import _valid, assert_witnesses

PAIRS = [
    json.loads(line)
    for line in (Path(__file__).parent / "realworld" / "schemastore-sample.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
SAMPLES = 40


def _id(pair: dict[str, Any]) -> str:
    return f"{Path(pair['file']).stem}-{pair['new_commit'][:8]}"


def _drawn(schema: Any) -> list[Any]:
    """Documents valid under ``schema`` (by the independent validator)."""
    doc = Document(schema)
    values = Checker(False).values((doc.root,))
    return [v for v in islice(values, SAMPLES) if _valid(schema, v, False)]


@pytest.mark.parametrize("content_model", ["strict", "lenient"])
@pytest.mark.parametrize("pair", PAIRS, ids=[_id(p) for p in PAIRS])
def test_real_pair_is_decided_soundly(pair: dict[str, Any], content_model: str) -> None:
    old, new = pair["old"], pair["new"]
    verdict = check(old, new, mode="full", content_model=content_model, budget_s=30)
    assert not verdict.exhausted
    assert_witnesses({"old": old, "new": new, "content_model": content_model}, verdict)
    for mode, writer, reader in ((Mode.BACKWARD, old, new), (Mode.FORWARD, new, old)):
        if verdict.verdicts[mode].outcome is not Outcome.COMPATIBLE:
            continue
        drawn = _drawn(writer)
        assert drawn, "no document could be drawn: the check would prove nothing"
        for doc in drawn:
            if content_model == "lenient":
                if strip(doc, (Document(writer).root,)) != doc:
                    continue  # a lenient writer emits only what it declares
                doc = strip(doc, (Document(reader).root,))
            assert _valid(reader, doc, False), (mode.value, doc)


def test_the_sample_is_mostly_decided() -> None:
    outcomes = [
        check(p["old"], p["new"], mode="backward", content_model="strict", budget_s=30)
        .verdicts[Mode.BACKWARD]
        .outcome
        for p in PAIRS
    ]
    assert Outcome.UNDECIDED not in outcomes
    assert {Outcome.COMPATIBLE, Outcome.INCOMPATIBLE} <= set(outcomes)
