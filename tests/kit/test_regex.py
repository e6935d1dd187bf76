"""ECMA-262 patterns on RE2 (accord.kit.regex): meaning, spelling, errors, speed limits.

``ECMA`` holds what a JavaScript engine answers for ``new RegExp(pattern, "u").test(text)``
(checked with V8 when the table was written; Annex B literals are V8 without ``u``; the
ES2025 modifiers ``(?i:…)``/``(?s:…)`` follow the specification, which V8 20 predates).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.kit import regex
from accord.kit.regex import InvalidPattern, UnsupportedPattern, compile_ecma, search, translate

ECMA: list[tuple[str, str, bool]] = [
    # \d and \w are ASCII; \s is Unicode white space and line terminators
    (r"\d", "7", True),
    (r"\d", "٣", False),
    (r"\D", "٣", True),
    (r"\w", "_", True),
    (r"\w", "é", False),
    (r"\W", "é", True),
    (r"\s", "\u00a0", True),
    (r"\s", "\u2003", True),
    (r"\s", "\ufeff", True),
    (r"\s", "\x0b", True),
    (r"\s", "\u2028", True),
    (r"\s", "\u200b", False),
    (r"\S", "\u00a0", False),
    (r"[\s]", "\u3000", True),
    (r"[^\s]", "\u3000", False),
    (r"[\S]", "a", True),
    (r"[\S]", " ", False),
    (r"[^\S]", "\u1680", True),
    (r"[\d\s]", "\u00a0", True),
    # '.' is any character but line terminators; [^] is any; [] is none
    (r"^.$", "\n", False),
    (r"^.$", "\r", False),
    (r"^.$", "\u2028", False),
    (r"^.$", "\u2029", False),
    (r"^.$", "😀", True),
    (r"^..$", "😀", False),  # code points, not UTF-16 units
    (r"^[^]$", "\n", True),
    (r"[]", "a", False),
    (r"a[]*b", "ab", True),
    (r"a[]?b", "ab", True),
    # $ is the end of the input only; the search is unanchored
    (r"a$", "a\n", False),
    (r"^a", "ba", False),
    (r"b", "abc", True),
    (r"^$", "", True),
    # word boundaries are ASCII; [\b] is a backspace
    (r"\bfoo\b", "a foo b", True),
    (r"\bfoo\b", "afoo", False),
    (r"\bé", "é", False),
    (r"[\b]", "\x08", True),
    (r"[\b]", "b", False),
    # escapes
    (r"\u0041", "A", True),
    (r"\u{1F600}", "😀", True),
    (r"^\uD83D\uDE00$", "😀", True),
    (r"\x41", "A", True),
    (r"\cJ", "\n", True),
    (r"[\cJ]", "\n", True),
    (r"\/", "/", True),
    (r"\0", "\x00", True),
    (r"\t\v\f", "\t\x0b\x0c", True),
    (r"\^\$\.\*\+\?\(\)\[\]\{\}\|\\", "^$.*+?()[]{}|\\", True),
    # named groups, groups, alternation, quantifiers (lazy or not: a search is a search)
    (r"^(?<year>\d{4})-(?<month>\d{2})$", "2024-01", True),
    (r"^(?<year>\d{4})-(?<month>\d{2})$", "2024-1", False),
    (r"(?<$x>a)", "a", True),
    (r"(?<é>a)", "a", True),
    (r"^(?:ab)+$", "abab", True),
    (r"^(ab)+$", "aba", False),
    (r"^(?:a|b|)$", "", True),
    (r"^a{2,3}$", "aaaa", False),
    (r"^a{2,}$", "aaaa", True),
    (r"^x{1,2}?$", "xx", True),
    (r"^a*?$", "aaa", True),
    # Annex B literals
    (r"a{", "a{", True),
    (r"a{,2}", "a{,2}", True),
    (r"}", "}", True),
    (r"]", "]", True),
    (r"\-", "-", True),
    (r"\@", "@", True),
    # classes
    (r"[a-c-e]", "-", True),
    (r"[a-c-e]", "d", False),
    (r"[-a]", "-", True),
    (r"[\]]", "]", True),
    (r"[\\]", "\\", True),
    (r"[[:alpha:]]", "a]", True),  # no POSIX classes: '[', ':', 'a', … then ']'
    (r"[[:alpha:]]", "a", False),
    (r"[\u0000-\u001f]", "\x1f", True),
    # Unicode properties
    (r"\p{L}", "é", True),
    (r"\p{Lu}", "é", False),
    (r"\P{Lu}", "é", True),
    (r"\p{Letter}", "Ω", True),
    (r"\p{General_Category=Decimal_Number}", "٣", True),
    (r"\p{Script=Greek}", "ω", True),
    (r"\p{sc=Latin}", "ω", False),
    (r"[^\p{L}]", "1", True),
    (r"\p{ASCII}", "é", False),
    (r"[\P{ASCII}a]", "é", True),
    (r"\p{Any}", "😀", True),
    # ES2025 modifiers
    (r"(?i:abc)", "ABC", True),
    (r"(?i:k)", "\u212a", True),
    (r"a(?i:b)c", "aBC", False),
    (r"(?s:^.$)", "\n", True),
    # counts above RE2's 1,000 are split into runs
    (r"^a{2500}$", "a" * 2500, True),
    (r"^a{2500}$", "a" * 2499, False),
    (r"^(?:ab){0,1500}$", "ab" * 1500, True),
    (r"^a{1001,}$", "a" * 1000, False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), ECMA)
def test_ecma_meaning(pattern: str, text: str, expected: bool) -> None:
    assert search(pattern, text) is expected


def test_a_non_boundary_is_refused_on_re2_which_finds_it_inside_a_character() -> None:
    r"""RE2's \B also holds between the UTF-8 bytes of "é": in "aéa" it finds one where ECMA
    sees only boundaries. RE2 does not run it (the compat engine's automaton does)."""
    with pytest.raises(UnsupportedPattern, match="non-ASCII"):
        search(r"\Bo", "foo")


@pytest.mark.parametrize(
    ("pattern", "spelled"),
    [
        (r"^\d+$", r"^\d+$"),
        ("^.$", "^[^\\n\\r\\x{2028}\\x{2029}]$"),
        ("[^]", "(?s:.)"),
        ("[]", "[^\\x00-\\x{10FFFF}]"),
        (r"(?<year>\d{4})", r"(?P<year>\d{4})"),
        (r"(?<$x>a)", r"(?:a)"),  # not a name RE2 takes; a search needs no capture
        (r"\u{1F600}\x41\cJ\/\0", "😀A\\n/\\x00"),
        (r"a{2,3}?", "a{2,3}"),
        (r"a{2500}", "a{1000}a{1000}a{500}"),
        (r"[a-c-e]", r"[\-a-ce]"),
        (r"\p{Letter}", r"[\p{L}]"),
    ],
)
def test_re2_spelling(pattern: str, spelled: str) -> None:
    assert translate(pattern) == spelled
    assert compile_ecma(pattern).re2 == spelled


@pytest.mark.parametrize(
    ("pattern", "spelled"),
    [
        (r"(?<year>\d{4})", "(?:[0-9]{4})"),
        (r"\w\D", "[0-9A-Z_a-z][^0-9]"),
        (
            r"\s",
            "[\\t-\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]",
        ),
        ("^.$", "^[^\\n\\r\\u2028\\u2029]$"),
        (r"\bx", "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))x"),
        ("a{600}", "a{255}a{255}a{90}"),
        ("[]", "[^\\u0000-\\U0010FFFF]"),
        ("\x01", "\\u0001"),
    ],
)
def test_postgres_spelling(pattern: str, spelled: str) -> None:
    assert translate(pattern, "postgres") == spelled


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(", "missing ')'"),
        (")", "unmatched ')'"),
        ("[a", "missing ']'"),
        ("a**", "nothing to repeat"),
        ("*a", "nothing to repeat"),
        ("^*", "nothing to repeat"),
        ("a{3,2}", "numbers out of order"),
        ("[z-a]", "range out of order"),
        (r"[\d-z]", "a class escape cannot bound a range"),
        ("\\", "\\ at end of pattern"),
        (r"\q", "invalid escape \\q"),
        (r"\00", "invalid escape \\0"),
        (r"\x4", "invalid hexadecimal escape"),
        (r"\u{110000}", "code point above U+10FFFF"),
        (r"\c1", "invalid escape \\c"),
        (r"\1", "reference to a group that does not exist"),
        (r"\k<n>", "reference to an unknown group 'n'"),
        ("(?P<n>a)", "invalid group"),  # Python's spelling, not ECMA's
        ("(?i)abc", "invalid group"),
        ("(?<1a>a)", "invalid group name"),
        ("(?<a>a)(?<a>b)", "duplicate group name 'a'"),
        (r"\p{L", "invalid property escape"),
        (r"\p", "invalid property escape"),
        (r"(?ii:a)", "repeated modifier"),
    ],
)
def test_invalid_patterns(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidPattern) as caught:
        translate(pattern)
    assert not isinstance(caught.value, UnsupportedPattern)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"invalid regular expression {pattern!r}: ")


@pytest.mark.parametrize(
    ("pattern", "feature"),
    [
        ("(?=a)", "a lookahead (?=…)"),
        ("(?!a)b", "a lookahead (?!…)"),
        ("(?<=a)b", "a lookbehind (?<=…)"),
        ("(?<!a)b", "a lookbehind (?<!…)"),
        (r"(a)\1", "a backreference \\1"),
        (r"\1(a)", "a backreference \\1"),  # a forward reference is valid ECMA
        (r"(?<n>a)\k<n>", "a backreference \\k<n>"),
        (r"\uD800", "a lone surrogate \\uD800"),
        (r"\p{Emoji}", "the Unicode property \\p{Emoji}"),
        ("(?m:^a)", "the multiline modifier (?m:…)"),
        ("a{20000}", "a repetition count of 20000"),
        ("((a{1000}){1000})", "a construct RE2 refuses (invalid repetition size: {1000})"),
        (r"\p{Script=Latn}", "a construct RE2 refuses"),
        ("(" * 60 + ")" * 60, "groups nested more than 50 deep"),
        ("(" * 5000 + ")" * 5000, "groups nested"),
    ],
)
def test_unsupported_patterns_name_the_feature(pattern: str, feature: str) -> None:
    with pytest.raises(UnsupportedPattern) as caught:
        compile_ecma(pattern)
    assert caught.value.feature.startswith(feature)
    assert "Accord evaluates patterns in linear time" in str(caught.value)
    assert isinstance(caught.value, InvalidPattern)


def test_unsupported_features_are_still_spelled_for_parsers() -> None:
    assert translate(r"(?=a)(b)\1", "python") == r"(?=a)(b)\1"
    assert translate(r"(?<n>a)\k<n>", "python") == "(?P<n>a)(?P=n)"
    with pytest.raises(UnsupportedPattern):
        translate("(?=a)", "postgres")


@pytest.mark.parametrize(("pattern", "feature"), [(r"\p{L}", "\\p{L}"), ("(?i:a)", "(?i:")])
def test_what_postgresql_cannot_run(pattern: str, feature: str) -> None:
    compile_ecma(pattern)
    with pytest.raises(UnsupportedPattern, match="PostgreSQL cannot evaluate it") as caught:
        translate(pattern, "postgres")
    assert feature in caught.value.feature


def test_catastrophic_backtracking_is_linear() -> None:
    # Python's re takes minutes on this; RE2 answers at once
    assert not search("^(a+)+$", "a" * 40 + "!")
    assert search("^(a+)+$", "a" * 100_000)
    assert not search("^(a|aa)+$", "a" * 100_000 + "!")


def test_lone_surrogates_in_the_text() -> None:
    assert search("^.$", "\ud800")
    assert search("a", "\udfffa")
    assert not search("^a$", "\ud800")


def test_compiled_patterns_are_cached() -> None:
    assert compile_ecma(r"^\d+$") is compile_ecma(r"^\d+$")
    assert compile_ecma.cache_info().maxsize == regex.CACHE_SIZE


# Patterns both engines read the same way (ASCII, no \s, no line terminators in the text):
# RE2 on the translation must agree with Python's re.
_atoms = st.sampled_from(["a", "b", "c", "0", "-", r"\d", r"\w", r"\W", ".", "[a-c]", "[^ab]"])


def _pattern(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    quantified = st.tuples(children, st.sampled_from(["", "*", "+", "?", "{2}", "{1,3}", "*?"]))
    group = st.sampled_from(["(", "(?:"]).flatmap(lambda o: children.map(lambda c: f"{o}{c})"))
    alternation = st.lists(children, min_size=2, max_size=3).map("|".join)
    return st.one_of(
        quantified.map(lambda t: t[0] + t[1] if t[0][-1:] not in "*+?}" else t[0]),
        group,
        alternation,
        st.lists(children, min_size=2, max_size=4).map("".join),
    )


_patterns = st.recursive(_atoms, _pattern, max_leaves=8).flatmap(
    lambda body: st.sampled_from([body, f"^{body}", f"{body}$", f"^{body}$", rf"\b{body}"])
)


@settings(max_examples=400, deadline=None)
@given(pattern=_patterns, texts=st.lists(st.text("abc0-_ é!", max_size=8), max_size=12))
def test_re2_agrees_with_python_on_plain_patterns(pattern: str, texts: list[str]) -> None:
    python = re.compile(pattern, re.ASCII)
    for text in texts:
        assert search(pattern, text) is bool(python.search(text)), (pattern, text)
