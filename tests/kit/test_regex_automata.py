"""ECMA-262 patterns as regular languages (accord.kit.regex.automata): meaning, decisions,
witnesses, limits.

Every membership the tests rely on is checked against an engine that runs the pattern: RE2
through ``accord.kit.regex.search`` (what the validator runs) for patterns it runs, Python's
``re`` on an equivalent spelling for lookaround (the texts are short, so backtracking is
harmless).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.kit.regex import InvalidPattern, compile_ecma, search
from accord.kit.regex._charset import _orbits
from accord.kit.regex.automata import (
    DEFAULT_BUDGET,
    NotRegular,
    TooComplex,
    any_string,
    full_language,
    included,
    literal,
    nothing,
    search_language,
)
from tests.kit.test_regex import ECMA

NODE_16 = r"^(?:.*[^0-9A-Za-z])?[Nn][Oo][dD][Ee]1[68](?:[^0-9].*)?$"
NODE_ANY = r"[Nn][Oo][dD][Ee](1[68]|20)"


def _checked_witness(small: str, big: str) -> str | None:
    """The witness that ``small`` is not included in ``big``, verified on RE2."""
    found = search_language(small).witness_not_in(search_language(big))
    if found is not None:
        assert search(small, found), (small, big, found)
        assert not search(big, found), (small, big, found)
    return found


# -- hand-written decisions -----------------------------------------------------------------
def test_node_versions_both_ways() -> None:
    small, big = r"[Nn][Oo][dD][Ee]1[68]", NODE_ANY
    assert included(small, big)
    assert not included(big, small)
    assert _checked_witness(big, small) == "node20"
    assert _checked_witness(small, big) is None
    # with boundaries around the name, as a real schema writes it
    assert included(NODE_16, NODE_ANY)
    assert _checked_witness(NODE_ANY, NODE_16) == "node20"


@pytest.mark.parametrize(
    ("small", "big"),
    [
        (r"^-?[0-9]{1,8}$", r"^-?[0-9]{1,10}$"),
        ("abc", "b"),  # a string containing abc contains b
        ("^abc", "b"),
        ("^a$", "^a"),
        ("^a$", "a$"),
        (r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", r"^\d{4}-\d{2}-\d{2}$"),
        (r"^[a-z_][a-z0-9_]*$", r"^[a-zA-Z_]\w*$"),
        ("^https://", "^https?://"),
        (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", r"^\S+@\S+$"),
        (r"^(?<major>\d+)\.(?<minor>\d+)$", r"^\d+\.\d+$"),
        ("(?i:ab)", "[aA][bB]"),
        ("[aA][bB]", "(?i:ab)"),
        (r"\p{Lu}", r"\p{L}"),
        (r"[0-9]{1,10000}", "[0-9]"),  # counted repetition: only the minimum matters
        (r"^[0-9]{3,10000}", "^[0-9]{3}"),
        ("a+$", "a$"),
        ("[]", "a"),  # nothing is in everything
        ("a", "[^]"),
        ("a", ""),
    ],
)
def test_included(small: str, big: str) -> None:
    assert included(small, big)
    assert _checked_witness(small, big) is None


@pytest.mark.parametrize(
    ("small", "big", "witness"),
    [
        (r"^-?[0-9]{1,10}$", r"^-?[0-9]{1,8}$", "000000000"),
        ("b", "abc", "b"),
        ("^a", "a$", "ab"),
        ("a$", "^a", "ba"),
        (r"^\d{4}-\d{2}-\d{2}$", r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", None),
        (r"^[a-zA-Z_]\w*$", r"^[a-z_][a-z0-9_]*$", "A"),
        ("(?i:ab)", "ab", "aB"),
        (r"\p{L}", r"\p{Lu}", "a"),
        ("^.$", "^a$", "b"),
        ("", "[]", ""),
    ],
)
def test_not_included(small: str, big: str, witness: str | None) -> None:
    assert not included(small, big)
    found = _checked_witness(small, big)
    assert found is not None
    assert witness is None or found == witness


def test_line_terminators_and_dot() -> None:
    dot = search_language("^.$")
    for char in "\n\r\u2028\u2029":
        assert not dot.matches(char)
        assert search_language("^[^]$").matches(char)
    assert dot.matches("😀")
    assert not search_language("^..$").matches("😀")  # code points, not UTF-16 units
    assert search_language("[]").is_empty()
    assert not search_language("a[]*b").is_empty()
    assert search_language("(?s:^.$)").matches("\n")
    assert search_language("a$").witness_not_in(search_language("a$|a\n")) is None
    assert not search_language("a$").matches("a\n")  # $ is the end of the input only


def test_white_space_is_unicode_and_digits_ascii() -> None:
    space = search_language(r"^\s$")
    for char in "\t\n\x0b\x0c\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff":
        assert space.matches(char), hex(ord(char))
    assert not space.matches("\u200b")
    assert not search_language(r"\d").matches("٣")  # an Arabic-Indic digit
    assert search_language(r"\D").matches("٣")
    assert not search_language(r"\w").matches("é")
    assert search_language(r"\s").witness_not_in(search_language("[ \t\n\r]")) == "\x0b"


def test_anchors_in_the_middle() -> None:
    assert search_language("a^b").is_empty()
    assert search_language("a$b").is_empty()
    assert search_language("(^|x)a").matches("a")
    assert search_language("(^|x)a").matches("bxa")
    assert not search_language("(^|x)a").matches("ba")
    assert included("(^|/)etc", "etc")
    assert search_language("(?m:^b)").matches("a\nb")
    assert not search_language("^b").matches("a\nb")
    assert search_language("(?m:a$)").matches("a\u2028b")


def test_word_boundaries() -> None:
    assert included(r"\bfoo\b", "foo")
    assert _checked_witness("foo", r"\bfoo\b") == "afoo"
    assert search_language(r"\Bo").matches("foo")
    assert not search_language(r"\B").matches("0é0")  # RE2 finds one between é's bytes
    assert not search_language(r"\bé").matches("é")  # \b is ASCII
    assert search_language(r"x\b").matches("x")
    assert search_language(r"\b").witness_not_in(search_language(r"\w")) is None


LOOKAROUND = [
    # (pattern, text, matches), as ECMA-262 (and Python's re) decide it
    (r"^(?!aliases|audio|build|date)[a-z]+$", "aliases", False),
    (r"^(?!aliases|audio|build|date)[a-z]+$", "aliasesx", False),
    (r"^(?!aliases|audio|build|date)[a-z]+$", "alias", True),
    (r"^(?=.*\d)(?=.*[a-z]).{8,}$", "abcdefg1", True),
    (r"^(?=.*\d)(?=.*[a-z]).{8,}$", "abcdefgh", False),
    (r"^(?=.*\d)(?=.*[a-z]).{8,}$", "abc1", False),
    (r"(?<!x)y", "xy", False),
    (r"(?<!x)y", "xyy", True),
    (r"(?<=^|/)bin\b", "/usr/bin", True),
    (r"(?<=^|/)bin\b", "/usr/sbin", False),
    (r"(?<=\d{3})px", "100px", True),
    (r"(?<=\d{3})px", "10px", False),
    (r"(?<=(?<!a)b)c", "abc", False),
    (r"(?<=(?<!a)b)c", "bc", True),
    (r"^(?:(?!ab).)*$", "xaxb", True),
    (r"^(?:(?!ab).)*$", "xabx", False),
    (r"^((?=a)|b)+$", "b", True),
    (r"a(?=b$)", "ab", True),
    (r"a(?=b$)", "abb", False),
    (r"(?=\w*\d)\b\w{3}\b", "ab1", True),
    (r"(?=\w*\d)\b\w{3}\b", "abc", False),
    (r"(?<=\bv)\d", "v1", True),  # a boundary inside a lookbehind, before what it reads
    (r"(?<=\bv)\d", "xv1", False),
    (r"(?<=a(?=b)b)c", "abc", True),
    (r"(?<=a(?=b)\w)c", "acc", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), LOOKAROUND)
def test_lookaround_meaning(pattern: str, text: str, expected: bool) -> None:
    assert search_language(pattern).matches(text) is expected
    try:
        python = re.compile(pattern.replace("$", r"\Z"), re.ASCII)
    except re.error:  # a lookbehind of varying width: Python cannot
        return
    assert bool(python.search(text)) is expected


def test_lookahead_decisions() -> None:
    reserved = r"^(?!aliases|audio|build)[a-z]+$"
    assert included(reserved, "^[a-z]+$")
    found = search_language("^[a-z]+$").witness_not_in(search_language(reserved))
    assert found == "audio"
    assert not included("^[a-z]+$", r"^(?!aliases)[a-z]+$")
    not_aliases = search_language(r"^(?!aliases)[a-z]+$")
    assert search_language("^[a-z]+$").witness_not_in(not_aliases) == "aliases"
    strong = r"^(?=.*\d)(?=.*[a-z]).{8,}$"
    assert included(strong, "^.{8,}$")
    assert search_language("^.{8,}$").witness_not_in(search_language(strong)) == "aaaaaaaa"
    assert included(strong, r"\d")
    assert included(r"^(?=a)[a-c]", "^a")
    assert included("^a", r"^(?=a)[a-c]")
    assert search_language("(?=a)b").is_empty()
    assert search_language("(?!a)a").is_empty()
    assert search_language("(?<=a)b").witness_not_in(search_language("ab")) is None
    assert included(r"(?<!\S)word(?!\S)", "word")


def test_case_insensitive() -> None:
    assert search_language("(?i:k)").matches("\u212a")  # KELVIN SIGN folds to k
    assert search_language("(?i:s)").matches("\u017f")  # LONG S
    assert search_language("(?i:é)").matches("É")
    assert not search_language("a(?i:b)c").matches("aBC")
    assert search_language(r"(?i:\W)").witness_not_in(search_language(r"\W")) is None
    assert not search_language(r"(?i:\W)").matches("\u212a")  # as RE2: \W of the folded \w
    assert search_language("(?i:[^a])").witness_not_in(search_language("[^aA]")) is None


def test_case_folding_agrees_with_re2() -> None:
    members, orbit = _orbits()
    text = "".join(map(chr, members))
    for code in members:
        found = compile_ecma(f"(?i:\\u{{{code:X}}})").regexp.finditer(text)
        assert set(orbit[code]) == {ord(m.group()) for m in found}, hex(code)


def test_unicode_properties() -> None:
    letters = search_language(r"^\p{L}$")
    for char in "aΩжé中":
        assert letters.matches(char)
    assert not letters.matches("1")
    assert search_language(r"\p{Script=Greek}").matches("ω")
    assert not search_language(r"\p{sc=Latin}").matches("ω")
    assert search_language("[^A-Z]").witness_not_in(search_language(r"\P{Lu}")) == "À"
    assert included(r"\p{Nd}", r"\p{N}")
    with pytest.raises(NotRegular, match=r"\\p\{Emoji\}"):
        search_language(r"\p{Emoji}")
    with pytest.raises(NotRegular, match="RE2 does not know"):
        search_language(r"\p{Script=Latn}")


@pytest.mark.parametrize(("pattern", "text", "expected"), ECMA)
def test_agrees_with_the_ecma_table(pattern: str, text: str, expected: bool) -> None:
    assert search_language(pattern).matches(text) is expected


# -- errors and limits -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "pattern '(a)\\\\1' uses a backreference \\1, which is not a regular"),
        (r"(?<n>a)\k<n>", "backreference \\k<n>"),
        (r"(?<=a$)b", "a lookbehind whose body reads past its end"),
        (r"(?<=a(?=bc)b)c", "a lookbehind whose body reads past its end"),
        (r"(?<=a\b)", "a lookbehind whose body reads past its end"),
    ],
)
def test_not_regular(pattern: str, reason: str) -> None:
    with pytest.raises(NotRegular) as caught:
        search_language(pattern)
    assert reason in caught.value.reason
    assert caught.value.reason == str(caught.value)


def test_invalid_patterns() -> None:
    for pattern in ("(", "a**", "[z-a]", r"\q"):
        with pytest.raises(InvalidPattern):
            search_language(pattern)
    with pytest.raises(InvalidPattern):
        included("a", "(")


def test_hostile_patterns_are_too_complex() -> None:
    with pytest.raises(TooComplex, match="more than"):
        search_language("^(a|b)*a(a|b){30}$").is_empty()
    with pytest.raises(TooComplex):
        full_language("(a|b)*a(a|b){30}").example()
    with pytest.raises(TooComplex):
        included(r"^[0-9]{1,10000}$", r"^[0-9]{1,20000}$")
    with pytest.raises(TooComplex):
        search_language("^(" * 60 + ")" * 60)
    # a search only needs the 31 characters after an a: decided
    assert included("(a|b)*a(a|b){30}", "a[ab]{30}")
    small = search_language(r"^[0-9]{1,100}$", budget=50)
    with pytest.raises(TooComplex, match="more than 50"):
        small.subset_of(search_language(r"^[0-9]{1,200}$", budget=50))
    assert search_language(r"^[0-9]{1,100}$").subset_of(search_language(r"^[0-9]{1,200}$"))


def test_large_counts_stay_cheap() -> None:
    assert included(r"^a[0-9]{1,10000}", "^a[0-9]")
    assert search_language(r"^[0-9]{1,10000}$").matches("7" * 10000)
    assert not search_language(r"^[0-9]{1,10000}$").matches("7" * 10001)
    assert included(r"[0-9]{2,10000}$", "[0-9]{2}$")


def test_memoised_and_immutable() -> None:
    assert search_language(r"^\d+$") is search_language(r"^\d+$")
    digits = search_language(r"^\d+$")
    assert (digits & ~digits).is_empty()
    assert any_string().subset_of(digits | ~digits)
    assert digits.example() == "0"
    assert DEFAULT_BUDGET >= 1000


def test_building_blocks() -> None:
    assert literal("ab").matches("ab")
    assert not literal("ab").matches("abc")
    assert literal("ab").example() == "ab"
    assert nothing().is_empty()
    assert nothing().example() is None
    assert any_string().example() == ""
    assert literal("xaby").subset_of(search_language("ab"))
    assert (search_language("ab") - literal("ab")).example() == "aab"
    assert full_language("a|bc").witness_not_in(literal("a") | literal("bc")) is None
    assert not full_language("(?=abc)a").matches("a")


# -- differential properties -------------------------------------------------------------------
class Piece(NamedTuple):
    """A random pattern: its ECMA spelling, an equivalent one for Python's ``re`` (and the
    one to use inside ``(?i:…)``, where ECMA and RE2 fold \\w but keep \\b ASCII, and
    Python also folds the dotless and dotted i), and whether a quantifier may follow it directly."""

    ecma: str
    python: str
    folded: str
    atomic: bool


def _piece(ecma: str, python: str, folded: str = "", atomic: bool = True) -> Piece:
    return Piece(ecma, python, folded or python, atomic)


_W = "[0-9A-Za-z_]"
_B = f"(?-i:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))"
_NB = f"(?-i:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))"
_WS = "\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_ATOMS: list[Piece] = [
    _piece("a", "a"),
    _piece("b", "b"),
    _piece("0", "0"),
    _piece("é", "é"),
    _piece(" ", " "),
    _piece("\\n", "\\n"),
    _piece(".", "[^\\n\\r\\u2028\\u2029]"),
    _piece("\\d", "[0-9]"),
    _piece("\\w", f"(?-i:{_W})", "(?-i:[0-9A-Za-z_\\u017f\\u212a])"),
    _piece("\\W", "(?-i:[^0-9A-Za-z_])", "(?-i:[^0-9A-Za-z_\\u017f\\u212a])"),
    _piece("\\s", f"[{_WS}]"),
    _piece("\\S", f"[^{_WS}]"),
    _piece("[^]", "[\\s\\S]"),
    _piece("[]", "[^\\s\\S]"),
    _piece("[a-c]", "[a-c]"),
    _piece("[^ab]", "[^ab]"),
    _piece("[\\r\\u2028]", "[\\r\\u2028]"),
]
_ANCHORS: list[Piece] = [
    _piece("^", "^", atomic=False),
    _piece("$", "\\Z", atomic=False),
    _piece("\\b", _B, atomic=False),
    _piece("\\B", _NB, atomic=False),
]
_QUANTIFIERS = ["*", "+", "?", "{2}", "{0,2}", "{1,3}", "*?", "{2,}"]
_TEXTS = st.lists(st.text("ab0 é\nA_\u2028", max_size=7), min_size=1, max_size=10)


def _respelled(piece: Piece, spell: Callable[[str], str], atomic: bool) -> Piece:
    return Piece(spell(piece.ecma), spell(piece.python), spell(piece.folded), atomic)


def _quantified(piece: Piece, quantifier: str) -> Piece:
    if piece.atomic:
        return _respelled(piece, lambda spelled: spelled + quantifier, atomic=False)
    return _respelled(piece, lambda spelled: f"(?:{spelled}){quantifier}", atomic=False)


def _wrapped(opener: str, atomic: bool = True) -> Callable[[Piece], Piece]:
    return lambda piece: _respelled(piece, lambda spelled: f"{opener}{spelled})", atomic)


def _folded(piece: Piece) -> Piece:
    return _piece(f"(?i:{piece.ecma})", f"(?i:{piece.folded})", f"(?i:{piece.folded})")


def _joined(separator: str) -> Callable[[Sequence[Piece]], Piece]:
    return lambda pieces: Piece(
        separator.join(p.ecma for p in pieces),
        separator.join(p.python for p in pieces),
        separator.join(p.folded for p in pieces),
        False,
    )


def _grammar(children: st.SearchStrategy[Piece], looks: bool) -> st.SearchStrategy[Piece]:
    options = [
        st.builds(_quantified, children, st.sampled_from(_QUANTIFIERS)),
        children.map(_wrapped("(")),
        children.map(_wrapped("(?:")),
        children.map(_folded),
        st.lists(children, min_size=2, max_size=3).map(_joined("|")),
        st.lists(children, min_size=2, max_size=3).map(_joined("")),
    ]
    if looks:
        options += [
            children.map(_wrapped("(?=", atomic=False)),
            children.map(_wrapped("(?!", atomic=False)),
            _fixed_width.map(_wrapped("(?<=", atomic=False)),
            _fixed_width.map(_wrapped("(?<!", atomic=False)),
        ]
    return st.one_of(*options)


# Python's lookbehind needs a fixed width: one or two atoms, perhaps after ^ or \b
_fixed_width = st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=2).map(_joined("")) | (
    st.builds(_joined(""), st.tuples(st.sampled_from(_ANCHORS[:3:2]), st.sampled_from(_ATOMS)))
)
# RE2 reads \B between the bytes of a non-ASCII character ("0é0" has no ECMA \B): it is
# compared with Python's spelling only
_plain = st.recursive(
    st.sampled_from(_ATOMS + _ANCHORS[:3]), lambda c: _grammar(c, looks=False), max_leaves=7
)
_looking = st.recursive(
    st.sampled_from(_ATOMS + _ANCHORS), lambda c: _grammar(c, looks=True), max_leaves=7
)


@settings(max_examples=300, deadline=None)
@given(piece=_plain, texts=_TEXTS)
def test_search_agrees_with_re2(piece: Piece, texts: list[str]) -> None:
    pattern = piece.ecma
    language, whole = search_language(pattern), full_language(pattern)
    for text in texts:
        assert language.matches(text) is search(pattern, text), (pattern, text)
        assert whole.matches(text) is search(f"^(?:{pattern})$", text), (pattern, text)


@settings(max_examples=300, deadline=None)
@given(piece=_looking, texts=_TEXTS)
def test_lookaround_agrees_with_python(piece: Piece, texts: list[str]) -> None:
    pattern, spelled = piece.ecma, piece.python
    language = search_language(pattern)
    python = re.compile(spelled)
    for text in texts:
        assert language.matches(text) is bool(python.search(text)), (pattern, spelled, text)


# Patterns over a, b and line feeds: all strings of up to four of those are enumerated.
_SMALL_ATOMS = [_piece("a", "a"), _piece("b", "b"), _piece("[ab]", "[ab]"), *_ATOMS[5:7]]
_small = st.recursive(
    st.sampled_from(_SMALL_ATOMS + _ANCHORS[:2]),
    lambda c: _grammar(c, looks=False),
    max_leaves=6,
)
_SMALL_TEXTS = ["".join(t) for n in range(5) for t in itertools.product("ab\n", repeat=n)]


@settings(max_examples=200, deadline=None)
@given(first=_small, second=_small)
def test_inclusion_agrees_with_brute_force(first: Piece, second: Piece) -> None:
    small, big = first.ecma, second.ecma
    witness = _checked_witness(small, big)
    counterexamples = [t for t in _SMALL_TEXTS if search(small, t) and not search(big, t)]
    if witness is None:
        assert not counterexamples, (small, big, counterexamples[:3])
    else:
        assert len(witness) <= min(map(len, counterexamples), default=len(witness))
    assert included(small, big) is (witness is None)


@settings(max_examples=150, deadline=None)
@given(first=_looking, second=_looking, texts=_TEXTS)
def test_boolean_operations(first: Piece, second: Piece, texts: list[str]) -> None:
    a, b = search_language(first.ecma), search_language(second.ecma)
    python_a, python_b = re.compile(first.python), re.compile(second.python)
    both, either, minus, other = a & b, a | b, a - b, ~a
    for text in texts:
        in_a, in_b = a.matches(text), b.matches(text)
        assert both.matches(text) is (in_a and in_b)
        assert either.matches(text) is (in_a or in_b)
        assert minus.matches(text) is (in_a and not in_b)
        assert other.matches(text) is not in_a
    for language, in_a, in_b in ((minus, True, False), (both, True, True)):
        example = language.example()
        if example is not None:
            assert language.matches(example)
            assert bool(python_a.search(example)) is in_a, (first, example)
            assert bool(python_b.search(example)) is in_b, (second, example)
