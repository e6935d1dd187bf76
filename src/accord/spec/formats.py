"""Which schema format a document is written in, decided one way everywhere.

The CLI, the SDK and the API all call :func:`detect_format` when the caller names no
format, so one contract file publishes the same way through each of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

SchemaFormatName = Literal["jsonschema", "table"]


def detect_format(document: Mapping[str, Any]) -> SchemaFormatName:
    """``table`` for a document with a top-level ``columns`` list, else ``jsonschema``."""
    return "table" if isinstance(document.get("columns"), list) else "jsonschema"
