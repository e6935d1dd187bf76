"""Pattern checks: guarantees hold ECMA-262 patterns, which DuckDB runs in their RE2
spelling and PostgreSQL in their ARE spelling (accord.kit.regex); common shapes are lowered
to regex-free spellings (accord.checks.patterns), and every lowered spelling answers exactly
as DuckDB's RE2 ``regexp_matches`` does on the RE2 spelling."""

from __future__ import annotations

import string
from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.checks.patterns import Glob, Separated, lower
from accord.checks.sql import Dialect
from accord.kit.regex import InvalidPattern, UnsupportedPattern, translate
from tests.checks.conftest import ENGINES, Checker, Table, result

DUCK = Dialect("duckdb")
PG = Dialect("postgres")


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
        [translate(pattern), texts],
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
    assert lower(translate(pattern)) == expected  # the RE2 spelling keeps the shape


def test_translation_can_make_a_shape_lowerable() -> None:
    # ECMA reads the trailing '-' as a literal: the spelling says so unambiguously
    assert translate("^[a-c-e]$") == "^[\\-a-ce]$"
    assert DUCK.matches("t", "^[a-c-e]$") == "(t GLOB '[a-ce-]')"


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
        "^a{1001}$",
        "^a{$",  # ECMA (Annex B): a literal brace
        "^a{,2}$",
        "^[]a]$",  # ECMA: an empty class, then 'a]'
        "^[[:alpha:]]$",  # ECMA: no POSIX classes
        "^é{2}$",  # not ASCII: left to RE2
        r"^\p{L}$",
        r"^\bword$",
        r"^\s{2}$",  # ECMA white space is Unicode
        "^[^@]+@[^#]+$",  # two separators
        "[^@]+@[^@]+",  # not anchored: a search, not a layout
        "^[^@]+@[^@]{2,}$",
        "^[^@]+@@[^@]+$",
        "^[!a]{2}$",  # '!' or '^' would change a GLOB class
        "^a$b",
    ],
)
def test_other_patterns_keep_the_regex(pattern: str) -> None:
    assert lower(translate(pattern)) is None
    assert DUCK.matches("t", pattern).startswith("regexp_matches(")


@pytest.mark.parametrize(
    "pattern", ["^a**$", "^[z-a]$", "^a{3,2}$", "(?i)^abc$", "a\\", "(?P<n>a)", r"\q"]
)
def test_invalid_patterns_are_refused_before_the_engine(pattern: str) -> None:
    for dialect in (DUCK, PG):
        with pytest.raises(InvalidPattern):
            dialect.matches("t", pattern)


@pytest.mark.parametrize(("pattern", "engines"), [("(?=a)", (DUCK, PG)), (r"\p{L}", (PG,))])
def test_patterns_an_engine_cannot_run_are_refused(pattern: str, engines: tuple[Dialect]) -> None:
    for dialect in engines:
        with pytest.raises(UnsupportedPattern):
            dialect.matches("t", pattern)


def literal_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


PRINTABLE = [chr(c) for c in range(1, 128)]


def test_every_ascii_character_as_a_literal(con: duckdb.DuckDBPyConnection) -> None:
    for char in PRINTABLE:
        escaped = "\\" + char if not char.isalnum() and char.isprintable() else char
        pattern = f"^[ab]{escaped}$"
        if lower(translate(pattern)) is None:
            assert char == "\\"  # GLOB has no escape for a backslash
            continue
        texts: list[str | None] = [f"a{c}" for c in [*PRINTABLE, "é", ""]]
        texts += [char, None]
        assert disagreements(con, pattern, texts) == [], repr(char)


@pytest.mark.parametrize("member", [c for c in string.punctuation if c not in "[]\\^"])
def test_every_punctuation_mark_in_a_class(con: duckdb.DuckDBPyConnection, member: str) -> None:
    texts: list[str | None] = [*PRINTABLE, "é", ""]
    for pattern in (f"^[a{member}]$", f"^[{member}b]$", f"^[\\{member}0-9]$"):
        if lower(translate(pattern)) is not None:
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
            atom = draw(st.sampled_from([*map(_regex_char, "ab0-@%_*?[\\ "), r"\d", r"\w"]))
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
    assert isinstance(lower(translate(pattern)), lowered_as), pattern
    matching = data.draw(st.lists(st.from_regex(pattern, fullmatch=anchored), max_size=10))
    texts = data.draw(_texts(pattern)) + matching
    assert disagreements(con, pattern, texts) == []


# ECMA-262 meaning on every engine: each pattern with values it accepts and values it
# refuses (where Python's re, PostgreSQL's ARE or RE2 would read it differently).
ECMA_CHECKS = [
    (  # named groups; \d is ASCII; $ is the end of the input only
        r"^(?<year>\d{4})-(?<month>\d{2})$",
        ["2024-01", "1999-12"],
        ["2024-1", "\u0662\u0660\u0662\u0664-\u0660\u0661", "2024-01\n", "x2024-01"],
    ),
    (r"^a\sb$", ["a b", "a\tb", "a\u00a0b", "a\u2003b", "a\ufeffb"], ["ab", "a_b", "a\u200bb"]),
    (r"^a.b$", ["axb", "aéb", "a😀b"], ["a\nb", "a\rb", "a\u2028b", "ab"]),
    (r"\bword\b", ["a word", "word", "éwordé"], ["swordfish", "word_"]),
    (r"^\u{1F600}[^]$", ["😀\n", "😀x"], ["😀", "x😀x"]),
    (r"^[\w.-]+@(?:[a-z\d-]+\.)+[a-z]{2,}$", ["a.b-c@ex-1.example.org"], ["é@ex.org", "a@b"]),
]


@pytest.mark.parametrize("where", ENGINES)
@pytest.mark.parametrize(("pattern", "good", "bad"), ECMA_CHECKS, ids=lambda v: repr(v)[:20])
def test_pattern_checks_follow_ecma_on_every_engine(
    check_data: Checker, where: str, pattern: str, good: list[str], bad: list[str]
) -> None:
    doc = {
        "format": "table",
        "schema": {"columns": [{"name": "s", "type": "string"}]},
        "guarantees": {"columns": {"s": {"pattern": pattern}}},
    }
    rows = [(v,) for v in [*good, *bad, None]]
    found = result(check_data(where, doc, Table({"s": "string"}, rows)), "s.pattern")
    assert found.failed_rows == len(bad), found


def test_a_pattern_no_engine_can_run_is_an_error_result_not_an_exception() -> None:
    """Contracts refuse such patterns when parsed; the compiler stays total anyway."""
    from accord.checks.compile import ColumnView, Decided, compile_check
    from accord.checks.plan import Check
    from accord.checks.sql import Dialect
    from accord.compat import parse_table_schema

    schema = parse_table_schema({"columns": [{"name": "s", "type": "string"}]})
    views = {"s": ColumnView('"s"', "VARCHAR", '"s"', '"s"', False)}
    for engine in ("duckdb", "postgres"):
        check = Check("s.pattern", "pattern", "error", ("s",), "^(?=a)a$")
        found = compile_check(check, views, schema, Dialect(engine))
        assert isinstance(found, Decided)
        assert found.status == "error"
        assert "lookahead" in found.message or "look" in found.message
