"""`Idempotency-Key` on creating POSTs: the first response is stored in the same
transaction as the change and replayed for a retry with the same key and body.

A retry with the same key but a different body is a 422 (the key was reused for another
request); a concurrent duplicate loses the unique-index race and gets a 409.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from accord.auth.principal import Principal
from accord.exceptions import ValidationFailedError
from accord.idempotency.repository import IdempotencyRepository
from accord.kit.canonical import canonical_json
from accord.models import IdempotencyRecord

_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


def fingerprint(route: str, payload: Any) -> str:
    return hashlib.sha256(route.encode() + b"\n" + canonical_json(payload)).hexdigest()


def _who(principal: Principal) -> str:
    return principal.caller_id


def check_key(key: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise ValidationFailedError(
            "Idempotency-Key must be 1-255 visible ASCII characters",
            code="invalid_idempotency_key",
        )
    return key


async def replay(
    session: AsyncSession, principal: Principal, key: str, print_: str
) -> tuple[int, dict[str, Any]] | None:
    found = await IdempotencyRepository(session).get(principal.workspace_id, _who(principal), key)
    if found is None:
        return None
    if found.fingerprint != print_:
        raise ValidationFailedError(
            "this Idempotency-Key was already used for a different request",
            code="idempotency_key_reused",
        )
    return found.status_code, found.body


async def remember(
    session: AsyncSession,
    principal: Principal,
    key: str,
    print_: str,
    status_code: int,
    body: dict[str, Any],
) -> None:
    await IdempotencyRepository(session).add(
        IdempotencyRecord(
            workspace_id=principal.workspace_id,
            principal=_who(principal),
            key=key,
            fingerprint=print_,
            status_code=status_code,
            body=body,
        )
    )


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    return await IdempotencyRepository(session).purge_before(cutoff)
