"""The decision on a breaking change, end to end in a real browser under the real CSP:
a consumer blocks it, the producer sees why and cannot publish, the consumer approves,
the producer publishes. The API is the judge of what changed."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.scenario import api, proposal, propose, sign_in, versions
from tests.cli.test_client_commands import Server

REASON = "Our revenue report still reads email; we need two weeks to migrate."


async def _csrf(page: Page) -> str:
    token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token, "no csrf_token field on the page"
    return token


async def test_block_then_approve_then_publish_from_the_browser(
    browsing: Browsing, server: Server
) -> None:
    made = propose(server)
    pid = made.proposal_id
    consumer = await browsing.page()
    await sign_in(consumer, server.consumer_key)

    # The consumer finds the proposal in the inbox and blocks it, with a reason.
    await consumer.goto("/ui/inbox")
    link = consumer.locator(f'a[href="/ui/proposals/{pid}"]').first
    await expect(link).to_be_visible()
    await link.click()
    await expect(consumer).to_have_url(re.compile(f"/ui/proposals/{pid}"))
    await consumer.get_by_role("button", name="Block", exact=True).click()
    await consumer.wait_for_load_state()
    assert proposal(server, pid)["status"] == "open", "a block without a reason was accepted"
    await consumer.get_by_label("Comment").fill(REASON)
    await consumer.get_by_role("button", name="Block", exact=True).click()
    await expect(consumer.get_by_role("status")).to_be_visible()
    shown = proposal(server, pid)
    assert shown["status"] == "blocked"
    assert [a["comment"] for a in shown["awaiting"]] == [REASON]

    # The producer finds its proposal in its inbox, sees the block and why; cannot publish.
    producer = await browsing.page()
    await sign_in(producer, server.producer_key)
    await producer.goto("/ui/inbox")
    await producer.locator(f'a[href="/ui/proposals/{pid}"]').first.click()
    await expect(producer.get_by_text(REASON)).to_be_visible()
    await expect(producer.get_by_text("Blocked", exact=True).first).to_be_visible()
    await expect(producer.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    await expect(producer.get_by_role("button", name="Withdraw", exact=True)).to_be_visible()
    forged = await producer.request.post(
        f"/ui/proposals/{pid}/publish", form={"csrf_token": await _csrf(producer)}, max_redirects=0
    )
    assert forged.status == 409, f"a forged publish answered {forged.status}"
    assert proposal(server, pid)["status"] == "blocked"
    assert "2.0.0" not in versions(server, made.asset_id)

    # The consumer changes its answer; the producer publishes from the page.
    await consumer.goto(f"/ui/proposals/{pid}")
    await consumer.get_by_role("button", name="Approve", exact=True).click()
    await expect(consumer.get_by_role("status")).to_be_visible()
    assert proposal(server, pid)["status"] == "approved"
    await producer.goto(f"/ui/proposals/{pid}")
    await producer.get_by_role("button", name="Publish", exact=True).click()
    await expect(producer.get_by_role("status")).to_be_visible()
    assert proposal(server, pid)["status"] == "published"
    assert versions(server, made.asset_id)[-1] == "2.0.0"
    assert browsing.csp_errors == []


async def test_the_asset_page_leads_to_its_open_proposal_and_shows_the_block(
    browsing: Browsing, server: Server
) -> None:
    made = propose(server)
    with api(server, server.consumer_key) as consumer_api:
        r = consumer_api.post(
            f"/api/v1/proposals/{made.proposal_id}/acknowledgments",
            json={"team_id": server.consumer_team, "decision": "block", "comment": REASON},
        )
        assert r.status_code == 200, r.text
    producer = await browsing.page()
    await sign_in(producer, server.producer_key)
    await producer.goto(f"/ui/assets/{made.asset_id}")
    to_proposal = producer.locator(f'a[href="/ui/proposals/{made.proposal_id}"]').first
    await expect(to_proposal).to_be_visible(timeout=2000)
    await expect(producer.get_by_text("Blocked", exact=True).first).to_be_visible()
    await to_proposal.click()
    await expect(producer.get_by_text(REASON)).to_be_visible()


async def test_editing_the_team_in_the_form_does_not_answer_for_another_team(
    browsing: Browsing, server: Server
) -> None:
    made = propose(server)
    consumer = await browsing.page()
    await sign_in(consumer, server.consumer_key)
    await consumer.goto(f"/ui/proposals/{made.proposal_id}")
    fields = consumer.locator("input[name=team_id]")
    assert await fields.count() > 0, "the answer form names no team"
    await fields.evaluate_all(
        "(els, team) => els.forEach(el => { el.value = team; })", server.producer_team
    )
    await consumer.get_by_label("Comment").fill("answering for the producer")
    await consumer.get_by_role("button", name="Approve", exact=True).click()
    await expect(consumer.get_by_role("alert")).to_be_visible()
    shown = proposal(server, made.proposal_id)
    assert shown["status"] == "open"
    assert [a["decision"] for a in shown["awaiting"]] == [None]
    assert browsing.csp_errors == []
