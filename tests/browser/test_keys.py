"""Signing in with a wrong key, and an admin creating a key that is shown exactly once."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import Browsing
from tests.browser.scenario import api, sign_in
from tests.cli.test_client_commands import Server


async def test_a_wrong_key_shows_an_error_and_signs_nobody_in(browsing: Browsing) -> None:
    page = await browsing.page()
    await page.goto("/ui/login")
    await page.get_by_label("API key").fill("acc_this_is_not_a_key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("That API key was not accepted")
    await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    await page.goto("/ui/inbox")
    await expect(page).to_have_url(re.compile(r"/ui/login"))
    assert browsing.csp_errors == []


async def test_an_admin_creates_a_key_and_sees_it_once(browsing: Browsing, server: Server) -> None:
    page = await browsing.page()
    await sign_in(page, server.admin_key)
    await page.goto("/ui/admin/keys")
    await page.get_by_label("Name", exact=True).fill("browser-made")
    await page.get_by_label("Team").select_option(label="analytics")
    await page.get_by_role("checkbox", name=re.compile(r"^read", re.IGNORECASE)).check()
    await page.get_by_role("button", name=re.compile(r"^create", re.IGNORECASE)).click()
    secret = page.locator(".secret")
    await expect(secret).to_be_visible()
    text = (await secret.inner_text()).strip()
    key = next(word for word in text.split() if len(word) > 20)
    with api(server, key) as client:  # the key shown works
        mine = client.get("/api/v1/assets")
        assert mine.status_code == 200, mine.text
    with api(server, server.admin_key) as admin:
        names = [k["name"] for k in admin.get("/api/v1/api-keys").json()["items"]]
        assert "browser-made" in names
    await page.goto("/ui/admin/keys")
    await expect(page.locator(".secret")).to_have_count(0)
    assert key not in await page.content()
    await expect(page.get_by_text("browser-made").first).to_be_visible()
    assert browsing.csp_errors == []
