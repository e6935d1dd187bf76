"""Every state-changing form on every page refuses a request without its CSRF token:
each POST form (and hx-post) found on the pages is sent as it stands, with the browser's
own session cookie but without the token, and must answer 403 with nothing changed."""

from __future__ import annotations

from typing import Any

from playwright.async_api import APIResponse, Browser, Page

from tests.browser.conftest import SignedIn
from tests.browser.scenario import Proposed, api, new_context, proposal
from tests.browser.screenshots import PAGES
from tests.cli.test_client_commands import Server

# Each POST form as sent without its token: one request per submit button that carries a
# name (e.g. the decision), the form's other fields as they stand.
_FORMS = """() => {
  const out = [];
  for (const form of document.querySelectorAll("form")) {
    if (form.method.toLowerCase() !== "post") continue;
    const fields = {};
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrf_token" && typeof value === "string") fields[name] = value;
    }
    out.push({action: form.action, fields});
    for (const button of form.querySelectorAll("button[name], input[type=submit][name]")) {
      out.push({action: form.action, fields: {...fields, [button.name]: button.value}});
    }
  }
  for (const el of document.querySelectorAll("[hx-post]")) {
    out.push({action: new URL(el.getAttribute("hx-post"), location.href).href, fields: {}});
  }
  return out;
}"""


async def _post_forms(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate(_FORMS)
    return found


def _snapshot(server: Server, made: Proposed) -> dict[str, Any]:
    """What a forged request could change, as the API shows it."""
    with api(server, server.admin_key) as admin:
        keys = admin.get("/api/v1/api-keys", params={"limit": 100}).json()["items"]
        hooks = admin.get("/api/v1/webhooks", params={"limit": 100}).json()
        assets = admin.get("/api/v1/assets", params={"limit": 100}).json()["items"]
        teams = admin.get("/api/v1/teams", params={"limit": 100}).json()
        workspace = admin.get("/api/v1/workspace").json()
        dead = admin.get("/api/v1/dead-letters", params={"limit": 100}).json()
    return {
        "teams": teams,
        "workspace": workspace,
        "dead letters": dead,
        "proposal": proposal(server, made.proposal_id)["status"],
        "keys": sorted((k["id"], k.get("revoked_at")) for k in keys),
        "webhooks": hooks,
        "assets": sorted((a["id"], a.get("deleted_at"), a.get("owner_team_id")) for a in assets),
    }


async def _refused(response: APIResponse, where: str) -> str | None:
    if response.status == 403:
        return None
    return f"{where}: answered {response.status}, not 403"


async def test_no_form_changes_anything_without_its_csrf_token(
    browser: Browser, server: Server, signed_in: SignedIn, proposed: Proposed
) -> None:
    before = _snapshot(server, proposed)
    tried: set[str] = set()
    wrong: list[str] = []
    for shown in PAGES:
        ctx = await new_context(browser, server, state=await signed_in.state(shown.role))
        try:
            page = await ctx.new_page()
            await page.goto(shown.url(proposed))
            for form in await _post_forms(page):
                key = f"{shown.role} {form['action']} {sorted(form['fields'].items())}"
                if key in tried:
                    continue
                tried.add(key)
                bare = await page.request.post(form["action"], form=form["fields"], max_redirects=0)
                wrong.append(await _refused(bare, f"{key} without a token") or "")
                forged = await page.request.post(
                    form["action"],
                    form=form["fields"],
                    headers={"X-CSRF-Token": "forged"},
                    max_redirects=0,
                )
                wrong.append(await _refused(forged, f"{key} with a forged header") or "")
        finally:
            await ctx.close()
    assert [w for w in wrong if w] == []
    actions = {t.split(" ")[1] for t in tried}
    assert any(a.endswith("/ui/logout") for a in actions), actions
    assert any(a.endswith("/ui/login") for a in actions), actions
    assert any(f"/ui/proposals/{proposed.proposal_id}" in a for a in actions), actions
    assert any("/ui/admin/" in a for a in actions), actions
    assert _snapshot(server, proposed) == before
