from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register


def run(*statuses: str, severity: str = "error", **extra: Any) -> dict[str, Any]:
    return {
        "source": "s3://lake/orders/2026-11-23.parquet",
        "version": "1.0.0",
        "row_count": 1000,
        "checks": [
            {"id": f"check_{i}", "kind": "not_null", "severity": severity, "status": s,
             "failed_rows": 0 if s == "pass" else 3}
            for i, s in enumerate(statuses)
        ],
        **extra,
    }  # fmt: skip


async def _asset(client: httpx.AsyncClient, actors: Actors) -> str:
    asset = await make_asset(client, actors)
    await publish(client, actors.producer_write, asset, ORDERS_V1)
    await register(client, actors, asset)
    return asset


async def test_report_history_and_trend(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await _asset(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    ok = await client.post(url, json=run("pass", "pass"), headers=actors.producer_write)
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "passed"
    bad = await client.post(url, json=run("pass", "fail"), headers=actors.producer_write)
    assert bad.json()["status"] == "failed"
    warn = await client.post(
        url, json=run("fail", severity="warn", ok=True), headers=actors.producer_write
    )
    assert warn.json()["status"] == "passed", "warn-level failures do not fail a run"
    listed = await client.get(url, params={"status": "failed"}, headers=actors.consumer_write)
    assert [r["id"] for r in listed.json()["items"]] == [bad.json()["id"]]
    everything = await client.get(url, headers=actors.consumer_write)
    assert len(everything.json()["items"]) == 3
    trend = (await client.get(f"{url}/trend", headers=actors.consumer_write)).json()
    assert trend["runs"] == 3
    by_id = {c["id"]: c for c in trend["checks"]}
    assert by_id["check_0"]["pass_rate"] == round(2 / 3, 4)
    assert by_id["check_1"]["pass_rate"] == 0.5
    one = await client.get(f"{url}/{bad.json()['id']}", headers=actors.consumer_write)
    assert one.json()["checks"][1]["status"] == "fail"


async def test_failed_run_emits_event_once(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine
) -> None:
    asset = await _asset(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    await client.post(url, json=run("pass"), headers=actors.producer_write)
    await client.post(url, json=run("error"), headers=actors.producer_write)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT team_ids FROM events WHERE type = 'validation.failed'"))
        ).all()
    assert len(rows) == 1
    teams = rows[0][0] if isinstance(rows[0][0], list) else __import__("json").loads(rows[0][0])
    assert set(teams) == {actors.producer_team, actors.consumer_team}


async def test_bad_reports(client: httpx.AsyncClient, actors: Actors) -> None:
    asset = await _asset(client, actors)
    url = f"/api/v1/assets/{asset}/validation-runs"
    for body in (
        run("pass", version="9.9.9"),
        run("fail", ok=True),
        {"source": "x", "checks": []},
        {"source": "x", "checks": [{"id": "a", "kind": "k", "status": "maybe"}]},
        {"source": "x", "checks": [{"id": "a", "kind": "k", "status": "pass"}] * 2},
    ):
        r = await client.post(url, json=body, headers=actors.producer_write)
        assert r.status_code in (404, 422), (body, r.text)
    naive = await client.get(url, params={"since": "2026-01-01T00:00:00"}, headers=actors.admin)
    assert naive.status_code == 422
