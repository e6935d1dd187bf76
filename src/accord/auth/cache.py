"""Verified credentials, remembered for a few seconds (issue 21).

Looking a key up costs a read transaction (on SQLite, two thread hops and a query); most
requests present a key that was verified a moment ago. A `CredentialCache` keeps the
principal of a verified credential (an API key or an OIDC access token) for at most
``ttl_s`` seconds (``ACCORD_AUTH_CACHE_TTL_S``) and never past the credential's own expiry
(a key's, or the earliest of the keys it was minted from; a token's ``exp``).

The bound on revocation, as documented in docs/security.md:

- in the process that revoked a key (or deleted its team), at once: every revocation
  announces itself after its transaction commits (`announce_revocation`), which empties
  every cache of the process; a lookup that read the row before that commit and would
  store its now stale answer afterwards is refused by the generation check in `put`;
- in every other process (another API worker, the CLI's `accord admin` on the database),
  within ``ttl_s`` seconds.

Refusals are never remembered: a key made a moment ago in another process works at once.
Entries are keyed by a SHA-256 of the credential, so the raw secret is not held here. The
cache is bounded (``max_entries``); when full, it starts over (cheap, and the next lookups
refill it).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from accord.auth.principal import Principal
from accord.kit import invalidation

_TOPIC = "credentials"


def announce_revocation() -> None:
    """Forget every credential verified before now, in every cache of this process."""
    invalidation.announce(_TOPIC)


def generation() -> int:
    return invalidation.generation(_TOPIC)


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    until_monotonic: float
    expires_at: datetime | None


class CredentialCache:
    def __init__(
        self,
        ttl_s: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[bytes, _Entry] = {}
        self._seen = generation()

    @staticmethod
    def digest(credential: str) -> bytes:
        return hashlib.sha256(credential.encode()).digest()

    def _current(self) -> None:
        now = generation()
        if self._seen != now:
            self._entries.clear()
            self._seen = now

    def get(self, digest: bytes, now: datetime) -> Principal | None:
        """The principal verified for this credential, if still within both bounds."""
        if self.ttl_s <= 0:
            return None
        self._current()
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if self._clock() >= entry.until_monotonic or (
            entry.expires_at is not None and entry.expires_at <= now
        ):
            del self._entries[digest]
            return None
        return entry.principal

    def put(
        self,
        digest: bytes,
        principal: Principal,
        expires_at: datetime | None,
        *,
        seen_generation: int,
    ) -> None:
        """Remember a verification that began when `generation()` was ``seen_generation``:
        if a revocation was announced since, the answer may be stale and is not kept."""
        if self.ttl_s <= 0 or seen_generation != generation():
            return
        self._current()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[digest] = _Entry(principal, self._clock() + self.ttl_s, expires_at)

    def forget_all(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
