"""An ECMA-262 pattern read into ``_deriv.Re`` nodes: the package's parser (``_syntax``), then
character classes as code point sets with ECMA's meaning (see ``automata``)."""

from __future__ import annotations

from typing import Any

from accord.kit.regex._charset import (
    ALL,
    EMPTY,
    LINE_ENDS,
    Chars,
    fold,
    fold_equal,
    single,
    unicode_property,
    union,
)
from accord.kit.regex._deriv import (
    END,
    NWORDB,
    START,
    WORDB,
    NotRegular,
    Re,
    TooComplex,
    re_alt,
    re_assert,
    re_chars,
    re_look,
    re_repeat,
    re_seq,
)
from accord.kit.regex._syntax import _PERL, UnsupportedPattern, _Node, _Parser, _Set

_PERL_CHARS = {name: Chars.of(ranges) for name, ranges in _PERL.items()}


class _KeepMultiline(_Parser):
    """The package's parser, but a modifier group keeps ``m`` among its flags (the package
    only notes it as a feature RE2 lacks)."""

    def modifiers(self) -> tuple[str, Any]:
        start = self.i
        kind, (on, off) = super().modifiers()
        spelled_on, _, spelled_off = self.src[start : self.i - 1].partition("-")
        return kind, (on + "m" * ("m" in spelled_on), off + "m" * ("m" in spelled_off))


def read(pattern: str) -> Re:
    """``pattern`` as ``Re`` nodes. Raises ``InvalidPattern`` (syntax), ``NotRegular`` or
    ``TooComplex``."""
    try:
        parsed = _KeepMultiline(pattern).parse()
    except UnsupportedPattern as refused:  # nested too deeply
        raise TooComplex(f"pattern {pattern!r} {refused.reason}") from None
    except RecursionError:
        raise TooComplex(f"pattern {pattern!r} nests groups too deeply") from None
    for feature in parsed.unsupported:
        if feature.startswith("the Unicode property"):
            raise NotRegular(f"pattern {pattern!r} uses {feature}, whose characters are unknown")
    return _Reader(pattern).node(parsed.root, fold_case=False, multiline=False)


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def node(self, node: _Node, fold_case: bool, multiline: bool) -> Re:
        kind = node.kind
        if kind == "lit":
            code: int = node.value
            if fold_case:
                return re_chars(Chars.of((c, c) for c in fold_equal(code)))
            return re_chars(single(code))
        if kind == "set":
            return re_chars(self.chars(node.value, fold_case))
        if kind in ("dot", "any", "none"):
            return re_chars({"dot": ~LINE_ENDS, "any": ALL, "none": EMPTY}[kind])
        if kind == "at":
            return self.assertion(node.value, multiline)
        if kind == "backref":
            spelled = f"\\{node.value}" if node.value.isdigit() else f"\\k<{node.value}>"
            raise NotRegular(
                f"pattern {self.pattern!r} uses a backreference {spelled}, "
                "which is not a regular language"
            )
        if kind == "flags":
            on, off = node.value
            fold_case = "i" in on or (fold_case and "i" not in off)
            multiline = "m" in on or (multiline and "m" not in off)
        body = [self.node(child, fold_case, multiline) for child in node.body]
        if kind == "repeat":
            return re_repeat(body[0], node.low, node.high)
        if kind == "alt":
            return re_alt(body)
        if kind == "look":
            return self.look(body[0], node.value)
        return re_seq(body)  # seq, group, capture, flags

    def assertion(self, which: str, multiline: bool) -> Re:
        if which == "b":
            return re_assert(WORDB)
        if which == "B":
            return re_assert(NWORDB)
        if which == "^":
            start = re_assert(START)
            if not multiline:
                return start
            return re_alt([start, re_look(re_chars(LINE_ENDS), forward=False, neg=False)])
        end = re_assert(END)
        if not multiline:
            return end
        return re_alt([end, re_look(re_chars(LINE_ENDS), forward=True, neg=False)])

    def look(self, body: Re, opener: str) -> Re:
        forward, neg = not opener.startswith("<"), opener.endswith("!")
        if not forward and body.reach != 0:
            raise NotRegular(
                f"pattern {self.pattern!r} has a lookbehind whose body reads past its end "
                "(with '$', a word boundary or a lookahead), which Accord does not analyse"
            )
        return re_look(body, forward, neg)

    def chars(self, spec: _Set, fold_case: bool) -> Chars:
        """A class's characters. Under ``(?i:…)`` everything equal to a member is in, and a
        complement (``\\W``, ``\\P{…}``) is that of the folded set, as RE2 does."""
        parts = [Chars.of(spec.ranges)]
        for perl in spec.perl:
            parts.append(self.maybe_not(_PERL_CHARS[perl.lower()], perl.isupper(), fold_case))
        for negated, name in spec.props:
            parts.append(self.maybe_not(self.prop(name), negated, fold_case))
        chars = union(parts)
        if fold_case:
            chars = fold(chars)
        return ~chars if spec.negated else chars

    @staticmethod
    def maybe_not(chars: Chars, negated: bool, fold_case: bool) -> Chars:
        if fold_case:
            chars = fold(chars)
        return ~chars if negated else chars

    def prop(self, name: str) -> Chars:
        try:
            return unicode_property(name)
        except ValueError:
            raise NotRegular(
                f"pattern {self.pattern!r} uses the Unicode property \\p{{{name}}}, "
                "which RE2 does not know"
            ) from None
