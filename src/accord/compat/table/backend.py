"""The table format as an engine backend: rows via JSON Schema, keys and checks on top."""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import islice
from typing import Any

from accord.compat.js.decide import Decision, decide
from accord.compat.js.document import Document
from accord.compat.js.inclusion import Checker
from accord.compat.model import Change, Outcome
from accord.compat.table.checks import normalise, translate
from accord.compat.table.diff import table_changes
from accord.compat.table.rowschema import Role, rows_like, same_rows, spelled_rows
from accord.compat.table.schema import TableSchema, parse_table_schema


class _Rows:
    """A row document, as shared between versions (`ParsedTable.adopt`): spoiled, every
    holder builds its own again."""

    __slots__ = ("doc", "spoiled")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.spoiled = False


class ParsedTable:
    """A table schema with its row documents built once per role (transitive checks), or
    shared with another version whose rows in that role are the same (`adopt`)."""

    def __init__(self, table: TableSchema) -> None:
        self.table = table
        self._docs: dict[Role, _Rows] = {}

    def rows(self, role: Role, like: ParsedTable | None = None) -> Document:
        """The row schema of ``role`` as a parsed JSON Schema document (one for the roles
        whose rows are alike: a version's fresh rows are read by the next as a reader);
        ``like``'s, when it has it and the rows are the same."""
        role = rows_like(role)
        found = self._docs.get(role)
        if found is None or found.spoiled:
            if like is not None:
                self.adopt(like)
            found = self._docs.get(role)
            if found is None or found.spoiled:
                schema, texts = spelled_rows(self.table, role)
                found = self._docs[role] = _Rows(Document(schema, texts=texts))
        return found.doc

    def adopt(self, other: ParsedTable) -> None:
        """Share ``other``'s row documents of every role whose rows are the same here: a
        version that changes descriptions or tags only has its predecessor's rows, and
        its successor then builds none either. A document is a parse: sharing it shares
        its memos, which are keyed by content, and its filling (see `spoil`)."""
        for role, found in other._docs.items():
            mine = self._docs.get(role)
            if (
                (mine is None or mine.spoiled)
                and not found.spoiled
                and same_rows(self.table, other.table, role)
            ):
                self._docs[role] = found

    def spoil(self) -> None:
        """A check stopped while it may have been filling these documents (`Prepared`):
        no version that shares one may reason on it again."""
        for found in self._docs.values():
            found.spoiled = True


class TableBackend:
    """SQL reader semantics; see ``docs/compat.md``."""

    def parse(self, doc: Any, refs: Mapping[str, Any] | None = None) -> ParsedTable:
        """Validate and parse one table schema (raises ``SchemaError``; a table schema
        references nothing, so ``refs`` is unused)."""
        return ParsedTable(parse_table_schema(doc))

    def decide(
        self, writer: ParsedTable, reader: ParsedTable, lenient: bool, reader_is_new: bool
    ) -> Decision:
        """Can consumers on ``reader`` read every row stored under ``writer``?"""
        del lenient  # SQL readers select columns by name: rows are always read leniently
        w_role = Role.HISTORIC_WRITER if reader_is_new else Role.FRESH_WRITER
        r_role = Role.FILLING_READER if reader_is_new else Role.READER
        new, old = (reader, writer) if reader_is_new else (writer, reader)
        new.adopt(old)  # a version with its predecessor's rows builds none of its own
        w_rows = writer.rows(w_role, like=reader)
        rows = decide(w_rows, reader.rows(r_role, like=writer), True)
        reason = rows.reason.replace("property", "column")
        if rows.outcome is Outcome.INCOMPATIBLE:
            return Decision(rows.outcome, reason, [rows.witness], f"/0{rows.path}")
        keys = _keys(writer.table, reader.table, w_rows)
        if keys is not None:
            return keys
        if rows.outcome is Outcome.UNDECIDED:
            return Decision(rows.outcome, reason, None, f"/0{rows.path}")
        return _opaque(writer.table, reader.table) or rows

    def changes(self, old: ParsedTable, new: ParsedTable, lenient: bool) -> list[Change]:
        """Every difference from ``old`` to ``new``."""
        return table_changes(old.table, new.table)


def _keys(writer: TableSchema, reader: TableSchema, w_rows: Document) -> Decision | None:
    """Reader uniqueness must be implied by a writer key on a subset of its columns."""
    for key in reader.keys:
        if any(set(k) <= set(key) for k in writer.keys):
            continue
        pair = _duplicate_pair(writer, key, w_rows)
        reason = f"uniqueness of ({', '.join(key)}) is not guaranteed by the writer"
        if pair is None:
            return Decision(Outcome.UNDECIDED, reason + " (no witness found)")
        return Decision(Outcome.INCOMPATIBLE, reason, pair, "/1")
    return None


def _duplicate_pair(
    writer: TableSchema, key: tuple[str, ...], w_rows: Document
) -> list[dict[str, Any]] | None:
    """Two rows valid for the writer, distinct on its keys, equal on ``key``."""
    checker = Checker(False)
    root = (w_rows.root,)
    first = checker.sampler.first(root)
    if not isinstance(first, dict):
        return None
    second = dict(first)
    for wkey in writer.keys:
        # never empty: a writer key inside ``key`` already guarantees it (see ``_keys``)
        column = next(c for c in wkey if c not in key)
        node = w_rows.root.props[column]
        for value in islice(checker.values((node,)), 24):
            if value != first.get(column) and w_rows.valid(node, value):
                second[column] = value
                break
    if not w_rows.valid(w_rows.root, second) or any(
        all(first.get(c) == second.get(c) for c in k) for k in writer.keys
    ):
        return None
    return [first, second]


def _opaque(writer: TableSchema, reader: TableSchema) -> Decision | None:
    """New constraints the engine cannot analyse make the verdict undecided."""
    known = {normalise(c) for c in _all_checks(writer)}
    for check in _all_checks(reader):
        if translate(check) is None and normalise(check) not in known:
            return Decision(Outcome.UNDECIDED, f"CHECK ({check}) cannot be analysed")
    fks = {_fk_text(fk) for fk in writer.foreign_keys}
    for fk in reader.foreign_keys:
        if _fk_text(fk) not in fks:
            return Decision(Outcome.UNDECIDED, "foreign key added: rows may reference missing keys")
    if writer.name and reader.name and writer.name != reader.name:
        return Decision(Outcome.UNDECIDED, f"table renamed {writer.name!r} → {reader.name!r}")
    return None


def _all_checks(table: TableSchema) -> list[str]:
    return [*table.checks, *(c for col in table.columns for c in col.checks)]


def _fk_text(fk: Any) -> str:
    return json.dumps(fk, sort_keys=True)
