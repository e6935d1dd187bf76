"""The event types Accord emits, and the payload envelope version.

Every delivery body (standard format) is:

    {"id": "<event uuid>", "type": "<type>", "version": 1,
     "occurred_at": "<RFC 3339 UTC>", "workspace_id": "<uuid>", "data": {...}}

`data` per type is documented in docs/events.md. The envelope `version` changes only
when a type's `data` changes incompatibly.
"""

from __future__ import annotations

PAYLOAD_VERSION = 1

EVENT_TYPES: tuple[str, ...] = (
    "asset.created",
    "asset.updated",
    "asset.deleted",
    "asset.restored",
    "version.published",
    "registration.created",
    "registration.deleted",
    "proposal.opened",
    "proposal.acknowledged",
    "proposal.acknowledgment_closed",
    "proposal.approved",
    "proposal.blocked",
    "proposal.reopened",
    "proposal.published",
    "proposal.withdrawn",
    "proposal.expired",
    "proposal.force_published",
    "proposal.superseded",
    "validation.failed",
)


def matches(pattern: str, event_type: str) -> bool:
    """`proposal.*` matches every proposal event; otherwise exact."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def is_known_pattern(pattern: str) -> bool:
    return pattern == "*" or any(matches(pattern, t) for t in EVENT_TYPES)
