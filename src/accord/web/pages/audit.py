"""The audit log: filters, events newest first (paged by cursor), the chain's status.

Listing follows the API: every key of the workspace may read its events
(`GET /api/v1/audit-events` needs the read scope); verifying the chain is admin only
(`GET /api/v1/audit-events/verify`), so other people see a sentence instead. Verifying
reads the whole ledger, so it has its own page (/ui/audit/chain) that the log page
loads into its status box with htmx, or links to without JavaScript.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accord.api_key import service as api_key_service
from accord.audit import service as audit_service
from accord.audit.schemas import VerifyResult
from accord.deps import SessionDep
from accord.exceptions import AccordError, PermissionDeniedError, ValidationFailedError
from accord.kit.pagination import encode_cursor, int_after
from accord.models import AuditEvent
from accord.web.deps import ViewerDep
from accord.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# Names for the actors on the page: one bounded read of the keys the viewer may see.
KEY_NAMES_LIMIT = 500
_SUMMARY_FIELDS = 3
_VALUE_WIDTH = 40
_NOISE = frozenset({"id", "workspace_id", "created_at", "updated_at"})
_FIRST = ("name", "fqn", "version", "status", "decision", "reason", "scopes")

BREAKS = {
    "sequence_gap": "an event is missing from the sequence",
    "broken_link": "an event does not link to the one before it",
    "hash_mismatch": "an event's content no longer matches its hash (it was modified)",
    "head_mismatch": "the chain's head does not match its last event",
}


@dataclass(frozen=True, slots=True)
class Filters:
    action: str
    entity_type: str
    entity_id: str
    actor_id: str
    since: str
    until: str

    def query(self, **more: str) -> str:
        """The filters (and ``more``) as a query string, for links that keep them."""
        pairs = {name: value for name, value in asdict(self).items() if value}
        return urlencode({**pairs, **more})

    @property
    def active(self) -> bool:
        return any(asdict(self).values())


def parse_instant(value: str, label: str) -> datetime | None:
    """A time from the form (``datetime-local`` sends no zone: it is read as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValidationFailedError(
            f"{label} is not a date and time such as 2025-05-01T12:00 (UTC)."
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _short_value(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if value is not None else "none"
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _telling(fields: dict[str, Any]) -> list[str]:
    """The fields worth a summary, the naming ones first (ids and timestamps say little)."""
    keys = [k for k in fields if k not in _NOISE]
    return sorted(keys, key=lambda k: (k not in _FIRST, _FIRST.index(k) if k in _FIRST else 0))


def summary(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """A one-line account of what an event changed; the full before/after is expandable."""
    if before is None and after is None:
        return "No details recorded."
    if before is None:
        fields = after or {}
        shown = [f"{k} {_short_value(fields[k])}" for k in _telling(fields)[:_SUMMARY_FIELDS]]
        return "Recorded: " + "; ".join(shown) if shown else "Recorded."
    if after is None:
        return "Removed."
    changed = [k for k in _telling({**before, **after}) if before.get(k) != after.get(k)]
    if not changed:
        return "No field changed."
    parts = [
        f"{k}: {_short_value(before.get(k))} → {_short_value(after.get(k))}"
        for k in changed[:_SUMMARY_FIELDS]
    ]
    more = len(changed) - _SUMMARY_FIELDS
    return "Changed " + "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def verification_text(result: VerifyResult) -> str:
    if result.ok:
        noun = "event" if result.checked == 1 else "events"
        return f"Chain verified: {result.checked} {noun}, intact."
    problem = result.problem
    if problem is None:  # ok is false only with a problem; defensive
        return "Chain verification failed."
    why = BREAKS.get(problem.reason, problem.reason)
    return (
        f"Chain broken at event #{problem.position}: {why}. {problem.detail} "
        f"({result.checked} events verified before it.)"
    )


async def _actor_names(session: SessionDep, who: ViewerDep) -> dict[str, str]:
    keys = await api_key_service.list_keys(
        session, who.principal, after_id=None, limit=KEY_NAMES_LIMIT, include_revoked=True
    )
    return {str(k.id): k.name for k in keys}


def _actor(event: AuditEvent, names: dict[str, str]) -> str:
    if event.actor_type == "system":
        return "Accord (system)"
    if event.actor_type == "user":
        detail = event.actor_detail or {}
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            return f"{name} <{email}>"
        return str(name or email or detail.get("subject") or "a person")
    if event.actor_id is None:
        return event.actor_type.replace("_", " ")
    name = names.get(event.actor_id)
    return f"key {name}" if name else f"key {event.actor_id[:8]}"


@router.get("/ui/audit/chain")
async def chain_page(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    """Verify the workspace's chain (admin, like `GET /api/v1/audit-events/verify`).

    Its own page because it reads the whole ledger: the log page stays fast and, with
    htmx, loads this into its "Chain status" box; without JavaScript it is a link."""
    if not who.is_admin:
        raise PermissionDeniedError(
            "Only admin keys can verify the audit chain. The audit log itself is open to you."
        )
    verified = await audit_service.verify(session, who.principal.workspace_id)
    context = {
        "nav": "audit",
        "chain_page": True,
        "verified": verified,
        "verified_text": verification_text(verified),
    }
    return render(request, "audit.html", context, viewer=who)


@router.get("/ui/audit")
async def audit_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    action: str = Query("", max_length=64),
    entity_type: str = Query("", max_length=64),
    entity_id: str = Query("", max_length=64),
    actor_id: str = Query("", max_length=64),
    since: str = Query("", max_length=40),
    until: str = Query("", max_length=40),
    cursor: str = Query("", max_length=64),
) -> Response:
    filters = Filters(
        action.strip(),
        entity_type.strip(),
        entity_id.strip(),
        actor_id.strip(),
        since.strip(),
        until.strip(),
    )
    context: dict[str, Any] = {
        "nav": "audit",
        "filters": filters,
        "events": [],
        "older": None,
        "first_page": not cursor,
    }
    try:
        rows = await audit_service.list_events(
            session,
            who.principal.workspace_id,
            entity_type=filters.entity_type or None,
            entity_id=filters.entity_id or None,
            action=filters.action or None,
            actor_id=filters.actor_id or None,
            since=parse_instant(filters.since, "“From”"),
            until=parse_instant(filters.until, "“Until”"),
            before_seq=int_after(cursor or None),
            limit=PAGE_SIZE + 1,
        )
    except AccordError as exc:
        detail = (
            exc.detail
            if exc.instance_code != "invalid_cursor"
            else ("That “Older” link is not valid any more. Start again from the newest events.")
        )
        return render(
            request,
            "audit.html",
            {**context, "error": detail},
            viewer=who,
            status_code=exc.status,
        )
    names = await _actor_names(session, who)
    context["events"] = [
        {
            "event": e,
            "actor": _actor(e, names),
            "summary": summary(e.before, e.after),
            "filter_entity": urlencode({"entity_type": e.entity_type, "entity_id": e.entity_id}),
        }
        for e in rows[:PAGE_SIZE]
    ]
    if len(rows) > PAGE_SIZE:
        context["older"] = filters.query(cursor=encode_cursor([rows[PAGE_SIZE - 1].seq]))
    return render(request, "audit.html", context, viewer=who)
