"""JSON and YAML documents from files: contracts, schemas, guarantees.

A file is JSON when its name ends in ``.json`` and YAML otherwise. YAML is read safely, with
LibYAML's parser when PyYAML has it (several times faster than pure Python), and without
implicit timestamps: a bare date stays the text it was written as, as it would in JSON.
A YAML document must hold only what JSON can (`json_problem`), and a JSON one only
what a document can (no ``inf`` from ``1e400``, no half surrogate pair:
`kit.jsondepth.strict_loads`). Every failure is a
`DocumentError` of one line that names the file and where the fault is: line and column
(counted from 1) for a syntax error, the dotted path for a value.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accord.kit.jsondepth import UnheldValue, strict_loads

if TYPE_CHECKING:
    import yaml

MAX_DEPTH = 1000  # CPython's json module gives up at about the same depth
MAX_VALUES = 1_000_000


class DocumentError(Exception):
    """The file cannot be read or is not valid JSON/YAML; the message says which and where."""


def read_document(path: Path, label: str | None = None) -> Any:
    """The parsed content of ``path``. ``label`` names the file in messages (the path by
    default), e.g. ``"schema file orders.yaml"``."""
    name = label or str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise DocumentError(f"cannot read {name}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError as exc:
        raise DocumentError(f"cannot read {name}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            return strict_loads(raw)
        except UnheldValue as exc:  # read by Python, held by no JSON document
            raise DocumentError(f"{name} is not valid JSON/YAML: it holds {exc}") from None
        except (ValueError, RecursionError) as exc:
            raise DocumentError(f"{name} is not valid JSON/YAML: {_syntax_error(exc)}") from None
    import yaml  # here, not at the top: ~10 ms that every `accord` run reading JSON saves

    try:
        doc = yaml.load(text, Loader=_loader())  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        raise DocumentError(f"{name} is not valid JSON/YAML: {_marked_error(exc)}") from None
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        raise DocumentError(f"{name} is not valid JSON/YAML: {_syntax_error(exc)}") from None
    problem = json_problem(doc)
    if problem is not None:
        where, what = problem
        raise DocumentError(f"{name}: {what} (at {where})")
    return doc


@cache
def _loader() -> type[Any]:
    """Safe YAML without implicit timestamps, with LibYAML's parser when there is one."""
    import yaml

    try:
        from yaml import CSafeLoader as safe_loader
    except ImportError:  # pragma: no cover - PyYAML built without LibYAML
        from yaml import SafeLoader as safe_loader  # type: ignore[assignment]

    class Loader(safe_loader):
        """Safe YAML without implicit timestamps."""

    Loader.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def json_problem(doc: Any) -> tuple[str, str] | None:
    """Where (a dotted path, ``/`` for the root) and why ``doc`` is not a JSON document, or
    None. YAML can say more than JSON: binary values, sets, non-string keys, and through
    anchors and aliases shared, even cyclic, structure that every later walk would expand.
    So the values are counted as JSON would spell them out, at most `MAX_VALUES`, at most
    `MAX_DEPTH` deep. Iterative: depth costs no stack."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    count = 0
    while stack:
        path, value = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return _dotted(path[:1]), f"more than {MAX_VALUES:,} values (each alias counted)"
        if len(path) > MAX_DEPTH:
            return _dotted(path[:1]), f"nesting deeper than {MAX_DEPTH} levels"
        if isinstance(value, float) and not math.isfinite(value):
            return _dotted(path), f"{_spelled(value)} is not a JSON number"
        if value is None or isinstance(value, str | int | float):  # bool is an int
            continue
        if isinstance(value, list):
            items: list[tuple[Any, Any]] = list(enumerate(value))
        elif isinstance(value, dict):
            items = list(value.items())
            for key, _item in items:
                if not isinstance(key, str):
                    return _dotted(
                        (*path, key)
                    ), f"the {type(key).__name__} key {key!r} is not JSON"
        else:
            return _dotted(path), f"a {type(value).__name__} value is not JSON"
        stack.extend(((*path, key), item) for key, item in reversed(items))
    return None


def _spelled(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "/"


def _marked_error(exc: yaml.MarkedYAMLError) -> str:
    what = exc.problem or exc.context or "cannot parse"
    mark = exc.problem_mark or exc.context_mark
    return f"{what} (line {mark.line + 1}, column {mark.column + 1})" if mark else what


def _syntax_error(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return (str(exc).splitlines() or [type(exc).__name__])[0]
