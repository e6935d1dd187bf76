"""Independent witness checks with the real validator (python-jsonschema)."""

from __future__ import annotations

from typing import Any

from jsonschema.validators import validator_for

from accord.compat import Mode, Outcome, Verdict, parse_table_schema
from accord.compat.js.dialect import detect
from accord.compat.js.document import Document
from accord.compat.js.real import _VALIDATORS, format_checker
from accord.compat.js.witness import strip
from accord.compat.table.rowschema import Role, table_json_schema


def _valid(schema: Any, doc: Any, assert_formats: bool) -> bool:
    # no (or a version-less) $schema: the dialect the engine infers from the keywords
    cls = validator_for(schema, default=_VALIDATORS[detect(schema)])
    checker = format_checker(detect(schema)) if assert_formats else None
    return bool(cls(schema, format_checker=checker).is_valid(doc))


def _json_pair(case: dict[str, Any], writer: Any, reader: Any, doc: Any) -> None:
    formats = case.get("assert_formats", False)
    assert _valid(writer, doc, formats), (doc, "must be valid under the writer")
    if case.get("content_model", "strict") == "lenient":
        assert strip(doc, (Document(writer).root,)) == doc, "lenient writers emit declared only"
        doc = strip(doc, (Document(reader).root,))
    assert not _valid(reader, doc, formats), (doc, "must be invalid under the reader")


def _table_pair(writer_doc: Any, reader_doc: Any, rows: Any, reader_is_new: bool) -> None:
    writer, reader = parse_table_schema(writer_doc), parse_table_schema(reader_doc)
    w_role = Role.HISTORIC_WRITER if reader_is_new else Role.FRESH_WRITER
    r_role = Role.FILLING_READER if reader_is_new else Role.READER
    assert _valid(table_json_schema(writer, w_role), rows, False), rows
    for key in writer.keys:
        projections = [tuple(r.get(c) for c in key) for r in rows]
        assert len(set(projections)) == len(projections), ("writer key violated", rows)
    row_ok = _valid(table_json_schema(reader, r_role), rows, False)
    key_ok = all(
        len({tuple(r.get(c) for c in key) for r in rows}) == len(rows) for key in reader.keys
    )
    assert not (row_ok and key_ok), (rows, "must be invalid for the reader")


def assert_witnesses(case: dict[str, Any], verdict: Verdict) -> None:
    """Each incompatible direction has a witness, valid for the writer, invalid for the reader."""
    for mode, under in ((Mode.BACKWARD, "old"), (Mode.FORWARD, "new")):
        outcome = verdict.verdicts[mode].outcome
        found = [w for w in verdict.witnesses if w.mode is mode]
        if outcome is not Outcome.INCOMPATIBLE:
            assert not found
            continue
        assert found, f"{mode.value}: incompatible without a witness"
        witness = found[0]
        assert witness.valid_under == under
        writer, reader = (
            (case["old"], case["new"]) if under == "old" else (case["new"], case["old"])
        )
        if verdict.format.value == "table":
            _table_pair(writer, reader, witness.document, reader_is_new=under == "old")
        else:
            _json_pair(case, writer, reader, witness.document)
