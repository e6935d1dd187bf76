"""Declarative base: naming convention, UTC timestamps, UUID keys, portable JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.mapper import Mapper

from accord.kit.clock import utcnow
from accord.kit.ids import uuid7

# The largest value of a 32-bit INTEGER column (PostgreSQL refuses to bind a larger one):
# a position taken from a request is clamped to it before it reaches such a column.
INT32_MAX = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on PostgreSQL and on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def row_values(obj: Base) -> dict[str, Any]:
    """``obj``'s column values by column name, for a Core INSERT of its row (a hot path's
    write without the unit of work, issue 21): only the attributes it was given; the
    others get their column's default from the INSERT, as through the session."""
    given = vars(obj)
    return {name: given[attr] for name, attr in _columns(type(obj)) if attr in given}


@cache
def _columns(model: type[Base]) -> tuple[tuple[str, str], ...]:
    """Each column of ``model``'s table with the mapped attribute holding its value."""
    mapper: Mapper[Any] = model.__mapper__
    return tuple((c.name, a.key) for a in mapper.column_attrs for c in a.columns)
