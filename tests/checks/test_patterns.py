"""Regex-free pattern spellings (accord.checks.patterns): which patterns are lowered, and
that every lowered spelling answers exactly as DuckDB's RE2 ``regexp_matches`` does."""

from __future__ import annotations

import string
from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.checks.patterns import Glob, Separated, lower
from accord.checks.sql import Dialect

DUCK = Dialect("duckdb")


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def disagreements(
    con: duckdb.DuckDBPyConnection, pattern: str, texts: list[str | None]
) -> list[tuple[str | None, bool | None, bool | None]]:
    """Texts on which the lowered predicate and RE2 differ (NULL included)."""
    predicate = DUCK.matches("t", pattern)
    assert "regexp" not in predicate, f"{pattern!r} was not lowered"
    rows = con.execute(
        f"SELECT t, regexp_matches(t, ?) AS re2, {predicate} AS lowered "
        "FROM unnest(?::VARCHAR[]) AS u(t)",
        [pattern, texts],
    ).fetchall()
    return [row for row in rows if row[1] is not row[2]]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^ORD-[0-9]{8}$", Glob("ORD-" + "[0-9]" * 8)),
        ("^[A-Z]{3}$", Glob("[A-Z][A-Z][A-Z]")),
        (r"^\d{4}-\d{2}-\d{2}$", Glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]")),
        ("^ab[xy]", Glob("ab[xy]*")),
        (r"^[ab]\*\?\[$", Glob(r"[ab]\*\?\[")),
        ("^[a-c-]$", Glob("[a-c-]")),
        ("^[ab-]$", Glob("[ab-]")),
        ("^[^@]+@[^@]+$", Separated("_%@_%", "%@%@%", escape=False)),
        ("^[^/]*/[^/]+/[^/]*$", Separated("%/_%/%", "%/%/%/%", escape=False)),
        ("^[^%]+%[^%]+$", Separated(r"_%\%_%", r"%\%%\%%", escape=True)),
    ],
)
def test_shapes_that_are_lowered(pattern: str, expected: Glob | Separated) -> None:
    assert lower(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        "^ab$",  # plain text: DuckDB's optimizer handles it
        "^$",
        "ab[xy]",  # not anchored at the start: GLOB would backtrack
        "^[a-z]+$",  # open repetition of a class: no GLOB for it
        "^a.b$",  # '.' excludes a newline in RE2 only
        "^(ab){2}$",
        "^a|b$",
        "^[^a-z]{3}$",  # negated class outside the separator shape
        "^[a-z]{2,3}$",
        "^a{2}?$",  # lazy
        "^a**$",  # invalid in RE2: RE2 must report it
        "^[z-a]$",  # invalid range
        "^a{3,2}$",
        "^a{1001}$",
        "^a{$",
        "^a{,2}$",
        "^[]a]$",
        "^[[:alpha:]]$",
        "^[a-c-e]$",
        "^é{2}$",  # not ASCII: left to RE2
        r"^\p{L}$",
        r"^\bword$",
        "(?i)^abc$",
        "^[^@]+@[^#]+$",  # two separators
        "[^@]+@[^@]+",  # not anchored: a search, not a layout
        "^[^@]+@[^@]{2,}$",
        "^[^@]+@@[^@]+$",
        "^[!a]{2}$",  # '!' or '^' would change a GLOB class
        "^a$b",
        "a\\",
    ],
)
def test_other_patterns_keep_the_regex(pattern: str) -> None:
    assert lower(pattern) is None
    assert DUCK.matches("t", pattern).startswith("regexp_matches(")


def test_an_invalid_pattern_is_still_reported_by_the_engine(
    con: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(duckdb.InvalidInputException):
        con.execute(f"SELECT {DUCK.matches(literal_text('a'), '^[z-a]$')}").fetchall()


def literal_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


PRINTABLE = [chr(c) for c in range(1, 128)]


def test_every_ascii_character_as_a_literal(con: duckdb.DuckDBPyConnection) -> None:
    for char in PRINTABLE:
        escaped = "\\" + char if not char.isalnum() and char.isprintable() else char
        pattern = f"^[ab]{escaped}$"
        if lower(pattern) is None:
            assert not char.isprintable() or char == "\\"  # controls other than \t\n\r\f
            continue
        texts: list[str | None] = [f"a{c}" for c in [*PRINTABLE, "é", ""]]
        texts += [char, None]
        assert disagreements(con, pattern, texts) == [], repr(char)


@pytest.mark.parametrize("member", [c for c in string.punctuation if c not in "[]\\^"])
def test_every_punctuation_mark_in_a_class(con: duckdb.DuckDBPyConnection, member: str) -> None:
    texts: list[str | None] = [*PRINTABLE, "é", ""]
    for pattern in (f"^[a{member}]$", f"^[{member}b]$", f"^[\\{member}0-9]$"):
        if lower(pattern) is not None:
            assert disagreements(con, pattern, texts) == [], pattern


# Random patterns of the lowered shapes, and texts that are near them.
ALPHABET = "ab0-@%_*?[\\é\n \t\x0b\x0c"
_class_members = st.sets(st.sampled_from("abcxyz09-_.%*?@ "), min_size=2, max_size=5)


def _regex_char(char: str) -> str:
    return char if char.isalnum() or char in " é" else "\\" + char


@st.composite
def fixed_width_patterns(draw: st.DrawFn) -> str:
    items: list[str] = []
    kinds = [*draw(st.lists(st.booleans(), max_size=3)), False]  # False: a class
    for literal in draw(st.permutations(kinds)):
        if literal:
            atom = draw(st.sampled_from([*map(_regex_char, "ab0-@%_*?[\\ "), r"\d", r"\w", r"\s"]))
        else:
            atom = "[" + "".join(_regex_char(c) for c in sorted(draw(_class_members))) + "]"
        count = draw(st.integers(1, 3))
        items.append(atom if count == 1 else f"{atom}{{{count}}}")
    return "^" + "".join(items) + ("$" if draw(st.booleans()) else "")


@st.composite
def separator_patterns(draw: st.DrawFn) -> str:
    sep = _regex_char(draw(st.sampled_from("@%_/\\é ")))
    segments = [f"[^{sep}]" + draw(st.sampled_from("+*")) for _ in range(draw(st.integers(2, 4)))]
    return "^" + sep.join(segments) + "$"


def _texts(pattern: str) -> st.SearchStrategy[list[str | None]]:
    pieces = st.sampled_from([*ALPHABET, "é", "ab", "@@", "%%"])
    return st.lists(
        st.one_of(st.none(), st.lists(pieces, max_size=10).map("".join), st.just(pattern)),
        min_size=1,
        max_size=30,
    )


SHAPES = {
    "fixed width": (fixed_width_patterns(), Glob, False),
    "one separator": (separator_patterns(), Separated, True),
}


@pytest.mark.parametrize("shape", list(SHAPES))
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_lowered_spellings_agree_with_re2(
    con: duckdb.DuckDBPyConnection, shape: str, data: st.DataObject
) -> None:
    patterns, lowered_as, anchored = SHAPES[shape]
    pattern = data.draw(patterns)
    assert isinstance(lower(pattern), lowered_as), pattern
    matching = data.draw(st.lists(st.from_regex(pattern, fullmatch=anchored), max_size=10))
    texts = data.draw(_texts(pattern)) + matching
    assert disagreements(con, pattern, texts) == []
