"""Reading schema and guarantee files (JSON or YAML) for publish and check."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from accord.cli.client._common import InputError
from accord.kit.documents import DocumentError, read_document
from accord.sdk import SchemaFormat


class FormatChoice(StrEnum):
    """``--format``: ``auto`` picks ``table`` for a top-level ``columns`` list."""

    auto = "auto"
    jsonschema = "jsonschema"
    table = "table"


def load_document(path: Path, what: str) -> dict[str, Any]:
    """A JSON or YAML object from ``path`` (YAML unless the suffix is ``.json``)."""
    try:
        data = read_document(path, f"{what} file {path}")
    except DocumentError as exc:
        raise InputError(str(exc)) from None
    if not isinstance(data, dict):
        raise InputError(f"{what} file {path} must hold an object, not {type(data).__name__}")
    return data  # JSON values only (read_document refuses the rest)


def detect_format(document: dict[str, Any], choice: FormatChoice) -> SchemaFormat:
    """The format to send: the one asked for, or guessed from the document's shape."""
    if choice is FormatChoice.table:
        return "table"
    if choice is FormatChoice.jsonschema:
        return "jsonschema"
    return "table" if isinstance(document.get("columns"), list) else "jsonschema"
