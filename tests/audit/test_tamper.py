"""Raw-SQL tampering with the ledger is caught by verify, at the first bad position."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.conftest import Actors

Tamper = Callable[[AsyncConnection, str], Awaitable[None]]


async def _update(conn: AsyncConnection, ws: str) -> None:
    await conn.execute(
        text(
            "UPDATE audit_events SET action = 'team.renamed' WHERE workspace_id = :ws AND seq = 3"
        ),
        {"ws": ws},
    )


async def _update_json(conn: AsyncConnection, ws: str) -> None:
    row = (
        await conn.execute(
            text("SELECT id FROM audit_events WHERE workspace_id = :ws AND seq = 3"), {"ws": ws}
        )
    ).one()
    await conn.execute(text("UPDATE audit_events SET after = NULL WHERE id = :id"), {"id": row.id})


async def _delete_middle(conn: AsyncConnection, ws: str) -> None:
    await conn.execute(
        text("DELETE FROM audit_events WHERE workspace_id = :ws AND seq = 3"), {"ws": ws}
    )


async def _delete_last(conn: AsyncConnection, ws: str) -> None:
    await conn.execute(
        text(
            "DELETE FROM audit_events WHERE workspace_id = :ws AND seq = "
            "(SELECT MAX(seq) FROM audit_events WHERE workspace_id = :ws)"
        ),
        {"ws": ws},
    )


async def _copy_row_as(conn: AsyncConnection, ws: str, source_seq: int, new_seq: int) -> None:
    await conn.execute(
        text(
            "INSERT INTO audit_events (id, workspace_id, seq, occurred_at, actor_type, actor_id,"
            " action, entity_type, entity_id, before, after, request_id, prev_hash, hash) "
            "SELECT :new_id, workspace_id, :new_seq, occurred_at, actor_type, actor_id, action,"
            " entity_type, entity_id, before, after, request_id, prev_hash, hash "
            "FROM audit_events WHERE workspace_id = :ws AND seq = :src"
        ),
        {"ws": ws, "src": source_seq, "new_seq": new_seq, "new_id": _new_id(conn)},
    )


def _new_id(conn: AsyncConnection) -> object:
    import uuid

    value = uuid.uuid4()
    return value if conn.dialect.name == "postgresql" else value.hex


async def _insert_at_end(conn: AsyncConnection, ws: str) -> None:
    top = (
        await conn.execute(
            text("SELECT MAX(seq) FROM audit_events WHERE workspace_id = :ws"), {"ws": ws}
        )
    ).scalar_one()
    await _copy_row_as(conn, ws, top, top + 1)


async def _forged_append(conn: AsyncConnection, ws: str) -> None:
    """An attacker who knows the algorithm appends a perfectly linked event."""
    import uuid
    from datetime import UTC, datetime

    from accord.audit.chain import Link

    last = (
        await conn.execute(
            text(
                "SELECT seq, hash FROM audit_events WHERE workspace_id = :ws "
                "ORDER BY seq DESC LIMIT 1"
            ),
            {"ws": ws},
        )
    ).one()
    ws_uuid = str(uuid.UUID(ws))
    link = Link(
        workspace_id=ws_uuid,
        seq=last.seq + 1,
        occurred_at=datetime.now(UTC),
        actor_type="system",
        actor_id=None,
        action="team.created",
        entity_type="team",
        entity_id="forged",
        before=None,
        after=None,
        request_id=None,
        prev_hash=last.hash,
    )
    await conn.execute(
        text(
            "INSERT INTO audit_events (id, workspace_id, seq, occurred_at, actor_type, actor_id,"
            " action, entity_type, entity_id, before, after, request_id, prev_hash, hash) "
            "VALUES (:id, :ws, :seq, :at, 'system', NULL, 'team.created', 'team', 'forged',"
            " NULL, NULL, NULL, :prev, :hash)"
        ),
        {
            "id": _new_id(conn),
            "ws": ws,
            "seq": link.seq,
            "at": link.occurred_at
            if conn.dialect.name == "postgresql"
            else link.occurred_at.replace(tzinfo=None),
            "prev": link.prev_hash,
            "hash": link.digest(),
        },
    )


async def _insert_middle(conn: AsyncConnection, ws: str) -> None:
    # Make room after seq 2 by renumbering the tail, then slip a copied row in.
    params = {"ws": ws}
    await conn.execute(
        text("UPDATE audit_events SET seq = seq + 1000 WHERE workspace_id = :ws AND seq > 2"),
        params,
    )
    await conn.execute(
        text("UPDATE audit_events SET seq = seq - 999 WHERE workspace_id = :ws AND seq > 1000"),
        params,
    )
    await _copy_row_as(conn, ws, 2, 3)


async def _reorder(conn: AsyncConnection, ws: str) -> None:
    params = {"ws": ws}
    await conn.execute(
        text("UPDATE audit_events SET seq = 1000 WHERE workspace_id = :ws AND seq = 3"), params
    )
    await conn.execute(
        text("UPDATE audit_events SET seq = 3 WHERE workspace_id = :ws AND seq = 4"), params
    )
    await conn.execute(
        text("UPDATE audit_events SET seq = 4 WHERE workspace_id = :ws AND seq = 1000"), params
    )


TAMPERS: dict[str, tuple[Tamper, int | None, set[str]]] = {
    "update_column": (_update, 3, {"hash_mismatch"}),
    "update_json": (_update_json, 3, {"hash_mismatch"}),
    "delete_middle": (_delete_middle, 3, {"sequence_gap"}),
    "delete_last": (_delete_last, None, {"head_mismatch"}),
    "insert_copy_at_end": (_insert_at_end, None, {"broken_link"}),
    "insert_forged_at_end": (_forged_append, None, {"head_mismatch"}),
    "insert_middle": (_insert_middle, 3, {"broken_link", "hash_mismatch"}),
    "reorder": (_reorder, 3, {"broken_link", "hash_mismatch"}),
}


def _ws(engine: AsyncEngine, actors: Actors) -> str:
    ws = actors.workspace_id
    return str(ws) if engine.dialect.name == "postgresql" else ws.hex


async def test_untouched_chain_verifies(client: httpx.AsyncClient, actors: Actors) -> None:
    r = await client.get("/api/v1/audit-events/verify", headers=actors.admin)
    body = r.json()
    assert body["ok"] is True
    assert body["checked"] == body["head_seq"] >= 5


@pytest.mark.parametrize("name", sorted(TAMPERS))
async def test_tampering_is_detected(
    client: httpx.AsyncClient, actors: Actors, engine: AsyncEngine, name: str
) -> None:
    tamper, position, reasons = TAMPERS[name]
    async with engine.begin() as conn:
        await tamper(conn, _ws(engine, actors))
    body = (await client.get("/api/v1/audit-events/verify", headers=actors.admin)).json()
    assert body["ok"] is False
    problem = body["problem"]
    assert problem["reason"] in reasons
    if position is not None:
        assert problem["position"] == position
    # The other workspace's chain is untouched and still verifies.
    other = (await client.get("/api/v1/audit-events/verify", headers=actors.other_admin)).json()
    assert other["ok"] is True
