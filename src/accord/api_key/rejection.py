"""Why a presented key was refused, and how often the refusal is worth an audit event.

The caller only ever sees one 401 (`invalid_api_key`, the same title and detail for a
malformed, unknown, revoked, expired or orphaned key): telling them which would confirm
that a leaked key once existed, or that waiting will not help. The reason is for the
operator: a log line, and for a known key an `api_key.rejected` audit event.
"""

from __future__ import annotations

import time
import uuid
from enum import StrEnum

from accord.exceptions import UnauthenticatedError

INVALID_API_KEY = "invalid_api_key"
INVALID_API_KEY_DETAIL = "the API key is not valid"


class RejectionReason(StrEnum):
    malformed = "malformed"
    unknown = "unknown"
    revoked = "revoked"
    expired = "expired"
    ancestor_revoked = "ancestor_revoked"
    ancestor_expired = "ancestor_expired"


def invalid_api_key() -> UnauthenticatedError:
    """The one 401 every refused key gets."""
    return UnauthenticatedError(INVALID_API_KEY_DETAIL, code=INVALID_API_KEY)


class KeyRejectedError(UnauthenticatedError):
    """A refused key with its reason. Renders exactly as `invalid_api_key()` (the reason
    and ids are attributes, never `extra`), so it is harmless if it escapes unlogged."""

    def __init__(
        self,
        reason: RejectionReason,
        *,
        key_id: uuid.UUID | None = None,
        workspace_id: uuid.UUID | None = None,
        prefix: str | None = None,
        ancestor_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(INVALID_API_KEY_DETAIL, code=INVALID_API_KEY)
        self.reason = reason
        self.key_id = key_id
        self.workspace_id = workspace_id
        self.prefix = prefix
        self.ancestor_id = ancestor_id


class RejectionThrottle:
    """At most one audited rejection per key per `window_s`, in this process.

    A client hammering with a revoked key must not turn each 401 into a ledger write.
    The map is pruned when it fills; if it is still full (a flood of distinct dead keys
    inside one window), further rejections are logged but not audited.
    """

    def __init__(self, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.window_s = window_s
        self.max_keys = max_keys
        self._last: dict[uuid.UUID, float] = {}

    def allow(self, key_id: uuid.UUID, now: float | None = None) -> bool:
        at = time.monotonic() if now is None else now
        last = self._last.get(key_id)
        if last is not None and at - last < self.window_s:
            return False
        if last is None and len(self._last) >= self.max_keys:
            self._last = {k: t for k, t in self._last.items() if at - t < self.window_s}
            if len(self._last) >= self.max_keys:
                return False
        self._last[key_id] = at
        return True
