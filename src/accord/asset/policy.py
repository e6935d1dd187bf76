"""Compatibility policies, and what makes one looser than another.

A policy protects some readers: `backward` protects new readers of old data (B),
`forward` old readers of new data (F), `full` both; `_transitive` extends that to every
earlier version. A change of policy is *looser* when the new policy drops any protection
the old one gave; loosening is admin-only (product invariant 2).
"""

from __future__ import annotations

from enum import StrEnum


class Compatibility(StrEnum):
    backward = "backward"
    forward = "forward"
    full = "full"
    backward_transitive = "backward_transitive"
    forward_transitive = "forward_transitive"
    full_transitive = "full_transitive"
    none = "none"


class ContentModel(StrEnum):
    strict = "strict"
    lenient = "lenient"


class Annotations(StrEnum):
    """How JSON Schema's `format`, `contentEncoding` and `contentMediaType` count.

    `assert`: they are part of the contract (consumers parse dates and decode base64 by
    them); a change that lets values stop conforming breaks, with a witness a
    format-asserting validator confirms. `annotate`: reported, never breaking."""

    assert_ = "assert"
    annotate = "annotate"


_PROTECTS: dict[Compatibility, frozenset[str]] = {
    Compatibility.none: frozenset(),
    Compatibility.backward: frozenset({"B"}),
    Compatibility.forward: frozenset({"F"}),
    Compatibility.full: frozenset({"B", "F"}),
    Compatibility.backward_transitive: frozenset({"B", "B*"}),
    Compatibility.forward_transitive: frozenset({"F", "F*"}),
    Compatibility.full_transitive: frozenset({"B", "F", "B*", "F*"}),
}


def protections(policy: Compatibility) -> frozenset[str]:
    return _PROTECTS[policy]


def is_transitive(policy: Compatibility) -> bool:
    return policy.value.endswith("_transitive")


def is_looser(old: Compatibility, new: Compatibility) -> bool:
    return not _PROTECTS[new] >= _PROTECTS[old]


def is_looser_content_model(old: ContentModel, new: ContentModel) -> bool:
    # Strict reads open objects as possibly holding anything, so it flags more breaks.
    return old is ContentModel.strict and new is ContentModel.lenient


def is_looser_annotations(old: Annotations, new: Annotations) -> bool:
    return old is Annotations.assert_ and new is Annotations.annotate


def guards_consumers(policy: Compatibility) -> bool:
    """Does the policy protect readers of new data (so guarantee relaxations break them)?"""
    return "F" in _PROTECTS[policy]
