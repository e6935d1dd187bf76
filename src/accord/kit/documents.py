"""JSON and YAML documents from files: contracts, schemas, guarantees.

A file is JSON when its name ends in ``.json`` and YAML otherwise. YAML is read safely, with
LibYAML's parser when PyYAML has it (several times faster than pure Python), and without
implicit timestamps: a bare date stays the text it was written as, as it would in JSON.
Every failure is a `DocumentError` of one line that names the file and, for a syntax
error, where it is (line and column, counted from 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without LibYAML
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):
    """Safe YAML without implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class DocumentError(Exception):
    """The file cannot be read or is not valid JSON/YAML; the message says which and where."""


def read_document(path: Path, label: str | None = None) -> Any:
    """The parsed content of ``path``. ``label`` names the file in messages (the path by
    default), e.g. ``"schema file orders.yaml"``."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(f"cannot read {name}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError as exc:
        raise DocumentError(f"cannot read {name}: not UTF-8 text (byte {exc.start})") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        raise DocumentError(f"{name} is not valid JSON/YAML: {_syntax_error(exc)}") from None


def _syntax_error(exc: BaseException) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        what = exc.problem or exc.context or "cannot parse"
        mark = exc.problem_mark or exc.context_mark
        return f"{what} (line {mark.line + 1}, column {mark.column + 1})" if mark else what
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return (str(exc).splitlines() or [type(exc).__name__])[0]
