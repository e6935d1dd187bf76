"""axe-core in a page: find the script, inject it, list the serious and critical violations.

The script is ``axe.min.js`` of the exact axe-core version `tools/browser_deps.py` pins:
from ``ACCORD_AXE_JS`` when set, else from that tool's cache (fetched with npm when
missing). The UI's CSP forbids inline scripts, so the page must come from a browser
context opened with ``bypass_csp=True`` (`scenario.new_context`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
FETCH = ROOT / "tools" / "browser_deps.py"
BLOCKING = ("serious", "critical")


class AxeUnavailableError(RuntimeError):
    """No axe.min.js: not configured, not cached, and the fetch failed."""


@cache
def script() -> str:
    """The text of axe.min.js, fetching it into the cache once if needed."""
    configured = os.environ.get("ACCORD_AXE_JS")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise AxeUnavailableError(f"ACCORD_AXE_JS={configured} is not a file")
        return path.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(FETCH)], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise AxeUnavailableError(
            f"could not get axe-core with tools/browser_deps.py: {done.stderr.strip()}"
        )
    return Path(done.stdout.strip()).read_text(encoding="utf-8")


async def run(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (axe's default rule set: WCAG 2.x
    A/AA and best practices)."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=script())
    result: dict[str, Any] = await page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]], where: str) -> str:
    """The violations as a person reads them: rule, impact, help, and each element."""
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v.get("nodes", [])[:8]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            summary = str(node.get("failureSummary", "")).replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


async def assert_clean(page: Page, where: str) -> None:
    """No serious or critical violation; minor and moderate ones do not fail."""
    found = blocking(await run(page))
    assert not found, describe(found, where)
