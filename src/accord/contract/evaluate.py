"""Decide whether a candidate contract breaks the asset's policy (pure: no I/O).

Schema: the compatibility engine, against the latest stable version (or every earlier
version for a transitive policy), under the asset's content model. `undecided` counts as
breaking. Guarantees: a relaxation breaks consumers under any policy that protects
readers of new data (forward, full and their transitive variants).
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from accord.asset.policy import Compatibility, guards_consumers, is_transitive
from accord.compat import (
    Direction,
    EveryMode,
    Mode,
    Outcome,
    Prepared,
    SchemaError,
    TableSchema,
    check,
    check_history,
    validated_table,
)
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
    return _hashed(fmt, schema, guarantees, references)[0]


def _hashed(
    fmt: str, schema: Any, guarantees: dict[str, Any], references: Sequence[dict[str, Any]]
) -> tuple[str, int]:
    """`content_hash`, and the size of the canonical text it hashed."""
    doc: dict[str, Any] = {"format": fmt, "schema": schema, "guarantees": guarantees}
    if references:
        doc["references"] = sorted([r["name"], r["version_id"]] for r in references)
    text = canonical_json(doc)
    return hashlib.sha256(text).hexdigest(), len(text)


# Per process: the engine's worker processes each keep the versions they parsed.
_VERSIONS = VersionCache()


# The young generation's collection threshold in an engine process (Python's default is
# 700). A check allocates tens of thousands of short-lived objects while the kept versions
# are hundreds of thousands of long-lived ones: at the default, collections traversing them
# were about a third of a 50-column publish's check (3.5 ms, 2.3 ms at this threshold;
# issue 21). Reference counting still frees almost everything at once; only cycles wait.
GC_YOUNG_THRESHOLD = 50_000


def keep_versions(limit_bytes: int) -> None:
    """Bound this engine process's kept versions (``ACCORD_COMPAT_CACHE_MB``) and set its
    collector's thresholds; run as each worker starts."""
    _VERSIONS.limit = limit_bytes
    _VERSIONS.clear()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


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
    candidate_digest: str = "",
    candidate_size: int | None = None,
    candidate_table: TableSchema | None = None,
    every_mode: EveryMode = True,
) -> Evaluation:
    """`base` is the latest stable version; `history` every earlier version, oldest first.
    Past `budget_s` seconds the engine stops: what it could not decide is `undecided`,
    which the policy treats as breaking (so the change becomes a proposal). `dialect` and
    `annotations` are the asset's (`asset.policy.Annotations`). With `candidate_digest`
    (its content hash) the candidate's parse is kept like a stored version's: published,
    it is the next publish's base, and this process need not parse it again;
    `candidate_size` is its source size when known, `candidate_table` its parse when it
    is a table schema that was just validated (`compat.validated_table`). ``every_mode``
    is the engine's (`compat.check_history`): a publish passes ``UNLESS_COMPATIBLE``, so a
    compatible change costs no witness search in a direction the policy does not guard,
    and a breaking one still shows every mode in its proposal."""
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
    settings = (asserted, dialect)
    make = partial(_prepare, assert_formats=asserted, dialect=dialect)
    earlier = _VERSIONS.prepared(
        [(e.digest, e.format, e.source, e.refs) for e in compared or [base]], make, settings
    )
    new: Any = candidate.schema
    if candidate_digest:
        item = (candidate_digest, candidate.format, candidate.schema, candidate.refs or None)
        make_new: Callable[[str, Any, Any], Prepared] = make
        if candidate_table is not None:
            table = candidate_table

            def make_new(_fmt: str, doc: Any, _refs: Any) -> Prepared:
                return Prepared.from_table(doc, table, assert_formats=asserted, dialect=dialect)

        new = _VERSIONS.prepared([item], make_new, settings, candidate_size)[0]
    if any(c["breaking"] for c in g_changes):
        every_mode = True  # a proposal whatever the schema's verdict: it shows every mode
    result = check_history(
        earlier,
        new,
        mode=Mode(policy.value),
        content_model=content_model,
        fmt=candidate.format,
        budget_s=budget_s,
        assert_formats=asserted,
        dialect=dialect,
        refs=candidate.refs,
        every_mode=every_mode,
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


@dataclass(frozen=True)
class Assessment:
    """What one engine call decides about a publish's candidate (`assess_candidate`)."""

    digest: str  # its content hash ("" when it is invalid)
    invalid: SchemaError | None = None  # not a schema the engine can analyse
    # against the base; None: invalid, unchanged (the latest's digest) or a first version
    evaluation: Evaluation | None = None


def assess_candidate(
    policy: Compatibility,
    content_model: str,
    candidate: Candidate,
    latest_digest: str | None,
    base: Earlier | None,
    history: Sequence[Earlier],
    budget_s: float | None = None,
    *,
    dialect: str | None = None,
    annotations: str = "assert",
    every_mode: EveryMode = True,
) -> Assessment:
    """A publish's engine work in one call (one trip to an engine process instead of
    two, issue 21): validate the candidate, hash it and, unless it is the latest
    version's content or there is no base, `evaluate` it, keeping its parse. Validation
    and evaluation share ``budget_s``; ``every_mode`` as for `evaluate`."""
    started = time.monotonic()
    try:
        table = validated_table(
            candidate.schema, candidate.format, budget_s=budget_s, refs=candidate.refs,
            dialect=dialect,
        )  # fmt: skip
    except SchemaError as exc:
        return Assessment("", invalid=exc)
    digest, size = _hashed(
        candidate.format, candidate.schema, candidate.guarantees.to_json(), candidate.references
    )
    if base is None or digest == latest_digest:
        return Assessment(digest)
    left = None if budget_s is None else max(0.001, budget_s - (time.monotonic() - started))
    evaluation = evaluate(
        policy, content_model, base, history, candidate, left, dialect=dialect,
        annotations=annotations, candidate_digest=digest, candidate_size=size,
        candidate_table=table, every_mode=every_mode,
    )  # fmt: skip
    return Assessment(digest, evaluation=evaluation)


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
