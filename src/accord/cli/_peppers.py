"""`accord admin peppers`: what depends on which key pepper (ADR 0035).

Counts are read by pepper id (`kit.crypto.pepper_id`), never by pepper; a row still
without an id (written by a release before pepper ids) counts for the last configured
pepper, as signing reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from accord.config import Settings


async def gather(settings: Settings, engine: AsyncEngine, *, with_lists: bool) -> dict[str, Any]:
    from accord.api_key import service as api_key_service
    from accord.db import create_sessionmaker, session_scope
    from accord.kit.clock import utcnow
    from accord.kit.crypto import pepper_id
    from accord.webhook import service as webhook_service

    named = settings.named_peppers
    ids = [pepper_id(p) for _, p in named]
    now = utcnow()
    async with session_scope(create_sessionmaker(engine), write=False) as session:
        keys = await api_key_service.count_by_pepper(session, now)
        hooks = await webhook_service.count_by_pepper(session)
        lists = await _lists(session, settings.issuing_pepper, now) if with_lists else {}
    for counts in (keys, hooks):
        if None in counts:  # NULL: the last configured pepper (module docstring)
            counts[ids[-1]] = counts.get(ids[-1], 0) + counts.pop(None)
    report: dict[str, Any] = {
        "peppers": [
            {
                "name": name,
                "pepper_id": pid,
                "issuing": index == 0,
                "api_keys": keys.pop(pid, 0),
                "webhooks": hooks.pop(pid, 0),
            }
            for index, ((name, _), pid) in enumerate(zip(named, ids, strict=True))
        ],
        # Under a pepper no longer configured: such keys no longer authenticate and such
        # webhooks cannot be signed until their secret is rotated.
        "unconfigured": {
            "api_keys": sum(keys.values()),
            "webhooks": sum(hooks.values()),
            "pepper_ids": sorted(set(keys) | set(hooks), key=str),
        },
    }
    report.update(lists)
    return report


async def _lists(session: AsyncSession, issuing: str, now: datetime) -> dict[str, Any]:
    """The keys and webhooks not on the issuing pepper (read inside the transaction)."""
    from accord.api_key import service as api_key_service
    from accord.webhook import service as webhook_service

    keys = await api_key_service.not_on_issuing(session, issuing, now)
    hooks = await webhook_service.not_on_issuing(session, issuing)
    return {
        "api_keys_to_move": [
            {
                "workspace_id": str(k.workspace_id),
                "id": str(k.id),
                "prefix": k.prefix,
                "name": k.name,
                "pepper_id": k.pepper_id,
                "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
            }
            for k in keys
        ],
        "webhooks_to_rotate": [
            {
                "workspace_id": str(w.workspace_id),
                "id": str(w.id),
                "team_id": str(w.team_id) if w.team_id else None,
                "pepper_id": w.secret_pepper,
            }
            for w in hooks
        ],
    }


def render(report: dict[str, Any]) -> str:
    lines = [f"{'pepper':<32} {'pepper id':<16} {'api keys':>8} {'webhooks':>8}"]
    for row in report["peppers"]:
        name = row["name"] + (" (issuing)" if row["issuing"] else "")
        lines.append(f"{name:<32} {row['pepper_id']:<16} {row['api_keys']:>8} {row['webhooks']:>8}")
    gone = report["unconfigured"]
    if gone["api_keys"] or gone["webhooks"]:
        lines.append(
            f"{'(not configured)':<32} {'':<16} {gone['api_keys']:>8} {gone['webhooks']:>8}"
        )
    for row in report["peppers"][1:]:
        verdict = (
            "can be removed"
            if not (row["api_keys"] or row["webhooks"])
            else "still in use: see --list (runbook: docs/runbooks/pepper-rotation.md)"
        )
        lines.append(f"{row['name']}: {verdict}")
    for key in report.get("api_keys_to_move", []):
        lines.append(
            f"key {key['id']} {key['prefix']}… {key['name']!r} workspace {key['workspace_id']} "
            f"last used {key['last_used_at'] or 'never'}"
        )
    for hook in report.get("webhooks_to_rotate", []):
        lines.append(f"webhook {hook['id']} workspace {hook['workspace_id']}: rotate its secret")
    return "\n".join(lines)
