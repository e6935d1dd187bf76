"""The diff page: any two versions side by side, each change per mode, its witness."""

from __future__ import annotations

import httpx

from tests.conftest import Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, with_props, without
from tests.web.helpers import sign_in


def _key(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _three_versions(client: httpx.AsyncClient, actors: Actors) -> str:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    wider = with_props(ORDERS_V1, note={"type": "string"})
    assert (await publish(client, actors.producer_write, asset, wider)).status_code == 201
    # no registered consumer: the breaking removal is approved and published at once
    r = await publish(client, actors.producer_write, asset, without(wider, "email"))
    assert r.status_code == 201, r.text
    assert r.json()["auto_approved"]
    assert r.json()["version"]["version"] == "2.0.0"
    return asset


async def test_the_default_compares_the_latest_with_the_one_before_and_shows_the_witness(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _three_versions(client, actors)
    await sign_in(client, _key(actors.consumer_write))
    r = await client.get(f"/ui/assets/{asset}/diff")
    assert r.status_code == 200, r.text
    page = r.text
    assert 'value="2.0.0" selected' in page
    assert 'value="1.1.0" selected' in page
    assert '<label for="from">' in page
    assert '<label for="to">' in page
    assert '<span class="badge bad">breaking</span>' in page  # under forward, the default
    assert "property &#39;email&#39; removed" in page or "property 'email' removed" in page
    assert "became optional" in page
    assert "relaxes: accepts more documents" in page
    assert "breaks the policy" in page
    # the witness: a document the new version accepts and the old one refuses
    assert "Valid under the new version 2.0.0, refused by the old version 1.1.0" in page
    assert "&#34;id&#34;: 0" in page or '"id": 0' in page
    assert "diff-old" in page
    assert "diff-new" in page
    # the same as the API says
    api = await client.get(
        f"/api/v1/assets/{asset}/diff",
        params={"from": "1.1.0", "to": "2.0.0"},
        headers=actors.consumer_write,
    )
    assert api.json()["compatible"] is False
    timeline = (await client.get(f"/ui/assets/{asset}")).text
    assert '<span class="badge warn">breaking</span> published through' in timeline


async def test_any_two_versions_and_a_compatible_pair(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await _three_versions(client, actors)
    await sign_in(client, _key(actors.producer_read))
    page = (await client.get(f"/ui/assets/{asset}/diff?from=1.0.0&to=1.1.0")).text
    assert '<span class="badge ok">compatible</span>' in page
    assert "Witnesses" not in page
    page = (await client.get(f"/ui/assets/{asset}/diff?from=1.0.0&to=2.0.0")).text
    assert "breaking" in page
    same = (await client.get(f"/ui/assets/{asset}/diff?from=2.0.0&to=2.0.0")).text
    assert "choose two different versions" in same
    missing = await client.get(f"/ui/assets/{asset}/diff?from=9.9.9&to=2.0.0")
    assert missing.status_code == 404
    assert "version 9.9.9 not found" in missing.text


async def test_an_asset_with_one_version_has_nothing_to_compare(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    await sign_in(client, _key(actors.consumer_write))
    page = (await client.get(f"/ui/assets/{asset}/diff")).text
    assert "fewer than two versions" in page
