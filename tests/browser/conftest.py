"""Real-browser tests of the web UI: Debian's chromium driven by Playwright against a real
`accord serve` (SQLite, free port), one server and one browser for the whole folder.

Playwright's async API on the suite's session event loop: its sync API keeps an event
loop running in the main thread, which would stop every async test after it.
Without chromium (or without axe-core for the accessibility tests) the tests skip with the
reason; under CI=true they fail instead, so CI never passes by skipping them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, NoReturn

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from tests.browser import axe
from tests.browser.scenario import (
    CHROMIUM,
    Proposed,
    in_ci,
    launch,
    new_context,
    scene,
    signed_in_state,
    ui_server,
)
from tests.cli.test_client_commands import Server


def unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (the browser tests must run under CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def _clean() -> None:
    """These tests use no in-process database: nothing to empty after them."""


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as p:
        found = await launch(p)
        yield found
        await found.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Server]:
    # Depends on `browser` so that, without chromium, no server is started for nothing.
    with ui_server(tmp_path_factory.mktemp("browser")) as found:
        yield found


@pytest.fixture(scope="session")
def axe_js() -> str:
    try:
        return axe.script()
    except axe.AxeUnavailableError as exc:
        unavailable(str(exc))


class SignedIn:
    """Each role's signed-in browser state (cookies), made once through the real form."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self._states: dict[str, Any] = {}

    async def state(self, role: str) -> Any:
        if role == "anonymous":
            return None
        if role not in self._states:
            self._states[role] = await signed_in_state(self.browser, self.server, role)
        return self._states[role]


@pytest.fixture(scope="session")
def signed_in(browser: Browser, server: Server) -> SignedIn:
    return SignedIn(browser, server)


@pytest.fixture(scope="session")
def proposed(server: Server) -> Proposed:
    """An open proposal and a webhook with a dead letter, that the page tests only look at
    (the flow tests make their own proposals)."""
    return scene(server)


class Browsing:
    """Opens fresh, signed-out browser profiles under the UI's real CSP (one per person:
    cookies are per profile), noting every console error about the CSP."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.csp_errors: list[str] = []
        self.opened: list[BrowserContext] = []

    def _watch(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    async def page(self) -> Page:
        ctx = await new_context(self.browser, self.server)
        ctx.on("console", self._watch)
        self.opened.append(ctx)
        return await ctx.new_page()

    async def close(self) -> None:
        for ctx in self.opened:
            await ctx.close()


@pytest.fixture
async def browsing(browser: Browser, server: Server) -> AsyncIterator[Browsing]:
    found = Browsing(browser, server)
    yield found
    await found.close()
