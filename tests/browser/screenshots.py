"""The UI's pages, each with who looks at it; screenshots of them into docs/ui/.

    python -m tests.browser.screenshots     starts its own server, writes docs/ui/<page>.png

The accessibility tests visit the same `PAGES`; they also write the screenshots when
ACCORD_UI_SCREENSHOTS=1, so a normal test or CI run never changes the tree.
Viewport only (1280x800), PNG.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page, async_playwright

from tests.browser.scenario import (
    Proposed,
    launch,
    new_context,
    scene,
    signed_in_state,
    ui_server,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "ui"


@dataclass(frozen=True)
class Shown:
    """A page: its screenshot name, who looks at it, and its path (``{asset}``,
    ``{proposal}``, ``{webhook}`` stand for the ids of a `Proposed`)."""

    name: str
    role: str
    path: str

    def url(self, made: Proposed) -> str:
        return self.path.format(
            asset=made.asset_id, proposal=made.proposal_id, webhook=made.webhook_id
        )


PAGES: tuple[Shown, ...] = (
    Shown("sign-in", "anonymous", "/ui/login"),
    Shown("inbox", "consumer", "/ui/inbox"),
    Shown("proposal", "consumer", "/ui/proposals/{proposal}"),
    Shown("proposal-owner", "producer", "/ui/proposals/{proposal}"),
    Shown("proposal-admin", "admin", "/ui/proposals/{proposal}"),
    Shown("assets", "producer", "/ui/assets"),
    Shown("asset", "producer", "/ui/assets/{asset}"),
    Shown("diff", "producer", "/ui/assets/{asset}/diff?from=1.0.0&to=1.1.0"),
    Shown("audit", "admin", "/ui/audit"),
    Shown("audit-chain", "admin", "/ui/audit/chain"),
    Shown("admin", "admin", "/ui/admin"),
    Shown("admin-teams", "admin", "/ui/admin/teams"),
    Shown("admin-keys", "admin", "/ui/admin/keys"),
    Shown("admin-webhooks", "admin", "/ui/admin/webhooks"),
    Shown("admin-webhook", "admin", "/ui/admin/webhooks/{webhook}"),
    Shown("admin-dead-letters", "admin", "/ui/admin/dead-letters"),
    Shown("admin-workspace", "admin", "/ui/admin/workspace"),
)


def wanted() -> bool:
    return os.environ.get("ACCORD_UI_SCREENSHOTS") == "1"


async def shoot(page: Page, name: str, out: Path = OUT) -> Path:
    """The viewport as docs/ui/<name>.png (no caret, no animation: stable images)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    await page.screenshot(path=path, full_page=False, animations="disabled", caret="hide")
    return path


@contextmanager
def private_home(tmp: Path) -> Iterator[None]:
    """The server and `accord admin bootstrap` keep nothing in the user's real folders."""
    wanted = {f"XDG_{kind}_HOME": str(tmp / kind.lower()) for kind in ("DATA", "CONFIG", "STATE")}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def shoot_all() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="accord-shots-") as tmp,
        private_home(Path(tmp)),
        ui_server(Path(tmp)) as server,
    ):
        made = scene(server, "warehouse.sales.orders")
        async with async_playwright() as p:
            browser = await launch(p)
            states = {
                role: await signed_in_state(browser, server, role)
                for role in ("admin", "producer", "consumer")
            }
            for shown in PAGES:
                ctx = await new_context(browser, server, state=states.get(shown.role))
                page = await ctx.new_page()
                response = await page.goto(shown.url(made))
                status = response.status if response is not None else 0
                path = await shoot(page, shown.name)
                sys.stdout.write(f"{path.relative_to(ROOT)}  ({status} {shown.url(made)})\n")
                await ctx.close()
            await browser.close()


def main() -> int:
    asyncio.run(shoot_all())
    return 0


if __name__ == "__main__":
    sys.exit(main())
