"""Alembic environment: runs on the connection handed over by ``accord.migrate``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from accord.migrate import autogenerate_include_name, autogenerate_include_object
from accord.models import Base
from accord.models.base import UTCDateTime


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations store the plain column type; UTCDateTime only converts in Python.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded misuse
    raise RuntimeError("run migrations through `accord db upgrade`, which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=_render_item,
    # accord_schema_compat is the migration runner's own table, like alembic_version.
    include_name=autogenerate_include_name,
    # Indexes the models declare for PostgreSQL only are compared there only.
    include_object=autogenerate_include_object(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
