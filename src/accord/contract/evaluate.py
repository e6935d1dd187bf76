"""Decide whether a candidate contract breaks the asset's policy (pure: no I/O).

Schema: the compatibility engine, against the latest stable version (or every earlier
version for a transitive policy), under the asset's content model. `undecided` counts as
breaking. Guarantees: a relaxation breaks consumers under any policy that protects
readers of new data (forward, full and their transitive variants).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from accord.asset.policy import Compatibility, guards_consumers, is_transitive
from accord.compat import Direction, Mode, Outcome, Prepared, check, check_history
from accord.contract.version_cache import VersionCache
from accord.kit.canonical import canonical_json
from accord.spec import Guarantees, guarantee_changes, parse_guarantees

_BREAKING_DIRECTIONS: dict[str, frozenset[str]] = {
    "B": frozenset({Direction.TIGHTENS.value, Direction.BOTH.value}),
    "F": frozenset({Direction.RELAXES.value, Direction.BOTH.value}),
}


def content_hash(
    fmt: str,
    schema: Any,
    guarantees: dict[str, Any],
    references: Sequence[dict[str, Any]] = (),
) -> str:
    """Content address of a contract: identical content is the same version. The schema
    versions its references resolve to are part of it (without any, hashes are as before)."""
    doc: dict[str, Any] = {"format": fmt, "schema": schema, "guarantees": guarantees}
    if references:
        doc["references"] = sorted([r["name"], r["version_id"]] for r in references)
    return hashlib.sha256(canonical_json(doc)).hexdigest()


# Per process: the engine's worker processes each keep the versions they parsed.
_VERSIONS = VersionCache()


def keep_versions(limit_bytes: int) -> None:
    """Bound this engine process's kept versions (``ACCORD_COMPAT_CACHE_MB``; run as each
    worker starts)."""
    _VERSIONS.limit = limit_bytes
    _VERSIONS.clear()


def _prepare(
    fmt: str,
    schema: Any,
    refs: dict[str, Any] | None,
    *,
    assert_formats: bool,
    dialect: str | None,
) -> Prepared:
    doc = json.loads(schema) if isinstance(schema, str) else schema
    return Prepared(doc, fmt, assert_formats=assert_formats, dialect=dialect, refs=refs)


_ANNOTATION_KEYWORDS = ("/format", "/contentEncoding", "/contentMediaType")


def _annotation(path: str) -> bool:
    """A change to an annotation consumers act on (`format`, `content*`), by its path."""
    return path.endswith(_ANNOTATION_KEYWORDS)


@dataclass(frozen=True)
class Candidate:
    format: str
    schema: dict[str, Any]
    guarantees: Guarantees
    references: list[dict[str, Any]] = field(default_factory=list)  # stored form
    refs: dict[str, Any] = field(default_factory=dict)  # the schemas they reach, by name


@dataclass(frozen=True)
class Earlier:
    version: str
    format: str
    schema: dict[str, Any]
    guarantees: dict[str, Any]
    digest: str = ""  # the stored content hash: the key its parse is kept by ("" for none)
    refs: dict[str, Any] | None = None  # schemas its references reach (None: it has none)
    # the schema as stored JSON text, instead of `schema` (left empty): a history sent to
    # the engine is decoded only where its parse is not kept (`contract.service.history`)
    text: str | None = None

    @property
    def source(self) -> dict[str, Any] | str:
        return self.text if self.text is not None else self.schema


@dataclass
class Evaluation:
    breaking: bool
    verdict: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    guarantee_changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def breaking_changes(self) -> list[dict[str, Any]]:
        return [c for c in self.changes + self.guarantee_changes if c["breaking"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "breaking": self.breaking,
            **self.verdict,
            "changes": self.changes,
            "guarantee_changes": self.guarantee_changes,
        }


def _at(doc: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _required_names(doc: Any) -> set[str]:
    names = doc if isinstance(doc, list) else []
    return {n for n in names if isinstance(n, str)}


def _expand_required(change: dict[str, Any], old: Any, new: Any) -> list[dict[str, Any]]:
    """A change at `<ptr>/required` names no property in its path; point it at each
    property whose requiredness changed, so field-scoped registrations see it."""
    path = str(change["path"])
    if not path.endswith("/required"):
        return [change]
    old_req, new_req = _required_names(_at(old, path)), _required_names(_at(new, path))
    names = sorted(old_req ^ new_req)
    if not names:
        return [change]
    parent = path[: -len("/required")]
    return [
        {**change, "path": f"{parent}/properties/{n.replace('~', '~0').replace('/', '~1')}"}
        for n in names
    ]


def _breaking_sides(policy: Compatibility) -> set[str]:
    sides = set()
    if policy.value.startswith(("backward", "full")):
        sides.add("B")
    if policy.value.startswith(("forward", "full")):
        sides.add("F")
    return sides


def _is_breaking(direction: str, sides: set[str]) -> bool:
    return any(direction in _BREAKING_DIRECTIONS[s] for s in sides)


def evaluate(
    policy: Compatibility,
    content_model: str,
    base: Earlier,
    history: Sequence[Earlier],
    candidate: Candidate,
    budget_s: float | None = None,
    *,
    dialect: str | None = None,
    annotations: str = "assert",
) -> Evaluation:
    """`base` is the latest stable version; `history` every earlier version, oldest first.
    Past `budget_s` seconds the engine stops: what it could not decide is `undecided`,
    which the policy treats as breaking (so the change becomes a proposal). `dialect` and
    `annotations` are the asset's (`asset.policy.Annotations`)."""
    sides = _breaking_sides(policy)
    g_changes = [
        {
            "path": c.path,
            "kind": f"guarantee_{c.kind}",
            "direction": c.direction,
            "message": c.message,
            "breaking": guards_consumers(policy) and c.direction in ("relaxes", "both"),
        }
        for c in guarantee_changes(parse_guarantees(base.guarantees), candidate.guarantees)
    ]
    if base.format != candidate.format:
        change = {
            "path": "",
            "kind": "format_changed",
            "direction": Direction.BOTH.value,
            "message": f"schema format changed from {base.format} to {candidate.format}",
            "breaking": policy is not Compatibility.none,
        }
        verdict = {"compatible": policy is Compatibility.none, "verdicts": {}, "witnesses": []}
        return Evaluation(bool(change["breaking"]), verdict, [change], g_changes)
    compared = [e for e in history if e.format == candidate.format] if is_transitive(policy) else []
    asserted = annotations == "assert"
    earlier = _VERSIONS.prepared(
        [(e.digest, e.format, e.source, e.refs) for e in compared or [base]],
        partial(_prepare, assert_formats=asserted, dialect=dialect),
        (asserted, dialect),
    )
    result = check_history(
        earlier,
        candidate.schema,
        mode=Mode(policy.value),
        content_model=content_model,
        fmt=candidate.format,
        budget_s=budget_s,
        assert_formats=asserted,
        dialect=dialect,
        refs=candidate.refs,
    )
    schema_changes = [
        expanded
        for c in result.changes
        for expanded in _expand_required(
            {
                **c.to_dict(),
                "breaking": (asserted or not _annotation(c.path))
                and _is_breaking(c.direction.value, sides),
            },
            base.schema,
            candidate.schema,
        )
    ]
    verdict = result.to_dict()
    schema_breaking = result.outcome is not Outcome.COMPATIBLE
    if schema_breaking and not any(c["breaking"] for c in schema_changes):
        # The engine proved a break (e.g. against an older version) that no reported
        # change carries: record it against the whole record so every consumer is asked.
        schema_changes.append(
            {
                "path": "",
                "kind": "incompatible",
                "direction": Direction.BOTH.value,
                "message": result.verdicts[result.mode].reason or "incompatible",
                "breaking": True,
            }
        )
    breaking = schema_breaking or any(c["breaking"] for c in g_changes)
    return Evaluation(breaking, verdict, schema_changes, g_changes)


def _non_transitive(policy: Compatibility) -> str:
    value = policy.value.removesuffix("_transitive")
    return value if value != "none" else Mode.FORWARD.value


def compare(
    policy: Compatibility,
    content_model: str,
    old: Earlier,
    new: Earlier,
    budget_s: float | None = None,
    *,
    dialect: str | None = None,
    annotations: str = "assert",
) -> dict[str, Any]:
    """The engine's view of old -> new under the policy (non-transitive), for
    `GET /diff`. Raises ``SchemaError`` (stored versions were validated; kept total)."""
    mode = _non_transitive(policy)
    g_changes = [
        {"path": c.path, "kind": f"guarantee_{c.kind}", "direction": c.direction,
         "message": c.message}
        for c in guarantee_changes(
            parse_guarantees(old.guarantees), parse_guarantees(new.guarantees)
        )
    ]  # fmt: skip
    base = {
        "from_version": old.version,
        "to_version": new.version,
        "compatibility": mode,
        "guarantee_changes": g_changes,
    }
    if old.format != new.format:
        change = {
            "path": "",
            "kind": "format_changed",
            "direction": "both",
            "message": f"schema format changed from {old.format} to {new.format}",
        }
        return {**base, "compatible": False, "verdicts": {}, "changes": [change], "witnesses": []}
    data = check(
        Prepared(old.schema, new.format, refs=old.refs),
        new.schema,
        refs=new.refs,
        mode=mode,
        content_model=content_model,
        fmt=new.format,
        budget_s=budget_s,
        assert_formats=annotations == "assert",
        dialect=dialect,
    ).to_dict()
    return {
        **base,
        "compatible": data["compatible"],
        "verdicts": data["verdicts"],
        "changes": data["changes"],
        "witnesses": data["witnesses"],
    }
