"""Accord's compatibility engine: pure, no server imports.

Decides whether a schema change is backward / forward / full compatible (also transitively
over a history), for JSON Schema (draft-04 to 2020-12) and table schemas, under a ``strict``
or ``lenient`` content model. Every "incompatible" comes with a witness document checked by
a real validator; what cannot be proved either way is ``undecided``.

    >>> from accord.compat import check
    >>> check({"type": "integer"}, {"type": "number"}, mode="backward").compatible
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accord.compat.errors import SchemaError
from accord.compat.model import (
    UNLESS_COMPATIBLE,
    Change,
    ContentModel,
    Direction,
    EveryMode,
    Mode,
    ModeVerdict,
    Outcome,
    SchemaDialect,
    SchemaFormat,
    Verdict,
    Witness,
    detect_format,
)
from accord.compat.prepared import Prepared
from accord.compat.table.schema import Column, TableSchema, parse_table_schema
from accord.compat.table.types import LogicalType, parse_type

__all__ = [
    "UNLESS_COMPATIBLE",
    "Change",
    "Column",
    "ContentModel",
    "Direction",
    "EveryMode",
    "LogicalType",
    "Mode",
    "ModeVerdict",
    "Outcome",
    "Prepared",
    "SchemaDialect",
    "SchemaError",
    "SchemaFormat",
    "TableSchema",
    "Verdict",
    "Witness",
    "check",
    "check_history",
    "detect_format",
    "parse_table_schema",
    "parse_type",
    "validate_schema",
    "validated_table",
]


def check(
    old: Any,
    new: Any,
    *,
    mode: Mode | str = Mode.FORWARD,
    content_model: ContentModel | str = ContentModel.LENIENT,
    fmt: SchemaFormat | str = SchemaFormat.AUTO,
    assert_formats: bool = False,
    budget_s: float | None = None,
    refs: Mapping[str, Any] | None = None,
    dialect: str | None = None,
) -> Verdict:
    """Compare two schema documents (parsed JSON/YAML values).

    ``mode`` selects which outcome ``Verdict.compatible`` reports; every mode's outcome is in
    ``Verdict.verdicts`` (over a longer history, ``check_history``'s, only the transitive
    modes whose directions the requested mode needed). Raises ``SchemaError`` on invalid
    input. ``budget_s`` bounds the time spent: past it, what is not decided yet is
    ``undecided`` and ``Verdict.exhausted`` is true (a budget per call; concurrent calls in
    threads each have their own).
    ``refs`` holds the schemas remote ``$ref``s name, by absolute URI (never fetched).
    ``dialect`` (``draft-04``, ``draft-06``, ``draft-07``, ``2019-09``, ``2020-12``) is the
    JSON Schema draft of a document with no ``$schema`` (an asset's default); without it the
    draft is inferred from the keyword forms used.
    """
    return check_history(
        [old],
        new,
        mode=mode,
        content_model=content_model,
        fmt=fmt,
        assert_formats=assert_formats,
        budget_s=budget_s,
        refs=refs,
        dialect=dialect,
    )


def check_history(
    history: Sequence[Any],
    new: Any,
    *,
    mode: Mode | str = Mode.FORWARD,
    content_model: ContentModel | str = ContentModel.LENIENT,
    fmt: SchemaFormat | str = SchemaFormat.AUTO,
    assert_formats: bool = False,
    budget_s: float | None = None,
    refs: Mapping[str, Any] | None = None,
    dialect: str | None = None,
    every_mode: EveryMode = True,
) -> Verdict:
    """Compare ``new`` with every version of ``history`` (oldest first).

    Non-transitive modes use the last version of ``history``; transitive modes use them all.
    Changes are reported against the last version. ``budget_s`` as for ``check``. Any
    version (and ``new``) may be a ``Prepared`` one: parsed by the first check that uses it
    and reused by the next (what a server keeps for its stored versions). With
    ``every_mode=False`` only the directions ``mode`` needs are decided, and ``verdicts``
    holds only the modes they settle (``none`` always): what a caller that acts on one
    mode's outcome needs, without a witness search in a direction it does not ask about;
    with ``UNLESS_COMPATIBLE``, every mode as well when ``mode``'s is not compatible.
    """
    # Imported on first use: `accord.compat` is also imported for its table-schema
    # parser by code (data checks, the CLI) that never runs the engine.
    from accord.compat.engine import run

    return run(
        list(history),
        new,
        Mode(mode),
        ContentModel(content_model),
        SchemaFormat(fmt),
        assert_formats,
        budget_s,
        refs or {},
        dialect,
        every_mode,
    )


def validate_schema(
    doc: Any,
    fmt: SchemaFormat | str = SchemaFormat.AUTO,
    *,
    budget_s: float | None = None,
    refs: Mapping[str, Any] | None = None,
    dialect: str | None = None,
) -> None:
    """Raise ``SchemaError`` unless ``doc`` is a schema the engine can analyse.

    Unlike ``check`` (which parses only what differs between versions), this parses every
    sub-schema: use it before storing or publishing a schema. Past ``budget_s`` seconds it
    raises ``SchemaError`` (too complex to analyse within the budget).
    """
    validated_table(doc, fmt, budget_s=budget_s, refs=refs, dialect=dialect)


def validated_table(
    doc: Any,
    fmt: SchemaFormat | str = SchemaFormat.AUTO,
    *,
    budget_s: float | None = None,
    refs: Mapping[str, Any] | None = None,
    dialect: str | None = None,
) -> TableSchema | None:
    """`validate_schema`, also giving back what it parsed when ``doc`` is a table schema
    (None for a JSON Schema): `Prepared.from_table` keeps it for the check that follows, so
    a publish parses its candidate once."""
    from accord.compat.budget import BudgetExceeded, within
    from accord.compat.js.dialect import asset_default
    from accord.compat.js.document import Document

    kind = SchemaFormat(fmt)
    if kind is SchemaFormat.AUTO:
        kind = detect_format(doc)
    with within(budget_s):
        try:
            if kind is SchemaFormat.TABLE:
                return parse_table_schema(doc)
            else:
                default = asset_default(dialect)
                Document(doc, eager=True, refs=refs or {}, default_dialect=default)
        except BudgetExceeded as exc:
            raise SchemaError(f"schema too complex to analyse within {exc.seconds:g} s") from None
    return None
