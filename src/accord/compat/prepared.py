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

from collections.abc import Mapping
from typing import Any

from accord.compat.model import SchemaFormat, detect_format


class Prepared:
    """One schema document with its parse, for one format and one set of settings."""

    __slots__ = ("assert_formats", "dialect", "doc", "fmt", "parsed", "refs")

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
        self.refs = refs or {}
        self.dialect = dialect
        self.parsed: Any = None  # the backend's parse, made by the first check that uses it

    def fits(
        self,
        fmt: SchemaFormat,
        assert_formats: bool,
        refs: Mapping[str, Any],
        dialect: str | None,
    ) -> bool:
        """Its parse can serve a check with these settings."""
        return (
            self.fmt is fmt
            and self.assert_formats == assert_formats
            and self.dialect == dialect
            and (self.refs is refs or self.refs == refs)
        )

    def spoil(self) -> None:
        """Forget the parse (a check stopped while it was filling)."""
        self.parsed = None


def raw(doc: Any) -> Any:
    """The document itself, prepared or not."""
    return doc.doc if isinstance(doc, Prepared) else doc
