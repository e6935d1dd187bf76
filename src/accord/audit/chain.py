"""The hash chain, pure: how one link is hashed and how a sequence of links is checked.

hash(n) = SHA-256(RFC 8785 canonical JSON of the event's fields + prev_hash), with
prev_hash(1) = GENESIS. Changing, removing, inserting or reordering any link changes a
hash or breaks a link; the head row (last seq + hash) exposes a truncated tail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from accord.kit.canonical import canonical_json

GENESIS = "0" * 64
CHAIN_VERSION = 1


@dataclass(frozen=True, slots=True)
class Link:
    """The hashed fields of one audit event, in a database-independent form."""

    workspace_id: str
    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    prev_hash: str
    actor_detail: dict[str, Any] | None = None

    def digest(self) -> str:
        body: dict[str, Any] = {
            "v": CHAIN_VERSION,
            "workspace_id": self.workspace_id,
            "seq": self.seq,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_type": self.actor_type,
            "actor_id": self.actor_id,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
        }
        if self.actor_detail is not None:  # hashed only where present: older links unchanged
            body["actor_detail"] = self.actor_detail
        return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    position: int
    event_id: str | None
    reason: str
    detail: str


class ChainVerifier:
    """Feed links in ``seq`` order; the first inconsistency is kept."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev_hash = GENESIS
        self.checked = 0
        self.problem: Problem | None = None

    def feed(self, links: Iterable[tuple[str, Link, str]]) -> bool:
        """Check (event_id, link, stored_hash) triples; False once a problem is found."""
        for event_id, link, stored in links:
            if self.problem is not None:
                return False
            self.problem = self._check(event_id, link, stored)
            if self.problem is not None:
                return False
            self.checked += 1
            self.expected_seq += 1
            self.prev_hash = stored
        return True

    def _check(self, event_id: str, link: Link, stored: str) -> Problem | None:
        pos = self.expected_seq
        if link.seq != pos:
            return Problem(pos, event_id, "sequence_gap", f"expected seq {pos}, found {link.seq}")
        if link.prev_hash != self.prev_hash:
            return Problem(pos, event_id, "broken_link", "prev_hash does not match event before")
        if link.digest() != stored:
            return Problem(pos, event_id, "hash_mismatch", "content does not match its hash")
        return None

    def finish(self, head_seq: int | None, head_hash: str | None) -> Problem | None:
        if self.problem is not None:
            return self.problem
        last_seq = self.expected_seq - 1
        if (head_seq or 0) != last_seq or (head_hash or GENESIS) != self.prev_hash:
            self.problem = Problem(
                min(last_seq, head_seq or 0) + 1,
                None,
                "head_mismatch",
                f"chain ends at seq {last_seq} but the head records seq {head_seq or 0}",
            )
        return self.problem
