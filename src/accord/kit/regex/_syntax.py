"""ECMA-262 pattern syntax: what each escape and class means, and the parser that reads a
pattern into a tree (see the package docstring for the semantics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Target = Literal["re2", "postgres", "python"]

MAX_NESTING = 50  # deeper patterns are refused before Python recursion runs out
_LIMIT = {"re2": 1000, "python": 1000, "postgres": 255}  # largest repetition count
_MAX_RUNS = 10  # a count is split into at most this many runs

# ECMA white space and line terminators: what \s means there (RE2's \s is ASCII only)
_WS: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_PERL = {
    "d": ((0x30, 0x39),),
    "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    "s": _WS,
}
_LINE_ENDS = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_CONTROL = {"t": 9, "n": 10, "v": 11, "f": 12, "r": 13}
_SPELLED = {9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_META = frozenset("\\.^$*+?()[]{}|")
_CLASS_META = frozenset("\\]^-[")
# General categories: each short name followed by its long aliases (ECMA accepts both).
_CATEGORIES = (
    "L Letter Lu Uppercase_Letter Ll Lowercase_Letter Lt Titlecase_Letter Lm Modifier_Letter "
    "Lo Other_Letter M Mark Combining_Mark Mn Nonspacing_Mark Mc Spacing_Mark Me "
    "Enclosing_Mark N Number Nd Decimal_Number digit Nl Letter_Number No Other_Number "
    "P Punctuation punct Pc Connector_Punctuation Pd Dash_Punctuation Ps Open_Punctuation "
    "Pe Close_Punctuation Pi Initial_Punctuation Pf Final_Punctuation Po Other_Punctuation "
    "S Symbol Sm Math_Symbol Sc Currency_Symbol Sk Modifier_Symbol So Other_Symbol "
    "Z Separator Zs Space_Separator Zl Line_Separator Zp Paragraph_Separator "
    "C Other Cc Control cntrl Cf Format Co Private_Use"
)


def _categories() -> dict[str, str]:
    out: dict[str, str] = {}
    short = ""
    for word in _CATEGORIES.split():
        if len(word) <= 2:
            short = word
        out[word] = short
    return out


_GC = _categories()


class InvalidPattern(ValueError):
    """Not an ECMA-262 regular expression; ``reason`` says why."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"invalid regular expression {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason


class UnsupportedPattern(InvalidPattern):
    """A valid pattern that no linear-time engine can run; ``feature`` names what it uses."""

    def __init__(self, pattern: str, feature: str, why: str = "") -> None:
        why = why or "Accord evaluates patterns in linear time (RE2), which rules it out"
        ValueError.__init__(self, f"regular expression {pattern!r} uses {feature}: {why}")
        self.pattern = pattern
        self.feature = feature
        self.reason = f"uses {feature}"


# -- the syntax tree ----------------------------------------------------------------------
Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Set:
    """A character class: code point ranges, Perl classes (``d``, ``W``…) and properties."""

    ranges: Ranges = ()
    perl: tuple[str, ...] = ()
    props: tuple[tuple[bool, str], ...] = ()  # (negated, RE2 name)
    negated: bool = False


@dataclass(frozen=True)
class _Node:
    """``kind``: lit, set, dot, any, none, at, group, look, backref, repeat, alt, seq, flags."""

    kind: str
    value: Any = None
    body: tuple[_Node, ...] = ()
    low: int = 1
    high: int | None = 1


@dataclass
class _Parsed:
    root: _Node
    unsupported: list[str] = field(default_factory=list)
    # what only RE2 cannot run as ECMA does: its \B also holds between the UTF-8 bytes of
    # one non-ASCII character (`\B` is found in "aéa", where ECMA sees only boundaries)
    unsupported_re2: list[str] = field(default_factory=list)


class _Parser:
    """Recursive descent over the ECMA-262 grammar (``u``-mode, Annex B literals)."""

    def __init__(self, pattern: str) -> None:
        self.src, self.i, self.depth = pattern, 0, 0
        self.unsupported: list[str] = []
        self.unsupported_re2: list[str] = []
        self.groups, self.names = _count_groups(pattern)
        self.seen_names: set[str] = set()
        self.dotall = False

    def fail(self, reason: str) -> InvalidPattern:
        return InvalidPattern(self.src, f"{reason} at position {self.i}")

    def peek(self, ahead: int = 0) -> str:
        at = self.i + ahead
        return self.src[at] if at < len(self.src) else ""

    def eat(self, text: str) -> bool:
        if self.src.startswith(text, self.i):
            self.i += len(text)
            return True
        return False

    def parse(self) -> _Parsed:
        root = self.disjunction()
        if self.i < len(self.src):
            raise self.fail("unmatched ')'")
        return _Parsed(root, self.unsupported, self.unsupported_re2)

    def disjunction(self) -> _Node:
        branches = [self.alternative()]
        while self.eat("|"):
            branches.append(self.alternative())
        return branches[0] if len(branches) == 1 else _Node("alt", body=tuple(branches))

    def alternative(self) -> _Node:
        items: list[_Node] = []
        while self.i < len(self.src) and self.peek() not in "|)":
            items.append(self.term())
        return _Node("seq", body=tuple(items))

    def term(self) -> _Node:
        start = self.i
        atom = self.atom()
        counted = self.quantifier()
        if counted is None:
            return atom
        if atom.kind in ("at", "look"):
            self.i = start
            raise self.fail("nothing to repeat")
        low, high = counted
        if self.peek() in ("*", "+", "?") or self.quantifier_ahead():
            raise self.fail("nothing to repeat")
        return _Node("repeat", body=(atom,), low=low, high=high)

    def quantifier(self) -> tuple[int, int | None] | None:
        char = self.peek()
        bounds: tuple[int, int | None] | None = None
        if char in ("*", "+", "?"):
            self.i += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{":
            bounds = self.braces()
        if bounds is not None:
            self.eat("?")  # lazy: the same answer for a search
        return bounds

    def quantifier_ahead(self) -> bool:
        if self.peek() != "{":
            return False
        start = self.i
        found = self.braces() is not None
        self.i = start
        return found

    def braces(self) -> tuple[int, int | None] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at the cursor (consumed), else None (a literal)."""
        start = self.i
        self.i += 1
        low = self.digits()
        high: int | None = low
        if low is not None and self.eat(","):
            high = self.digits()
        if low is None or not self.eat("}"):
            self.i = start
            return None
        if high is not None and high < low:
            raise self.fail("numbers out of order in {} quantifier")
        return low, high

    def digits(self) -> int | None:
        start = self.i
        while self.peek().isdigit() and self.peek().isascii():
            self.i += 1
        return int(self.src[start : self.i]) if self.i > start else None

    def atom(self) -> _Node:
        char = self.peek()
        self.i += 1
        if char == ".":
            return _Node("any" if self.dotall else "dot")
        if char in ("^", "$"):
            return _Node("at", char)
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.atom_escape()
        if char in ("*", "+", "?") or (char == "{" and self.quantifier_ahead_at(self.i - 1)):
            self.i -= 1
            raise self.fail("nothing to repeat")
        return _Node("lit", self.code(char))

    def code(self, char: str) -> int:
        """A literal character's code point (JSON text may hold a lone surrogate)."""
        value = ord(char)
        if 0xD800 <= value <= 0xDFFF:
            self.unsupported.append(f"a lone surrogate \\u{value:X}")
        return value

    def quantifier_ahead_at(self, at: int) -> bool:
        self.i, saved = at, self.i
        found = self.quantifier_ahead()
        self.i = saved
        return found

    def group(self) -> _Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise UnsupportedPattern(self.src, f"groups nested more than {MAX_NESTING} deep")
        saved = self.dotall
        kind, value = "capture", None
        if self.eat("?"):
            kind, value = self.group_kind()
        body = self.disjunction()
        if not self.eat(")"):
            raise self.fail("missing ')'")
        self.depth -= 1
        self.dotall = saved
        return _Node(kind, value, (body,))

    def group_kind(self) -> tuple[str, Any]:
        for opener in ("=", "!", "<=", "<!"):
            if self.eat(opener):
                word = "lookahead" if opener[-1] in "=!" and len(opener) == 1 else "lookbehind"
                self.unsupported.append(f"a {word} (?{opener}…)")
                return "look", opener
        if self.eat(":"):
            return "group", None
        if self.eat("<"):
            name = self.group_name()
            if name in self.seen_names:
                raise self.fail(f"duplicate group name {name!r}")
            self.seen_names.add(name)
            return "capture", name
        return self.modifiers()

    def modifiers(self) -> tuple[str, Any]:
        on, off = self.flags(), ""
        if self.eat("-"):
            off = self.flags()
        if not self.eat(":") or not (on or off) or set(on) & set(off):
            raise self.fail("invalid group")
        if "m" in on + off:
            self.unsupported.append("the multiline modifier (?m:…)")
        if "s" in on:
            self.dotall = True
        elif "s" in off:
            self.dotall = False
        return "flags", (
            on.replace("m", "").replace("s", ""),
            off.replace("m", "").replace("s", ""),
        )

    def flags(self) -> str:
        start = self.i
        while self.peek() in ("i", "m", "s") and self.peek():
            self.i += 1
        found = self.src[start : self.i]
        if len(set(found)) != len(found):
            raise self.fail("repeated modifier")
        return found

    def group_name(self) -> str:
        end = self.src.find(">", self.i)
        name = self.src[self.i : end] if end >= 0 else ""
        if not name or not name.replace("$", "_").isidentifier():
            raise self.fail("invalid group name")
        self.i = end + 1
        return name

    def atom_escape(self) -> _Node:
        char = self.peek()
        if not char:
            raise self.fail("\\ at end of pattern")
        self.i += 1
        if char in ("b", "B"):
            if char == "B" and not self.unsupported_re2:
                self.unsupported_re2.append("\\B (RE2 also finds it inside non-ASCII characters)")
            return _Node("at", char)
        if char.isdigit() and char != "0" and char.isascii():
            self.i -= 1
            number = self.digits()
            if number is None or number > self.groups:
                raise self.fail("reference to a group that does not exist")
            self.unsupported.append(f"a backreference \\{number}")
            return _Node("backref", str(number))
        if char == "k":
            if not self.eat("<"):
                raise self.fail("invalid named reference")
            name = self.group_name()
            if name not in self.names:
                raise self.fail(f"reference to an unknown group {name!r}")
            self.unsupported.append(f"a backreference \\k<{name}>")
            return _Node("backref", name)
        found = self.class_escape(char, in_class=False)
        return found if isinstance(found, _Node) else _Node("lit", found)

    def class_escape(self, char: str, in_class: bool) -> _Node | int:
        """The escape after ``\\`` + ``char`` (consumed): a class node or a code point."""
        if char in "dDwWsS":
            return _Node("set", _Set(perl=(char,)))
        if char in ("p", "P"):
            return _Node("set", self.property(char == "P"))
        if char in _CONTROL:
            return _CONTROL[char]
        if char == "0" and not (self.peek().isdigit() and self.peek().isascii()):
            return 0
        if char == "c" and self.peek().isascii() and self.peek().isalpha():
            self.i += 1
            return ord(self.src[self.i - 1]) % 32
        if char == "x":
            return self.hex_digits(2)
        if char == "u":
            return self.unicode_escape()
        if in_class and char == "b":
            return 8
        if char.isascii() and char.isalnum():
            raise self.fail(f"invalid escape \\{char}")
        return ord(char)  # identity escape (Annex B: any punctuation)

    def hex_digits(self, count: int) -> int:
        text = self.src[self.i : self.i + count]
        if len(text) != count or not all(c in "0123456789abcdefABCDEF" for c in text):
            raise self.fail("invalid hexadecimal escape")
        self.i += count
        return int(text, 16)

    def unicode_escape(self) -> int:
        if self.eat("{"):
            end = self.src.find("}", self.i)
            text = self.src[self.i : end] if end >= 0 else ""
            if not text or not all(c in "0123456789abcdefABCDEF" for c in text):
                raise self.fail("invalid \\u{…} escape")
            self.i = end + 1
            value = int(text, 16)
            if value > 0x10FFFF:
                raise self.fail("code point above U+10FFFF")
        else:
            value = self.hex_digits(4)
            if 0xD800 <= value <= 0xDBFF and self.src.startswith("\\u", self.i):
                saved = self.i
                self.i += 2
                low = self.hex_digits(4) if len(self.src) >= self.i + 4 else -1
                if 0xDC00 <= low <= 0xDFFF:
                    return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                self.i = saved
        if 0xD800 <= value <= 0xDFFF:
            self.unsupported.append(f"a lone surrogate \\u{value:X}")
        return value

    def property(self, negated: bool) -> _Set:
        end = self.src.find("}", self.i)
        if not self.eat("{") or end < 0:
            raise self.fail("invalid property escape")
        text = self.src[self.i : end]
        self.i = end + 1
        name, _, value = text.rpartition("=")
        if not value or not text.replace("_", "").replace("=", "", 1).isalnum():
            raise self.fail("invalid property escape")
        if name in ("", "General_Category", "gc") and value in _GC:
            return _Set(props=((negated, _GC[value]),))
        if name in ("Script", "sc"):
            return _Set(props=((negated, value),))  # RE2 knows scripts by their long names
        if not name and value in ("Any", "ASCII"):
            ranges = ((0, 0x7F),) if value == "ASCII" else ((0, 0x10FFFF),)
            return _Set(ranges=ranges, negated=negated)
        self.unsupported.append(f"the Unicode property \\p{{{text}}}")
        return _Set(props=((negated, "Any"),))

    def char_class(self) -> _Node:
        negated = self.eat("^")
        ranges: list[tuple[int, int]] = []
        perl: list[str] = []
        props: list[tuple[bool, str]] = []
        while True:
            if self.i >= len(self.src):
                raise self.fail("missing ']'")
            if self.eat("]"):
                break
            low = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1
                high = self.class_atom()
                if isinstance(low, _Set) or isinstance(high, _Set):
                    raise self.fail("a class escape cannot bound a range")
                if high < low:
                    raise self.fail("range out of order in character class")
                ranges.append((low, high))
            elif isinstance(low, _Set):
                ranges += low.ranges
                perl += low.perl
                props += low.props
            else:
                ranges.append((low, low))
        if not (ranges or perl or props):
            return _Node("any" if negated else "none")
        return _Node("set", _Set(tuple(ranges), tuple(perl), tuple(props), negated))

    def class_atom(self) -> int | _Set:
        char = self.peek()
        self.i += 1
        if char != "\\":
            return self.code(char)
        escaped = self.peek()
        if not escaped:
            raise self.fail("\\ at end of pattern")
        self.i += 1
        if escaped == "-":
            return ord("-")
        found = self.class_escape(escaped, in_class=True)
        if isinstance(found, _Node):
            value: _Set = found.value
            if value.negated:  # \P{Any}, \P{ASCII}: a complement inside a class
                return _Set(ranges=_complement(value.ranges))
            return value
        return found


def _count_groups(pattern: str) -> tuple[int, set[str]]:
    """Capturing groups and their names (a backreference may come before its group)."""
    count, names, i, in_class = 0, set(), 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "(" and not in_class:
            if not pattern.startswith("?", i + 1):
                count += 1
            elif pattern.startswith("?<", i + 1) and pattern[i + 3 : i + 4] not in ("=", "!"):
                count += 1
                names.add(pattern[i + 3 : pattern.find(">", i)])
        i += 1
    return count, names


def _complement(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    next_low = 0
    for low, high in sorted(ranges):
        if low > next_low:
            out.append((next_low, low - 1))
        next_low = max(next_low, high + 1)
    if next_low <= 0x10FFFF:
        out.append((next_low, 0x10FFFF))
    return tuple(out)
