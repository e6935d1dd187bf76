"""Pure contract specification types shared by the server, `compat` and `checks`.

Standard library only: `accord validate` reads guarantees without pydantic (ADR 0022).
"""

from accord.spec.changes import GuaranteeChange, guarantee_changes
from accord.spec.guarantees import (
    ColumnGuarantees,
    CustomCheck,
    Freshness,
    Guarantees,
    Relationship,
    RowCount,
    Scalar,
    Severity,
)
from accord.spec.parse import (
    GuaranteesError,
    parse_column_guarantees,
    parse_freshness,
    parse_guarantees,
)

__all__ = [
    "ColumnGuarantees",
    "CustomCheck",
    "Freshness",
    "GuaranteeChange",
    "Guarantees",
    "GuaranteesError",
    "Relationship",
    "RowCount",
    "Scalar",
    "Severity",
    "guarantee_changes",
    "parse_column_guarantees",
    "parse_freshness",
    "parse_guarantees",
]
