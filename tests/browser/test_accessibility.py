"""axe-core on every page of the UI, as each page's usual visitor sees it: no serious or
critical violation. Also writes docs/ui/<page>.png when ACCORD_UI_SCREENSHOTS=1."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser import axe, screenshots
from tests.browser.conftest import SignedIn
from tests.browser.scenario import Proposed, new_context
from tests.browser.screenshots import PAGES, Shown
from tests.cli.test_client_commands import Server


@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
async def test_the_page_has_no_serious_accessibility_violation(
    shown: Shown,
    browser: Browser,
    server: Server,
    signed_in: SignedIn,
    proposed: Proposed,
    axe_js: str,
) -> None:
    state = await signed_in.state(shown.role)
    ctx = await new_context(browser, server, bypass_csp=True, state=state)
    try:
        page = await ctx.new_page()
        url = shown.url(proposed)
        response = await page.goto(url)
        assert response is not None
        assert response.status == 200, f"{url} answered {response.status}"
        assert page.url.endswith(url), f"{url} led to {page.url}"
        await axe.assert_clean(page, f"{shown.name} ({url} as {shown.role})")
        if screenshots.wanted():
            await screenshots.shoot(page, shown.name)
    finally:
        await ctx.close()


async def test_the_sign_in_page_with_its_error_has_no_serious_violation(
    browser: Browser, server: Server, axe_js: str
) -> None:
    ctx = await new_context(browser, server, bypass_csp=True)
    try:
        page = await ctx.new_page()
        await page.goto("/ui/login")
        await page.get_by_label("API key").fill("acc_not_a_key")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_text("That API key was not accepted").wait_for()
        await axe.assert_clean(page, "the sign-in page after a wrong key")
    finally:
        await ctx.close()
