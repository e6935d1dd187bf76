"""`last_used_at` without a database write per request.

Authentication only notes the time in memory; a background task of the lifespan
writes the newest times in one short transaction every few seconds (and once more at
shutdown). A crash loses at most one interval of "last used" precision, never a key.
"""

from __future__ import annotations

import uuid
from datetime import datetime


class UsageTracker:
    def __init__(self) -> None:
        self._pending: dict[uuid.UUID, datetime] = {}

    def touch(self, key_id: uuid.UUID, when: datetime) -> None:
        self._pending[key_id] = when

    def drain(self) -> dict[uuid.UUID, datetime]:
        pending, self._pending = self._pending, {}
        return pending

    def __len__(self) -> int:
        return len(self._pending)
