"""A publish asks the engine for its policy's verdict only, and for every mode when the
change breaks (issue 21): a compatible change costs no witness search in a direction the
policy does not guard, while a proposal and a dry run still show every mode."""

from __future__ import annotations

from typing import Any

import httpx

from accord.asset.policy import Compatibility
from accord.compat import UNLESS_COMPATIBLE
from accord.contract.evaluate import Candidate, Earlier, Evaluation, assess_candidate
from accord.spec import parse_guarantees
from tests.conftest import Actors
from tests.lifecycle_helpers import make_asset, publish

EVERY_MODE = {
    "backward",
    "backward_transitive",
    "forward",
    "forward_transitive",
    "full",
    "full_transitive",
    "none",
}


def _note(max_length: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"note": {"type": "string", "maxLength": max_length}},
    }


async def test_a_forward_asset_publishes_a_narrowing_and_still_shows_every_mode(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors, compatibility="forward")
    assert (await publish(client, actors.producer_write, asset, _note(10))).status_code == 201
    # narrower: old readers read every new value (forward), new readers not every old one
    impact = await client.post(
        f"/api/v1/assets/{asset}/impact", json={"schema": _note(5)}, headers=actors.producer_read
    )
    assert impact.status_code == 200, impact.text
    evaluation = impact.json()["evaluation"]
    assert set(evaluation["verdicts"]) == EVERY_MODE
    assert evaluation["verdicts"]["backward"]["outcome"] == "incompatible"
    assert [w["mode"] for w in evaluation["witnesses"]] == ["backward"]
    r = await publish(client, actors.producer_write, asset, _note(5))
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "published"
    assert r.json()["auto_approved"] is False
    # widening back breaks forward: the proposal shows every mode, with its witness
    r = await publish(client, actors.producer_write, asset, _note(10), version="2.0.0")
    assert r.status_code in (201, 202), r.text
    verdict = r.json()["proposal"]["verdict"]
    assert set(verdict["verdicts"]) == EVERY_MODE
    assert verdict["verdicts"]["forward"]["outcome"] == "incompatible"
    assert verdict["verdicts"]["backward"]["outcome"] == "compatible"
    assert [w["mode"] for w in verdict["witnesses"]] == ["forward"]


def _assess(old: dict[str, Any], new: dict[str, Any], **extra: Any) -> Evaluation:
    g = parse_guarantees({})
    base = Earlier("1.0.0", "jsonschema", old, {})
    assessed = assess_candidate(
        Compatibility.forward, "lenient", Candidate("jsonschema", new, g), "", base, [], **extra
    )
    assert assessed.evaluation is not None
    return assessed.evaluation


def test_the_publish_call_asks_for_the_policys_verdict_only_when_it_holds() -> None:
    lean = _assess(_note(10), _note(5), every_mode=UNLESS_COMPATIBLE)
    assert not lean.breaking
    assert set(lean.verdict["verdicts"]) == {"forward", "forward_transitive", "none"}
    assert lean.verdict["witnesses"] == []
    full = _assess(_note(10), _note(5))
    assert set(full.verdict["verdicts"]) == EVERY_MODE
    # breaking: every mode after all, as a proposal shows them
    breaking = _assess(_note(5), _note(10), every_mode=UNLESS_COMPATIBLE)
    assert breaking.breaking
    assert breaking.verdict == _assess(_note(5), _note(10)).verdict


def test_a_guarantee_that_breaks_asks_for_every_mode_at_once() -> None:
    g = parse_guarantees({"freshness": {"column": "note", "max_age_seconds": 3600}})
    loosened = parse_guarantees({"freshness": {"column": "note", "max_age_seconds": 7200}})
    base = Earlier("1.0.0", "jsonschema", _note(10), g.to_json())
    assessed = assess_candidate(
        Compatibility.forward, "lenient", Candidate("jsonschema", _note(10), loosened), "",
        base, [], every_mode=UNLESS_COMPATIBLE,
    )  # fmt: skip
    assert assessed.evaluation is not None
    assert assessed.evaluation.breaking
    assert set(assessed.evaluation.verdict["verdicts"]) == EVERY_MODE
