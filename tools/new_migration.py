#!/usr/bin/env python3
"""Autogenerate a migration: `python tools/new_migration.py "what changed"`.

Runs against a scratch SQLite database migrated to head, so the diff is exactly what the
models add. Review the result (SQLite and PostgreSQL) before committing.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from accord.migrate import alembic_config

TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(slug)s"


async def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_async_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}")

        def generate(conn: Connection) -> None:
            cfg = alembic_config(conn)
            cfg.set_main_option("file_template", TEMPLATE)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)

        async with engine.begin() as conn:
            await conn.run_sync(generate)
        await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    asyncio.run(main(sys.argv[1]))
