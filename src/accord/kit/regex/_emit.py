"""Spelling a parsed pattern for an engine: RE2 (also read by Python's parser) or
PostgreSQL's ARE."""

from __future__ import annotations

from accord.kit.regex._syntax import (
    _CLASS_META,
    _LIMIT,
    _LINE_ENDS,
    _MAX_RUNS,
    _META,
    _PERL,
    _SPELLED,
    Target,
    UnsupportedPattern,
    _complement,
    _Node,
    _Set,
)


# -- spelling for an engine ---------------------------------------------------------------
class _Emitter:
    """Spells a syntax tree for RE2 (also read by Python's parser), or PostgreSQL ARE."""

    def __init__(self, pattern: str, target: Target) -> None:
        self.src, self.target, self.pg = pattern, target, target == "postgres"

    def refuse(self, feature: str) -> UnsupportedPattern:
        return UnsupportedPattern(self.src, feature, "PostgreSQL cannot evaluate it the same way")

    def emit(self, node: _Node) -> str:
        kind = node.kind
        if kind in ("seq", "alt"):
            return ("" if kind == "seq" else "|").join(self.emit(n) for n in node.body)
        if kind == "lit":
            return self.char(node.value, _META)
        if kind == "set":
            return self.set(node.value)
        if kind == "dot":
            return self.set(_Set(ranges=_LINE_ENDS, negated=True))
        if kind in ("any", "none"):
            if kind == "any" and not self.pg:
                return "(?s:.)"
            return self.set(_Set(ranges=((0, 0x10FFFF),), negated=kind == "none"))
        if kind == "at":
            return self.anchor(node.value)
        if kind == "repeat":
            return self.repeat(node)
        if kind == "backref":
            return f"\\{node.value}" if node.value.isdigit() else f"(?P={node.value})"
        return self.group(node)

    def group(self, node: _Node) -> str:
        body = self.emit(node.body[0])
        if node.kind == "look":
            return f"(?{node.value}{body})"
        if node.kind == "flags":
            on, off = node.value
            if self.pg and (on or off):
                raise self.refuse("the case-insensitive modifier (?i:…)")
            flags = on + ("-" + off if off else "")
            return f"(?{flags}:{body})" if flags else f"(?:{body})"
        if node.kind == "capture" and node.value is None:
            return f"({body})"
        name = node.value
        if node.kind == "capture" and not self.pg and name.isascii() and name.isidentifier():
            return f"(?P<{name}>{body})"
        return f"(?:{body})"  # PostgreSQL has no named groups; a search needs no capture

    def anchor(self, which: str) -> str:
        if which in ("^", "$"):
            return which
        if not self.pg:
            return "\\" + which  # RE2's \b and \B are ASCII, as ECMA's
        word = "[0-9A-Za-z_]"  # ARE's \y follows the locale: spell ECMA's ASCII boundary
        if which == "b":
            return f"(?:(?<={word})(?!{word})|(?<!{word})(?={word}))"
        return f"(?:(?<={word})(?={word})|(?<!{word})(?!{word}))"

    def char(self, code: int, meta: frozenset[str]) -> str:
        if code in _SPELLED:
            return _SPELLED[code]
        if code < 0x20 or 0x7F <= code < 0xA0:
            return f"\\u{code:04X}" if self.pg else f"\\x{code:02X}"
        text = chr(code)
        if code >= 0xA0 and (text.isspace() or not text.isprintable()):
            # invisible in SQL and logs; Python's parser needs the character itself
            if self.pg:
                return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"
            return text if self.target == "python" else f"\\x{{{code:X}}}"
        return "\\" + text if text in meta else text

    def set(self, value: _Set) -> str:
        alone = not (value.ranges or value.props or value.negated) and len(value.perl) == 1
        if alone and not self.pg and value.perl[0] in "dDwW":
            return "\\" + value.perl[0]
        if alone and value.perl[0].isupper():  # \S: the complement, spelled as one
            return self.set(_Set(perl=(value.perl[0].lower(),), negated=True))
        ranges = list(value.ranges)
        parts: list[str] = []
        for perl in value.perl:
            if not self.pg and perl in "dDwW":
                parts.append("\\" + perl)
            else:  # ECMA \s is Unicode; ARE has no complements inside a class
                own = _PERL[perl.lower()]
                ranges += own if perl.islower() else _complement(own)
        for negated, name in value.props:
            if self.pg:
                raise self.refuse(f"the Unicode property \\p{{{name}}}")
            parts.append(("\\P" if negated else "\\p") + "{" + name + "}")
        spelled = "".join(self.span(low, high) for low, high in _merge(ranges))
        return "[" + ("^" if value.negated else "") + spelled + "".join(parts) + "]"

    def span(self, low: int, high: int) -> str:
        first = self.char(low, _CLASS_META)
        if high == low:
            return first
        if high == low + 1:  # two characters read better than a range
            return first + self.char(high, _CLASS_META)
        if self.pg and high > 0xFFFF:
            return f"{first}-\\U{high:08X}"
        return f"{first}-{self.char(high, _CLASS_META)}"

    def repeat(self, node: _Node) -> str:
        atom = self.emit(node.body[0])
        runs = _runs(node.low, node.high, _LIMIT[self.target])
        if len(runs) > _MAX_RUNS:
            count = node.high if node.high is not None else node.low
            raise UnsupportedPattern(self.src, f"a repetition count of {count}")
        return "".join(atom + _quantifier(low, high) for low, high in runs)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def _runs(low: int, high: int | None, limit: int) -> list[tuple[int, int | None]]:
    """``x{low,high}`` as consecutive ``x{a,b}`` runs with counts within ``limit``
    (``L{a1,b1}·L{a2,b2}`` is ``L{a1+a2,b1+b2}``)."""
    runs: list[tuple[int, int | None]] = []
    while low > limit or (high is not None and high > limit):
        take = min(low, limit)
        runs.append((take, limit))
        low, high = low - take, None if high is None else high - limit
        if len(runs) > _MAX_RUNS:
            break
    runs.append((low, high))
    return runs


def _quantifier(low: int, high: int | None) -> str:
    if high is None:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    if low == high:
        return "" if low == 1 else f"{{{low}}}"
    return "?" if (low, high) == (0, 1) else f"{{{low},{high}}}"
