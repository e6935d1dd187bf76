"""A proposal's page: changes, witnesses, answers, and the forms that act on it — each
refused by the server for anyone the API would refuse."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Actors, new_team
from tests.lifecycle_helpers import ack
from tests.web.helpers import csrf_of, sign_in
from tests.web.test_inbox import open_proposal, raw


async def api(client: httpx.AsyncClient, actors: Actors, pid: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/proposals/{pid}", headers=actors.admin)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def page_token(client: httpx.AsyncClient, pid: str) -> str:
    page = await client.get(f"/ui/proposals/{pid}")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def post(client: httpx.AsyncClient, pid: str, action: str, **fields: str) -> httpx.Response:
    token = await page_token(client, pid)
    return await client.post(f"/ui/proposals/{pid}/{action}", data={"csrf_token": token, **fields})


async def test_the_page_shows_changes_witnesses_and_answers(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    asset, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await client.get(f"/ui/proposals/{pid}")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Breaking change to warehouse.sales.orders" in html
    assert f'href="/ui/assets/{asset}"' in html
    assert "/properties/email" in html
    assert "required removed" in html
    assert "property &#39;email&#39; became optional" in html
    assert "<pre" in html
    assert "&#34;id&#34;: 0" in html
    assert "Waiting on: analytics" in html
    assert "No answer yet" in html
    assert "No downstream asset is affected." in html
    for button in (">Approve</button>", ">Block</button>", ">Migrating</button>"):
        assert button in html
    assert 'for="comment-1">Comment</label>' in html
    assert ">Publish</button>" not in html
    assert ">Force publish</button>" not in html
    assert ">Withdraw</button>" not in html


async def test_the_consumer_blocks_with_a_reason(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(
        client, pid, "acknowledge", decision="block", comment="our churn model reads email"
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/ui/proposals/{pid}?done=block"
    shown = await client.get(r.headers["location"])
    assert "Blocked." in shown.text
    assert "our churn model reads email" in shown.text
    body = await api(client, actors, pid)
    assert body["status"] == "blocked"
    assert body["awaiting"][0]["decision"] == "block"
    assert body["awaiting"][0]["comment"] == "our churn model reads email"


async def test_a_block_without_a_reason_is_refused(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(client, pid, "acknowledge", decision="block", comment="   ")
    assert r.status_code == 422
    assert 'role="alert">A block needs a reason' in r.text
    body = await api(client, actors, pid)
    assert body["status"] == "open"
    assert body["awaiting"][0]["decision"] is None


async def test_a_made_up_decision_is_refused(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(client, pid, "acknowledge", decision="force", comment="x")
    assert r.status_code == 422
    assert (await api(client, actors, pid))["awaiting"][0]["decision"] is None


async def test_the_producer_sees_the_block_and_cannot_publish(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    assert (await ack(client, actors, pid, "block")).status_code == 200
    await sign_in(client, raw(actors.producer_write))
    html = (await client.get(f"/ui/proposals/{pid}")).text
    assert "Blocked" in html
    assert ">block<" in html
    assert ">Publish</button>" not in html
    assert ">Withdraw</button>" in html
    assert ">Approve</button>" not in html  # the producer is not awaited
    r = await post(client, pid, "publish")
    assert r.status_code == 409
    assert "every awaited consumer must approve first" in r.text
    body = await api(client, actors, pid)
    assert body["status"] == "blocked"
    assert body["published_version"] is None


async def test_approve_then_the_owner_publishes(client: httpx.AsyncClient, actors: Actors) -> None:
    asset, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(client, pid, "acknowledge", decision="approve", comment="fine by us")
    assert r.status_code == 303
    assert "Approved." in (await client.get(r.headers["location"])).text
    client.cookies.clear()
    await sign_in(client, raw(actors.producer_write))
    html = (await client.get(f"/ui/proposals/{pid}")).text
    assert ">Publish</button>" in html
    r = await post(client, pid, "publish")
    assert r.status_code == 303
    shown = await client.get(r.headers["location"])
    assert "Published version 2.0.0." in shown.text
    assert ">Publish</button>" not in shown.text
    body = await api(client, actors, pid)
    assert body["status"] == "published"
    assert body["published_version"] == "2.0.0"
    versions = await client.get(f"/api/v1/assets/{asset}/versions", headers=actors.admin)
    assert "2.0.0" in versions.text


async def test_migrating_is_recorded_and_is_not_an_approval(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(client, pid, "acknowledge", decision="migrating", comment="")
    assert r.status_code == 303
    body = await api(client, actors, pid)
    assert body["status"] == "open"
    assert body["awaiting"][0]["decision"] == "migrating"


async def test_the_owner_withdraws_with_a_reason(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.producer_write))
    r = await post(client, pid, "withdraw", reason="we keep email after all")
    assert r.status_code == 303
    assert "Withdrawn." in (await client.get(r.headers["location"])).text
    body = await api(client, actors, pid)
    assert body["status"] == "withdrawn"
    assert body["close_reason"] == "we keep email after all"


async def test_a_read_only_key_sees_the_page_but_cannot_act(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    assert (await ack(client, actors, pid, "approve")).status_code == 200
    await sign_in(client, raw(actors.producer_read))
    html = (await client.get(f"/ui/proposals/{pid}")).text
    assert '<form method="post" action="/ui/proposals/' not in html
    for action in ("publish", "withdraw"):
        r = await post(client, pid, action)
        assert r.status_code == 403, action
        assert "needs the write scope" in r.text
    r = await post(client, pid, "force", reason="a reason long enough")
    assert r.status_code == 403
    assert (await api(client, actors, pid))["status"] == "approved"


async def test_a_consumer_cannot_answer_for_another_team(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    other = await new_team(client, actors.admin, "finance")
    await sign_in(client, raw(actors.consumer_write))
    for team in (actors.producer_team, other):
        r = await post(client, pid, "acknowledge", decision="approve", comment="", team_id=team)
        assert r.status_code == 403, r.text
    body = await api(client, actors, pid)
    assert body["status"] == "open"
    assert body["awaiting"][0]["decision"] is None


async def test_the_consumer_cannot_publish_withdraw_or_force(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    assert (await ack(client, actors, pid, "approve")).status_code == 200
    await sign_in(client, raw(actors.consumer_write))
    for action in ("publish", "withdraw", "force"):
        r = await post(client, pid, action, reason="a reason long enough")
        assert r.status_code == 403, action
    assert (await api(client, actors, pid))["status"] == "approved"


async def test_another_workspace_gets_404(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.other_admin))
    r = await client.get(f"/ui/proposals/{pid}")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    token = csrf_of((await client.get("/ui/inbox")).text)
    r = await client.post(
        f"/ui/proposals/{pid}/force", data={"csrf_token": token, "reason": "a long enough reason"}
    )
    assert r.status_code == 404
    assert (await api(client, actors, pid))["status"] == "open"


@pytest.mark.parametrize(
    ("key", "action", "fields"),
    [
        ("consumer_write", "acknowledge", {"decision": "approve", "comment": "ok"}),
        ("producer_write", "publish", {}),
        ("producer_write", "withdraw", {"reason": "no"}),
        ("admin", "force", {"reason": "a reason long enough"}),
    ],
)
async def test_every_post_needs_its_csrf_token(
    client: httpx.AsyncClient, actors: Actors, key: str, action: str, fields: dict[str, str]
) -> None:
    _, pid = await open_proposal(client, actors)
    if action == "publish":
        assert (await ack(client, actors, pid, "approve")).status_code == 200
    before = await api(client, actors, pid)
    headers: dict[str, str] = getattr(actors, key)
    await sign_in(client, raw(headers))
    r = await client.post(f"/ui/proposals/{pid}/{action}", data=fields)
    assert r.status_code == 403
    assert "security token" in r.text
    r = await client.post(f"/ui/proposals/{pid}/{action}", data={**fields, "csrf_token": "forged"})
    assert r.status_code == 403
    assert await api(client, actors, pid) == before


async def test_the_admin_force_publishes_with_a_reason(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.admin))
    html = (await client.get(f"/ui/proposals/{pid}")).text
    assert ">Force publish</button>" in html
    assert 'for="force-reason">Reason</label>' in html
    assert ">Approve</button>" not in html  # an admin answers only for a deleted team
    r = await post(client, pid, "force", reason="")
    assert r.status_code == 422
    assert "needs a reason of at least 10 characters" in r.text
    r = await post(client, pid, "force", reason="short")
    assert r.status_code == 422
    assert "short</textarea>" in r.text
    assert (await api(client, actors, pid))["status"] == "open"
    r = await post(client, pid, "force", reason="the outage fix cannot wait for analytics")
    assert r.status_code == 303
    assert "Force-published version 2.0.0." in (await client.get(r.headers["location"])).text
    body = await api(client, actors, pid)
    assert body["status"] == "force_published"
    assert body["published_version"] == "2.0.0"


async def test_the_admin_answers_for_a_deleted_team(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    _, pid = await open_proposal(client, actors)
    other = await new_team(client, actors.admin, "finance")
    await sign_in(client, raw(actors.admin))
    r = await post(client, pid, "acknowledge", decision="approve", comment="", team_id=other)
    assert r.status_code == 403
    r = await post(
        client, pid, "acknowledge", decision="approve", comment="", team_id=actors.consumer_team
    )
    assert r.status_code == 403, "never for a live team"
    assert (await api(client, actors, pid))["status"] == "open"


async def test_a_closed_proposal_has_no_forms(client: httpx.AsyncClient, actors: Actors) -> None:
    _, pid = await open_proposal(client, actors)
    r = await client.post(f"/api/v1/proposals/{pid}/withdraw", headers=actors.producer_write)
    assert r.status_code == 200, r.text
    await sign_in(client, raw(actors.consumer_write))
    html = (await client.get(f"/ui/proposals/{pid}")).text
    assert "Withdrawn" in html
    assert '<form method="post" action="/ui/proposals/' not in html
    r = await post(client, pid, "acknowledge", decision="approve", comment="")
    assert r.status_code == 409
    assert (await api(client, actors, pid))["status"] == "withdrawn"


async def test_a_bad_id_is_not_found(client: httpx.AsyncClient, actors: Actors) -> None:
    await sign_in(client, raw(actors.consumer_write))
    r = await client.get("/ui/proposals/01a24250-dcb0-758e-8de8-a46cfe3ae575")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]


async def test_a_comment_holding_a_nul_character_is_refused(
    client: httpx.AsyncClient, actors: Actors
) -> None:
    """PostgreSQL cannot store U+0000: a form field holding one (``%00``) answered 500."""
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(client, pid, "acknowledge", decision="block", comment="a\x00b")
    assert r.status_code == 422, r.text
    assert "text/html" in r.headers["content-type"]  # a page, as every /ui error is
    assert "NUL character" in r.text
    assert "Back to the inbox" in r.text
    body = await api(client, actors, pid)
    assert body["status"] == "open"
    assert body["awaiting"][0]["decision"] is None


async def test_a_form_too_large_is_a_page(client: httpx.AsyncClient, actors: Actors) -> None:
    """Refusals answered before any route (here the body limit, 413) are pages under /ui,
    as the routes' own errors are, not problem+json a browser shows as text."""
    _, pid = await open_proposal(client, actors)
    await sign_in(client, raw(actors.consumer_write))
    r = await post(client, pid, "acknowledge", decision="block", comment="x" * 2_000_000)
    assert r.status_code == 413, r.text[:300]
    assert "text/html" in r.headers["content-type"]
    assert "request body exceeds" in r.text
    api_answer = await client.post("/api/v1/teams", content=b"x" * 2_000_000, headers=actors.admin)
    assert api_answer.status_code == 413
    assert api_answer.headers["content-type"] == "application/problem+json"
