"""Delivery bodies: the standard envelope, or a Slack-compatible message."""

from __future__ import annotations

from typing import Any

import orjson

from accord.events.service import envelope
from accord.models import Event


def _summary(event: Event) -> str:
    data = event.data
    asset = data.get("asset") or {}
    name = asset.get("fqn") or event.subject_id
    env = asset.get("environment")
    where = f"{name} ({env})" if env else name
    proposal = data.get("proposal") or {}
    version = (
        (data.get("version") or {}).get("version")
        if isinstance(data.get("version"), dict)
        else data.get("version")
    )
    texts = {
        "version.published": f"Contract {version} published for {where}",
        "proposal.opened": f"Breaking change proposed for {where}: your answer is needed",
        "proposal.acknowledged": f"{data.get('decision', 'answer')} on the proposal for {where}",
        "proposal.force_published": f"Breaking change FORCE-published for {where}: "
        f"{data.get('reason', '')}",
        "webhook.ping": f"Test ping from Accord: webhook {event.subject_id} is reachable",
    }
    text = texts.get(event.type, f"{event.type} on {where}")
    if proposal.get("id"):
        text += f" (proposal {proposal['id']})"
    return text


def body(event: Event, payload_format: str) -> bytes:
    if payload_format == "slack":
        message: dict[str, Any] = {
            "text": _summary(event),
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_summary(event)}*"}},
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": f"`{event.type}` · event `{event.id}`"}
                    ],
                },
            ],
        }
        return orjson.dumps(message)
    return orjson.dumps(envelope(event))
