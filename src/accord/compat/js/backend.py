"""The JSON Schema format as an engine backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.compat.js.decide import Decision, decide
from accord.compat.js.dialect import Dialect
from accord.compat.js.diff import Differ
from accord.compat.js.document import Document
from accord.compat.js.inclusion import Checker
from accord.compat.model import Change

SHARED_MEMO_LIMIT = 200_000  # inclusion results one check's strict questions share


class JsonSchemaBackend:
    """Parses with ``Document``, decides with ``decide``, reports with ``Differ``."""

    def __init__(
        self, assert_formats: bool, refs: Mapping[str, Any], dialect: Dialect | None = None
    ) -> None:
        self.assert_formats = assert_formats
        self.refs = refs
        self.dialect = dialect
        self._checker: Checker | None = None

    def _strict(self) -> Checker:
        """One strict checker for every strict question of this check (the diff's
        directions re-ask what the decisions proved); a fresh one after a question ran out
        of steps, whose memo holds failures that are only "not proved in time", or once
        the memo is large (a long history's versions share little)."""
        ck = self._checker
        if ck is None or ck.budget < 0 or len(ck.memo) > SHARED_MEMO_LIMIT:
            ck = self._checker = Checker(False)
        ck.restart()
        return ck

    def parse(self, doc: Any, refs: Mapping[str, Any] | None = None) -> Document:
        """Normalise one schema (raises ``SchemaError``); ``refs``: its own remote
        references, instead of the check's."""
        return Document(
            doc,
            assert_formats=self.assert_formats,
            refs=self.refs if refs is None else refs,
            default_dialect=self.dialect,
        )

    def decide(
        self, writer: Document, reader: Document, lenient: bool, reader_is_new: bool
    ) -> Decision:
        """Can a reader on ``reader`` read every document written under ``writer``?"""
        del reader_is_new  # JSON documents carry no storage history
        return decide(writer, reader, lenient, None if lenient else self._strict())

    def changes(self, old: Document, new: Document, lenient: bool) -> list[Change]:
        """Every difference from ``old`` to ``new``."""
        differ = Differ(lenient, self.assert_formats, self._strict())
        differ.walk(old.root, new.root, "")
        return differ.changes
