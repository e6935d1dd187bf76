"""The reference app of `bench.http`: FastAPI with Accord's dependency shape and no more.

    .venv/bin/python -m bench._reference --port N --data FILE [--workers N]

One async dependency reads the ``Authorization`` header and looks the key up in a dict;
three routes mirror Accord's, with pydantic models of the same shapes:
``GET /api/v1/me`` and ``GET /api/v1/assets/{asset_id}/versions/{version}``, the latter
serving a version Accord answered during setup (FILE, written by `running_reference`),
validated through the model on every request as Accord validates its row; and
``POST /api/v1/assets/{asset_id}/versions``, the floor of a publish: the body validated,
its canonical JSON hashed, and one SQLite write transaction (the same pragmas as Accord's:
WAL, synchronous NORMAL) that reads the asset's last version number and inserts the
version; no compatibility check, audit or outbox. No middleware. Served like `accord serve`
serves Accord (src/accord/cli/serve.py): a socket bound first, the same uvicorn options
(loop and http left to uvicorn's `auto`: uvloop, httptools), one process or uvicorn's
`Multiprocess` supervisor with a factory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench._server import free_port, serving

DATA_ENV = "BENCH_REFERENCE_DATA"
ROOT = Path(__file__).resolve().parent.parent


class Scope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


class SchemaFormat(StrEnum):
    jsonschema = "jsonschema"
    table = "table"


class Me(BaseModel):
    workspace_id: uuid.UUID
    key_id: uuid.UUID | None
    team_id: uuid.UUID | None
    scopes: list[Scope]
    is_admin: bool


class VersionCreate(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: dict[str, Any] = Field(alias="schema")
    format: SchemaFormat
    version: str | None = Field(default=None, max_length=64)


class ContractVersion(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    version: str
    format: SchemaFormat
    schema_: dict[str, Any] = Field(alias="schema")
    guarantees: dict[str, Any]
    references: list[dict[str, Any]] = Field(default_factory=list)
    content_hash: str
    proposal_id: uuid.UUID | None
    published_by: str | None
    created_at: datetime


class Published(BaseModel):
    outcome: str
    version: ContractVersion


_VERSIONS = Table(
    "versions",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("asset_id", String(36), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("version", String(64), nullable=False),
    Column("format", String(16), nullable=False),
    Column("schema", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
)


def _database(path: Path) -> AsyncEngine:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


@dataclass(frozen=True, slots=True)
class Principal:
    workspace_id: uuid.UUID
    key_id: uuid.UUID | None
    team_id: uuid.UUID | None
    scopes: frozenset[Scope]
    is_admin: bool


def _principal(me: dict[str, Any]) -> Principal:
    parsed = Me.model_validate(me)
    return Principal(
        parsed.workspace_id, parsed.key_id, parsed.team_id, frozenset(parsed.scopes),
        parsed.is_admin,
    )  # fmt: skip


# Filled by `create_app` (one app per process).
_principals: dict[str, Principal] = {}


async def authenticate(authorization: Annotated[str | None, Header()] = None) -> Principal:
    found = _principals.get(authorization or "")
    if found is None:
        raise HTTPException(401, "invalid API key")
    return found


Caller = Annotated[Principal, Depends(authenticate)]


def create_app() -> FastAPI:
    """The app over the data file named by $BENCH_REFERENCE_DATA: ``{"keys": {key: /me
    answer}, "versions": [version answer, ...]}``."""
    data = json.loads(Path(os.environ[DATA_ENV]).read_text())
    _principals.clear()
    _principals.update({f"Bearer {key}": _principal(me) for key, me in data["keys"].items()})
    versions: dict[tuple[uuid.UUID, str], dict[str, Any]] = {
        (uuid.UUID(v["asset_id"]), v["version"]): v for v in data["versions"]
    }
    database = _database(Path(os.environ[DATA_ENV]).with_suffix(".sqlite"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with database.begin() as conn:
            await conn.run_sync(_VERSIONS.metadata.create_all)
        yield
        await database.dispose()

    app = FastAPI(title="reference", docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/me")
    async def get_me(principal: Caller) -> Me:
        return Me(
            workspace_id=principal.workspace_id,
            key_id=principal.key_id,
            team_id=principal.team_id,
            scopes=sorted(principal.scopes, key=lambda s: s.value),
            is_admin=principal.is_admin,
        )

    @app.get("/api/v1/assets/{asset_id}/versions/{version}")
    async def get_version(
        asset_id: uuid.UUID,
        principal: Caller,
        version: str = PathParam(..., max_length=64),
    ) -> ContractVersion:
        found = versions.get((asset_id, version))
        if found is None:
            raise HTTPException(404, "no such version")
        return ContractVersion.model_validate(found)

    @app.post("/api/v1/assets/{asset_id}/versions", status_code=201)
    async def publish(asset_id: uuid.UUID, body: VersionCreate, principal: Caller) -> Published:
        if "write" not in principal.scopes:
            raise HTTPException(403, "needs the write scope")
        text = json.dumps(body.schema_, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()
        version_id, created_at = uuid.uuid4(), datetime.now(UTC)
        async with database.begin() as conn:  # one write transaction
            last = await conn.scalar(
                select(func.max(_VERSIONS.c.seq)).where(_VERSIONS.c.asset_id == str(asset_id))
            )
            seq = (last or 0) + 1
            number = body.version or f"1.{seq}.0"
            row: dict[str, Any] = {
                "id": str(version_id),
                "asset_id": str(asset_id),
                "seq": seq,
                "version": number,
                "format": body.format.value,
                "schema": text,
                "content_hash": digest,
                "created_at": created_at.isoformat(),
            }
            await conn.execute(insert(_VERSIONS).values(row))
        version = ContractVersion.model_validate(
            {
                "id": version_id, "asset_id": asset_id, "version": number,
                "format": body.format, "schema": body.schema_, "guarantees": {},
                "content_hash": digest, "proposal_id": None, "published_by": None,
                "created_at": created_at,
            }
        )  # fmt: skip
        return Published(outcome="published", version=version)

    return app


@contextmanager
def running_reference(data: dict[str, Any], workers: int = 1) -> Iterator[str]:
    """Yield the base URL of a reference server over ``data``; stopped by its pid."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reference.json"
        path.write_text(json.dumps(data))
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench._reference", "--port", str(port), "--data", str(path),
             "--workers", str(workers)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        with serving(proc, base, "reference server"):
            yield base


def _config(app: Any, **more: Any) -> uvicorn.Config:
    """`accord serve`'s uvicorn options (src/accord/cli/serve.py `_config`)."""
    return uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        **more,
    )


def main() -> None:
    from uvicorn.supervisors import Multiprocess

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", required=True, help="JSON file (see create_app)")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ[DATA_ENV] = args.data  # the worker processes read it at start
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.set_inheritable(True)
    if args.workers > 1:
        config = _config("bench._reference:create_app", factory=True, workers=args.workers)
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(_config(create_app())).run(sockets=[sock])


if __name__ == "__main__":
    main()
