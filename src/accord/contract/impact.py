"""Which registrations a set of breaking changes affects (pure).

A registration that lists the fields it reads is affected only by breaking changes to
those fields (or to something above them, or to the whole record); one that lists no
fields is affected by every breaking change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

WHOLE_RECORD = ""


def field_of_path(path: str) -> str:
    """The dotted field a change path is about, or "" for the whole record.

    JSON pointers keep the names that follow `properties` (`/properties/a/properties/b/
    maxLength` -> `a.b`); a pointer naming no property concerns the whole record. Column
    paths (`address.zip`) and guarantee paths (`columns.email`) are dotted already.
    """
    if path.startswith("/"):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        names = [parts[i + 1] for i, p in enumerate(parts[:-1]) if p == "properties"]
        return ".".join(names)
    if path.startswith("columns."):
        return path[len("columns.") :]
    if path in ("", "row_count", "freshness", "unique_together", "primary_key", "unique",
                "checks", "foreign_keys") or path.startswith("custom."):  # fmt: skip
        return WHOLE_RECORD
    return path


def _touches(field: str, changed: str) -> bool:
    if changed == WHOLE_RECORD:
        return True
    return field == changed or field.startswith(changed + ".") or changed.startswith(field + ".")


def is_affected(fields: Sequence[str] | None, breaking: Iterable[dict[str, Any]]) -> bool:
    changed = [field_of_path(str(c["path"])) for c in breaking]
    if not changed:
        return False
    if not fields:
        return True
    return any(_touches(f, c) for f in fields for c in changed)
