"""The proposal page by keyboard alone: Tab reaches the Comment box and each decision
button, and whatever has the keyboard focus shows a visible outline."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser

from tests.browser.conftest import SignedIn
from tests.browser.scenario import Proposed, new_context
from tests.cli.test_client_commands import Server

WANTED = {"Comment", "Approve", "Block", "Migrating"}

# The focused element: what a person calls it, and how its focus is drawn.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return {
    tag: el.tagName.toLowerCase(),
    name: (label || el.getAttribute("aria-label") || el.textContent || "").trim(),
    focusVisible: el.matches(":focus-visible"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
  };
}"""


async def test_tab_reaches_the_comment_and_the_buttons_with_a_visible_focus(
    browser: Browser, server: Server, signed_in: SignedIn, proposed: Proposed
) -> None:
    ctx = await new_context(browser, server, state=await signed_in.state("consumer"))
    try:
        page = await ctx.new_page()
        await page.goto(f"/ui/proposals/{proposed.proposal_id}")
        reached: dict[str, dict[str, Any]] = {}
        for _ in range(80):
            await page.keyboard.press("Tab")
            focused = await page.evaluate(_FOCUSED)
            if focused is None:
                continue
            assert focused["focusVisible"], f"no :focus-visible on {focused}"
            assert focused["outlineStyle"] != "none", f"no outline on {focused}"
            assert focused["outlineWidth"] >= 2, f"a thin outline on {focused}"
            name = focused["name"]
            if name.startswith("Comment") and focused["tag"] == "textarea":
                reached.setdefault("Comment", focused)
            elif focused["tag"] == "button" and name in WANTED:
                reached.setdefault(name, focused)
            if set(reached) == WANTED:
                break
        assert set(reached) == WANTED, f"Tab never reached {WANTED - set(reached)}"
    finally:
        await ctx.close()
