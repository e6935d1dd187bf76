"""Reading schema and guarantee files (JSON or YAML) for publish and check."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from accord.cli.client._common import InputError
from accord.sdk import SchemaFormat


class FormatChoice(StrEnum):
    """``--format``: ``auto`` picks ``table`` for a top-level ``columns`` list."""

    auto = "auto"
    jsonschema = "jsonschema"
    table = "table"


def load_document(path: Path, what: str) -> dict[str, Any]:
    """A JSON or YAML object from ``path`` (YAML unless the suffix is ``.json``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise InputError(f"cannot read {what} file {path}: {reason}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{what} file {path} is not valid JSON/YAML: {first}") from None
    if not isinstance(data, dict):
        raise InputError(f"{what} file {path} must hold an object, not {type(data).__name__}")
    # YAML turns bare dates into date objects; the API speaks JSON, so send them as text.
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


def detect_format(document: dict[str, Any], choice: FormatChoice) -> SchemaFormat:
    """The format to send: the one asked for, or guessed from the document's shape."""
    if choice is FormatChoice.table:
        return "table"
    if choice is FormatChoice.jsonschema:
        return "jsonschema"
    return "table" if isinstance(document.get("columns"), list) else "jsonschema"
