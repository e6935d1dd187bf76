"""Witness support: the lenient reader's view of a document, and witness search."""

from __future__ import annotations

from typing import Any

from accord.compat.js.flat import ObjPart, flatten
from accord.compat.js.node import Node
from accord.compat.js.patterns import matches
from accord.compat.js.values import item_nodes


def strip(value: Any, nodes: tuple[Node, ...], depth: int = 0) -> Any:
    """``value`` as a lenient reader on ``nodes`` sees it: undeclared properties dropped.

    A property is declared when some conjunct (or a direct ``anyOf``/``oneOf`` branch) names
    it in ``properties`` or ``required``, matches it with ``patternProperties``, or governs it
    with an explicit catch-all ``additionalProperties`` schema.
    """
    if depth > 64 or not isinstance(value, dict | list):
        return value
    flat = flatten(nodes)
    if isinstance(value, list):
        out_items = []
        for index, item in enumerate(value):
            governing = item_nodes(flat, index)
            out_items.append(strip(item, governing, depth + 1) if governing else item)
        return out_items
    parts = list(flat.obj_parts)
    required = set(flat.required)
    for _, group in flat.any_of + flat.one_of:
        for branch in group:
            inner_flat = flatten((branch,))
            parts.extend(inner_flat.obj_parts)
            required |= inner_flat.required
    catch_all = any(p.additional is not None and p.additional.always is None for p in parts)
    out: dict[str, Any] = {}
    for name, item in value.items():
        if not isinstance(item, dict | list):  # kept as it is if declared: parse nothing
            declared = catch_all or name in required or any(name in p.props for p in parts)
            if declared or _matched(parts, name):
                out[name] = item
            continue
        governing_nodes = [p.props[name] for p in parts if name in p.props]
        matched = [s for p in parts for pat, s in p.patterns if matches(pat, name)]
        if governing_nodes or matched or catch_all or name in required:
            inner = tuple(governing_nodes + matched)
            out[name] = strip(item, inner, depth + 1) if inner else item
    return out


def _matched(parts: list[ObjPart], name: str) -> bool:
    return any(matches(pat, name) for p in parts for pat, _ in p.patterns)
