"""Result types of a compatibility check: modes, outcomes, changes, witnesses, verdicts."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


class Mode(enum.StrEnum):
    """Compatibility mode, with Confluent's meaning.

    ``backward``: readers on the new schema read data written under the old one.
    ``forward``: readers on the old schema read data written under the new one.
    ``full``: both. ``none``: no check. ``*_transitive``: against every earlier version.
    """

    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"
    NONE = "none"
    BACKWARD_TRANSITIVE = "backward_transitive"
    FORWARD_TRANSITIVE = "forward_transitive"
    FULL_TRANSITIVE = "full_transitive"


class Outcome(enum.StrEnum):
    """Verdict for one mode. ``undecided`` must be treated as breaking by policies."""

    COMPATIBLE = "compatible"
    INCOMPATIBLE = "incompatible"
    UNDECIDED = "undecided"


class Direction(enum.StrEnum):
    """What a change does to the set of valid documents (old → new).

    ``tightens``: the new schema accepts less (breaks backward).
    ``relaxes``: the new schema accepts more (breaks forward).
    ``both``: neither set contains the other. ``neutral``: the set is unchanged.
    """

    TIGHTENS = "tightens"
    RELAXES = "relaxes"
    BOTH = "both"
    NEUTRAL = "neutral"


class ContentModel(enum.StrEnum):
    """How undeclared object properties are read.

    ``strict``: exact JSON Schema semantics (an open object may already hold any property).
    ``lenient``: producers emit only declared properties; consumers ignore undeclared ones.
    """

    STRICT = "strict"
    LENIENT = "lenient"


class SchemaFormat(enum.StrEnum):
    """Kind of schema document."""

    AUTO = "auto"
    JSONSCHEMA = "jsonschema"
    TABLE = "table"


class SchemaDialect(enum.StrEnum):
    """A JSON Schema draft, as a default for documents with no ``$schema``."""

    DRAFT4 = "draft-04"
    DRAFT6 = "draft-06"
    DRAFT7 = "draft-07"
    DRAFT2019 = "2019-09"
    DRAFT2020 = "2020-12"


@dataclass(frozen=True)
class Change:
    """One difference between two schemas.

    ``path`` is a JSON pointer into the schema (JSON Schema) or a dotted column path
    (table schema); ``kind`` is a stable snake_case name documented in ``docs/compat.md``.
    """

    path: str
    kind: str
    direction: Direction
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON form used by ``--json`` and the API."""
        return {
            "path": self.path,
            "kind": self.kind,
            "direction": self.direction.value,
            "message": self.message,
        }


@dataclass(frozen=True)
class Witness:
    """A document (or list of rows) valid under one schema and invalid under the other.

    ``valid_under`` is ``"old"`` or ``"new"``; ``path`` points into the document at the value
    that makes the difference; ``version`` is the index, in the history given, of the earlier
    version it was found against (0 for a plain two-schema check).
    """

    document: Any
    valid_under: str
    path: str
    mode: Mode
    version: int = 0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form used by ``--json`` and the API."""
        return {
            "document": self.document,
            "valid_under": self.valid_under,
            "path": self.path,
            "mode": self.mode.value,
            "version": self.version,
            "message": self.message,
        }


@dataclass(frozen=True)
class ModeVerdict:
    """Outcome of one mode, with the reason when it is not ``compatible``."""

    outcome: Outcome
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON form used by ``--json`` and the API."""
        return {"outcome": self.outcome.value, "reason": self.reason}


@dataclass(frozen=True)
class Verdict:
    """Full result of a check: one outcome per mode, the changes and the witnesses.

    ``exhausted``: the call ran out of its time budget (``budget_s``); every decision it had
    not made is ``undecided`` with that reason, and the changes may be incomplete.
    """

    mode: Mode
    content_model: ContentModel
    format: SchemaFormat
    verdicts: Mapping[Mode, ModeVerdict]
    changes: tuple[Change, ...] = ()
    witnesses: tuple[Witness, ...] = field(default=())
    exhausted: bool = False

    @property
    def outcome(self) -> Outcome:
        """Outcome of the requested mode."""
        return self.verdicts[self.mode].outcome

    @property
    def compatible(self) -> bool:
        """True only when the requested mode is provably compatible."""
        return self.outcome is Outcome.COMPATIBLE

    def to_dict(self) -> dict[str, Any]:
        """Exactly the object ``accord compat check --json`` prints."""
        return {
            "compatible": self.compatible,
            "mode": self.mode.value,
            "content_model": self.content_model.value,
            "format": self.format.value,
            "verdicts": {m.value: v.to_dict() for m, v in self.verdicts.items()},
            "changes": [c.to_dict() for c in self.changes],
            "witnesses": [w.to_dict() for w in self.witnesses],
            "exhausted": self.exhausted,
        }


def detect_format(doc: Any) -> SchemaFormat:
    """A document with a top-level ``columns`` list is a table schema, else JSON Schema."""
    if isinstance(doc, dict) and isinstance(doc.get("columns"), list):
        return SchemaFormat.TABLE
    return SchemaFormat.JSONSCHEMA


# `check_history`'s ``every_mode``: True, every mode; False, only the modes the asked
# one's directions settle; UNLESS_COMPATIBLE, those first, and every mode when the asked
# mode's outcome is not compatible (what a publish needs: a proposal shows every mode).
UNLESS_COMPATIBLE: Literal["unless_compatible"] = "unless_compatible"
EveryMode = bool | Literal["unless_compatible"]
