"""Semantic Versioning 2.0.0: parsing, precedence, and simple version ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_SEMVER = re.compile(
    r"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


class InvalidVersionError(ValueError):
    """Not a Semantic Versioning 2.0.0 version."""


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: str | None = None

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _SEMVER.fullmatch(text) if len(text) <= 64 else None
        if match is None:
            raise InvalidVersionError(f"{text!r} is not a semantic version like 1.4.0")
        if match.group(5) is not None:
            raise InvalidVersionError("build metadata (+...) is not allowed in contract versions")
        major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
        return cls(major, minor, patch, match.group(4))

    @property
    def is_stable(self) -> bool:
        return self.prerelease is None

    def _pre_key(self) -> tuple[tuple[int, int | str], ...]:
        assert self.prerelease is not None
        return tuple(
            (0, int(part)) if part.isdigit() else (1, part) for part in self.prerelease.split(".")
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        core, other_core = (
            (self.major, self.minor, self.patch),
            (
                other.major,
                other.minor,
                other.patch,
            ),
        )
        if core != other_core:
            return core < other_core
        if self.prerelease == other.prerelease:
            return False
        if self.prerelease is None:
            return False
        if other.prerelease is None:
            return True
        return self._pre_key() < other._pre_key()

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return f"{base}-{self.prerelease}" if self.prerelease else base

    def next_major(self) -> Version:
        return Version(self.major + 1, 0, 0)

    def next_minor(self) -> Version:
        return Version(self.major, self.minor + 1, 0)

    def next_patch(self) -> Version:
        return Version(self.major, self.minor, self.patch + 1)


_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~)?(.+)$")


@dataclass(frozen=True)
class VersionRange:
    """Space-separated comparators, all of which must hold: `>=1.2.0 <2.0.0`, `^1.2.0`,
    `~1.2.0`, `=1.0.0` (or a bare version)."""

    text: str
    bounds: tuple[tuple[str, Version], ...]

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        parts = text.split()
        if not parts or len(parts) > 8:
            raise InvalidVersionError("a version range needs 1 to 8 comparators")
        bounds: list[tuple[str, Version]] = []
        for part in parts:
            match = _COMPARATOR.fullmatch(part)
            assert match is not None  # the pattern accepts any non-empty text
            op, version = match.group(1) or "=", Version.parse(match.group(2))
            if op == "^":
                upper = version.next_major() if version.major else Version(0, version.minor + 1, 0)
                bounds += [(">=", version), ("<", upper)]
            elif op == "~":
                bounds += [(">=", version), ("<", version.next_minor())]
            else:
                bounds.append((op, version))
        return cls(text, tuple(bounds))

    def contains(self, version: Version) -> bool:
        checks = {
            ">=": lambda v: version >= v,
            "<=": lambda v: version <= v,
            ">": lambda v: version > v,
            "<": lambda v: version < v,
            "=": lambda v: version == v,
        }
        return all(checks[op](v) for op, v in self.bounds)
