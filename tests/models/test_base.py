"""The models' shared pieces: a row's values for a Core INSERT."""

from __future__ import annotations

import uuid

from accord.models import ContractVersion, Event
from accord.models.base import row_values


def test_row_values_are_by_column_name_and_only_what_was_given() -> None:
    event = Event(id=uuid.uuid4(), type="version.published", data={"a": 1})
    assert row_values(event) == {"id": event.id, "type": "version.published", "data": {"a": 1}}
    version = ContractVersion(schema_={"type": "object"}, references=None)
    # the attribute `schema_` is the column `schema`; an explicit None is given
    assert row_values(version) == {"schema": {"type": "object"}, "references": None}
