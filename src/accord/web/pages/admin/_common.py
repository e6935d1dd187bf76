"""Shared by the admin pages: the admin check, form fields, flash sentences."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from accord.events.catalog import EVENT_TYPES
from accord.exceptions import PermissionDeniedError
from accord.kit.pagination import uuid_after
from accord.models import Team
from accord.team import service as team_service
from accord.web.deps import SignedInView

PAGE_SIZE = 50
# Lookups that name things on a page (team names, webhook URLs): one bounded read each.
LOOKUP_LIMIT = 500
# Overview counts stop here ("100+"): counting is a bounded list, not a table scan.
COUNT_CAP = 100

DONE = {
    "team_created": "The team was created.",
    "key_revoked": "The key was revoked: it no longer works, nor does any key it issued.",
    "ping_sent": "A test ping was queued. It appears below; the worker sends it shortly.",
    "replayed": "The dead letter was queued again; the worker will send it shortly.",
    "bulk_replayed": "The matching dead letters were queued again.",
    "workspace_saved": "The workspace's defaults were saved.",
}
EVENT_GROUPS = sorted({t.split(".", 1)[0] + ".*" for t in EVENT_TYPES})
LABELS = {
    "name": "Name",
    "description": "Description",
    "team_id": "Team",
    "scopes": "Scopes",
    "expires_at": "Expiry",
    "url": "URL",
    "event_types": "Events",
    "scope": "Which events",
    "payload_format": "Payload format",
    "reason": "Reason",
    "subscription_id": "Webhook",
    "event_type": "Event type",
    "since": "Dead since",
    "limit": "At most",
    "default_compatibility": "Default compatibility",
    "default_content_model": "Default content model",
}
PATTERN_HELP = {
    "name": "use letters, digits, spaces, dots, dashes or underscores, "
    "starting with a letter or a digit",
}


# -- helpers -----------------------------------------------------------------------------


def require_admin(who: SignedInView) -> None:
    if not who.is_admin:
        raise PermissionDeniedError(
            "The admin pages are for workspace admin keys. Your key can use the inbox, "
            "the assets and the audit log; ask a workspace admin for anything here."
        )


def flash_for(done: str | None) -> str | None:
    return DONE.get(done or "")


def field_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def field_values(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def invalid_input(exc: ValidationError) -> str:
    """Pydantic's errors as one sentence a person can act on."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        label = LABELS.get(field, field)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch" and field in PATTERN_HELP:
            message = PATTERN_HELP[field]
        parts.append(f"{label}: {message}" if label else message)
    return "Please check the form. " + "; ".join(parts) + "."


def parse_instant(value: str) -> datetime | str | None:
    """A form's ``datetime-local`` (no zone: read as UTC); the raw text when unreadable,
    so the model's validation names the field."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_cursor(cursor: str | None) -> uuid.UUID | None:
    return uuid_after(cursor or None)


async def list_teams_of(session: AsyncSession, who: SignedInView) -> Sequence[Team]:
    return await team_service.list_teams(session, who.principal, after_id=None, limit=LOOKUP_LIMIT)


def capped_count(rows: Sequence[Any]) -> str:
    return f"{COUNT_CAP}+" if len(rows) > COUNT_CAP else str(len(rows))


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- overview ----------------------------------------------------------------------------
