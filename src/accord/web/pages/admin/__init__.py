"""Workspace administration (admin keys only): teams, API keys, webhooks and their
deliveries, dead letters, the workspace's default policy.

Every page first checks the viewer holds the admin scope (a 403 page otherwise); the
services check their own rules again with the same principal, exactly as the API does.
A new key, and a new webhook's signing secret, are shown once, in the response to the
form that created them: never in a redirect, a URL or a cookie.
"""

from __future__ import annotations

from fastapi import APIRouter

from accord.web.pages.admin import dead_letters, keys, overview, teams, webhooks, workspace

router = APIRouter(include_in_schema=False)
for _module in (overview, teams, keys, webhooks, dead_letters, workspace):
    router.include_router(_module.router)
