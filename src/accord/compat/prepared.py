"""A schema parsed once and reused by many checks (a server's cache of stored versions).

A transitive check compares a candidate with every earlier version. Parsing those versions,
and making the per-property texts that let unchanged properties be skipped by set algebra,
costs more than deciding them; a ``Prepared`` version keeps both between checks, so a check
against a thousand cached versions pays only for what differs.

A ``Prepared`` is mutable (its document fills lazily) and used by one check at a time: hand
each thread or process its own. A check that ends in an exception or runs out of its budget
may have stopped in the middle of parsing it: the check then drops the parse
(``spoil``) and the next one starts afresh, so a half-built document is never reasoned on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from accord.compat.model import SchemaFormat, detect_format

# The parse of a document that references nothing: it serves a check whatever its references.
_ANY_REFS: Mapping[str, Any] = {}


class Prepared:
    """One schema document with its parse, for one format and one set of settings."""

    __slots__ = ("assert_formats", "dialect", "doc", "fmt", "parsed", "parsed_refs", "refs")

    def __init__(
        self,
        doc: Any,
        fmt: SchemaFormat | str = SchemaFormat.AUTO,
        *,
        assert_formats: bool = False,
        refs: Mapping[str, Any] | None = None,
        dialect: str | None = None,
    ) -> None:
        kind = SchemaFormat(fmt)
        self.doc = doc
        self.fmt = detect_format(doc) if kind is SchemaFormat.AUTO else kind
        self.assert_formats = assert_formats
        # its own references (a stored version's); None: those of the check it is in
        self.refs = refs
        self.dialect = dialect
        self.parsed: Any = None  # the backend's parse, made by the first check that uses it
        self.parsed_refs: Mapping[str, Any] | None = None  # what that parse resolved through

    @classmethod
    def from_table(
        cls,
        doc: Any,
        table: Any,
        *,
        assert_formats: bool = False,
        dialect: str | None = None,
    ) -> Prepared:
        """``doc``, a table schema, with ``table``: its parse by ``validated_table`` (a
        table references nothing, so the parse serves a check whatever its references)."""
        from accord.compat.table.backend import ParsedTable

        prepared = cls(doc, SchemaFormat.TABLE, assert_formats=assert_formats, dialect=dialect)
        prepared.parsed = ParsedTable(table)
        prepared.parsed_refs = _ANY_REFS
        return prepared

    def fits(self, fmt: SchemaFormat, assert_formats: bool, dialect: str | None) -> bool:
        """It can serve a check with these settings."""
        return self.fmt is fmt and self.assert_formats == assert_formats and self.dialect == dialect

    def references(self, call: Mapping[str, Any]) -> Mapping[str, Any]:
        """What its remote ``$ref``s resolve through in a check given ``call``'s."""
        return call if self.refs is None else self.refs

    def parse_for(
        self, refs: Mapping[str, Any], parse: Callable[[Any, Mapping[str, Any]], Any]
    ) -> Any:
        """Its parse with these references, made (or made again) when needed."""
        if self.parsed is None or not (
            self.parsed_refs is _ANY_REFS or self.parsed_refs is refs or self.parsed_refs == refs
        ):
            self.parsed = parse(self.doc, refs)
            self.parsed_refs = refs
        return self.parsed

    def spoil(self) -> None:
        """Forget the parse (a check stopped while it was filling), and spoil what of it
        other parses share (a table's row documents: `table.backend.ParsedTable`)."""
        spoil_shared = getattr(self.parsed, "spoil", None)
        if spoil_shared is not None:
            spoil_shared()
        self.parsed = None
        self.parsed_refs = None
