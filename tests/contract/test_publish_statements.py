"""What one compatible publish asks of the database (issue 21): printed, and held to the
count it has now, so a query added to the hot write path is a decision, not an accident."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.conftest import BACKEND, Actors
from tests.lifecycle_helpers import ORDERS_V1, make_asset, publish, register, with_props
from tests.statements import statements_run


async def test_a_compatible_publish_runs_a_bounded_number_of_statements(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors
) -> None:
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    assert (await register(client, actors, asset)).status_code == 201
    widened = with_props(ORDERS_V1, note={"type": "string"})
    with statements_run(app) as seen:
        r = await publish(client, actors.producer_write, asset, widened)
    assert r.status_code == 201, r.text
    # The asset (locked), the heads, the registrations; the version; the subscriptions the
    # event fans out to; the audit head, the event, the head moved; the outbox event.
    assert len(seen) <= 9, f"{len(seen)} statements:\n" + "\n".join(seen)


async def test_the_audit_head_is_the_last_thing_a_publish_locks(
    app: FastAPI, client: httpx.AsyncClient, actors: Actors
) -> None:
    """docs/architecture.md, lock order. On PostgreSQL every row the publish writes (the
    version, the outbox event, and the foreign keys they lock) goes out before the audit
    head is read for update; after it only the audit event and the head itself are
    written. On SQLite, whose BEGIN IMMEDIATE holds the whole database from the start,
    the head is read while the engine works, before the verdict's writes."""
    asset = await make_asset(client, actors)
    assert (await publish(client, actors.producer_write, asset, ORDERS_V1)).status_code == 201
    widened = with_props(ORDERS_V1, note={"type": "string"})
    with statements_run(app) as seen:
        r = await publish(client, actors.producer_write, asset, widened)
    assert r.status_code == 201, r.text
    verbs = [" ".join(s.split()[:3]) for s in seen]
    heads = [i for i, s in enumerate(seen) if "FROM audit_heads" in s]
    assert len(heads) == 1, verbs  # read once, early or late
    head = heads[0]
    writes = [v for v in verbs if v.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == [
        "INSERT INTO contract_versions",
        "INSERT INTO events",
        "INSERT INTO audit_events",
        "UPDATE audit_heads SET",
    ], verbs
    if BACKEND == "postgresql":
        before = [v for v in verbs[:head] if v.startswith(("INSERT", "UPDATE", "DELETE"))]
        assert before == ["INSERT INTO contract_versions", "INSERT INTO events"], verbs
        assert verbs[head + 1 :] == ["INSERT INTO audit_events", "UPDATE audit_heads SET"], verbs
        assert "FOR UPDATE" in seen[head]
    else:
        assert head < verbs.index("INSERT INTO contract_versions"), verbs
