"""Jinja2 environment and the one way a page is rendered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from accord import __version__
from accord.kit.clock import utcnow
from accord.web.deps import SignedInView

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | None) -> str:
    """An absolute UTC time, minute precision (the title attribute carries seconds)."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def _ago(value: datetime | None) -> str:
    """Roughly how long ago: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    if value is None:
        return "—"
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''} ago"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _short(value: Any) -> str:
    return str(value)[:8]


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
environment.filters.update(when=_when, iso=_iso, ago=_ago, pretty=_pretty, short=_short)
environment.globals.update(version=__version__)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    viewer: SignedInView | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the page's context plus ``request`` and ``viewer`` (who is
    signed in, their team, the CSRF token their forms carry)."""
    data = {"request": request, "viewer": viewer, **(context or {})}
    html = environment.get_template(template).render(data)
    return HTMLResponse(html, status_code=status_code)
