"""Pure contract specification models shared by the server, `compat` and `checks`.

No FastAPI, SQLAlchemy or httpx imports: only pydantic and the standard library.
"""

from accord.spec.guarantees import (
    ColumnGuarantees,
    CustomCheck,
    Freshness,
    GuaranteeChange,
    Guarantees,
    Relationship,
    RowCount,
    Severity,
    guarantee_changes,
)

__all__ = [
    "ColumnGuarantees",
    "CustomCheck",
    "Freshness",
    "GuaranteeChange",
    "Guarantees",
    "Relationship",
    "RowCount",
    "Severity",
    "guarantee_changes",
]
