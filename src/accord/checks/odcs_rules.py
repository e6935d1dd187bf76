"""ODCS quality rules and SLA properties <-> Accord guarantees, one rule at a time.

Reading a rule gives a *fragment*: a hashable, comparable statement of what it promises
(``("not_null", "order_id")``), or None when Accord has no equivalent (the rule is then kept
verbatim). Export writes a rule per fragment of the contract, and reuses the original rule
(with its id, name, description …) whenever its fragment is still in the contract, which is
what makes import -> export round-trip.
"""

from __future__ import annotations

import re
from typing import Any

from accord.checks.sql import quote_ident

Fragment = tuple[Any, ...]
COLUMN_KINDS = frozenset({"not_null", "unique", "accepted_values", "pattern"})
UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60,
    "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "d": 86400,
    "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
    "y": 31536000, "yr": 31536000, "year": 31536000, "years": 31536000,
}  # fmt: skip
_PLACEHOLDER = re.compile(r"\$?\{(object|table|column|property)\}")
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def key(fragment: Fragment) -> Fragment:
    """What a fragment is about: two rules with one key cannot both map (the second one is
    kept verbatim), e.g. two rowCount rules or two nullValues rules on one column."""
    kind = fragment[0]
    if kind in COLUMN_KINDS or kind == "custom":
        return fragment[:2]
    return fragment if kind == "unique_together" else (kind,)


class Reader:
    """Collects the fragments of a document in order; the first of each `key` wins."""

    def __init__(self) -> None:
        self.found: list[Fragment] = []
        self._keys: set[Fragment] = set()

    def take(self, fragment: Fragment | None) -> Fragment | None:
        """Record ``fragment`` and return it, or None when it is absent or a repeat."""
        if fragment is None or key(fragment) in self._keys:
            return None
        self._keys.add(key(fragment))
        self.found.append(fragment)
        return fragment


def severity(rule: dict[str, Any]) -> str:
    """ODCS ``severity`` (free text) as an Accord severity: warning/info are ``warn``."""
    return (
        "warn"
        if str(rule.get("severity", "error")).lower() in {"warn", "warning", "info"}
        else "error"
    )


def custom_name(rule: dict[str, Any], fallback: str) -> str:
    """A custom-check name (``[A-Za-z0-9_.-]+``) from the rule's name or id."""
    raw = str(rule.get("name") or rule.get("id") or fallback)
    return _NAME.sub("_", raw).strip("_")[:100] or fallback


def read_rule(rule: Any, column: str | None, fallback: str) -> Fragment | None:
    """The fragment a quality rule states, or None when Accord cannot represent it."""
    if not isinstance(rule, dict):
        return None
    kind, metric = rule.get("type", "library"), rule.get("metric", rule.get("rule"))
    args: dict[str, Any] = rule["arguments"] if isinstance(rule.get("arguments"), dict) else {}
    zero = rule.get("mustBe") == 0 and set(rule) & _OPERATORS == {"mustBe"}
    sev = severity(rule)
    if kind == "sql" and zero and isinstance(rule.get("query"), str):
        return ("custom", custom_name(rule, fallback), _sql(rule["query"], column), sev)
    if kind != "library":
        return None
    if metric == "rowCount" and column is None:
        return _row_count(rule, sev)
    if not zero:
        return None
    if column is not None and metric == "nullValues" and not args:
        return ("not_null", column, sev)
    if column is not None and metric == "duplicateValues" and not args:
        return ("unique", column, sev)
    if column is None and metric == "duplicateValues" and set(args) == {"properties"}:
        key = args["properties"]
        if isinstance(key, list) and len(key) >= 2 and all(isinstance(k, str) for k in key):
            return ("unique_together", tuple(key))
    if column is not None and metric == "invalidValues":
        if set(args) == {"validValues"} and isinstance(args["validValues"], list):
            return ("accepted_values", column, tuple(args["validValues"]), sev)
        if set(args) == {"pattern"} and isinstance(args["pattern"], str):
            return ("pattern", column, args["pattern"], sev)
    return None


_OPERATORS = frozenset(
    {"mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan",
     "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween"}
)  # fmt: skip


def _row_count(rule: dict[str, Any], sev: str) -> Fragment | None:
    ops = set(rule) & _OPERATORS
    if len(ops) != 1:
        return None
    op = ops.pop()
    value = rule[op]
    if op == "mustBeBetween":
        low, high = value
        return ("row_count", _int(low), _int(high), sev)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    bounds = {
        "mustBe": (value, value),
        "mustBeGreaterThan": (value + 1, None),
        "mustBeGreaterOrEqualTo": (value, None),
        "mustBeLessThan": (None, value - 1),
        "mustBeLessOrEqualTo": (None, value),
    }.get(op)
    if bounds is None:
        return None
    return ("row_count", _int(bounds[0]), _int(bounds[1]), sev)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _sql(query: str, column: str | None) -> str:
    def repl(match: re.Match[str]) -> str:
        if match.group(1) in ("column", "property") and column is not None:
            return quote_ident(column)
        return "{table}" if match.group(1) in ("object", "table") else match.group(0)

    return _PLACEHOLDER.sub(repl, query)


def read_sla(sla: Any, table: str) -> Fragment | None:
    """A freshness SLA on one of ``table``'s columns, as ``("freshness", col, seconds)``."""
    if not isinstance(sla, dict) or str(sla.get("property", "")).lower() != "freshness":
        return None
    value, unit = sla.get("value"), str(sla.get("unit", "d")).lower()
    element = str(sla.get("element", ""))
    if isinstance(value, bool) or not isinstance(value, int | float) or unit not in UNITS:
        return None
    obj, _, column = element.rpartition(".")
    if obj not in ("", table) or not column or value <= 0:
        return None
    return ("freshness", column, int(value * UNITS[unit]))


def write_rule(fragment: Fragment) -> dict[str, Any]:
    """A fresh ODCS quality rule for a fragment (the inverse of `read_rule`)."""
    kind = fragment[0]
    sev = {} if fragment[-1] == "error" else {"severity": "warning"}
    if kind == "custom":
        return {"type": "sql", "name": fragment[1], "query": fragment[2], "mustBe": 0, **sev}
    if kind == "row_count":
        low, high = fragment[1], fragment[2]
        base: dict[str, Any] = {"type": "library", "metric": "rowCount"}
        if low is not None and high is not None:
            op: dict[str, Any] = {"mustBe": low} if low == high else {"mustBeBetween": [low, high]}
        elif low is not None:
            op = {"mustBeGreaterOrEqualTo": low}
        else:
            op = {"mustBeLessOrEqualTo": high}
        return {**base, **op, **sev}
    if kind == "unique_together":
        return {
            "type": "library",
            "metric": "duplicateValues",
            "arguments": {"properties": list(fragment[1])},
            "mustBe": 0,
        }
    metric, args = {
        "not_null": ("nullValues", None),
        "unique": ("duplicateValues", None),
        "accepted_values": ("invalidValues", {"validValues": list(fragment[2])}),
        "pattern": ("invalidValues", {"pattern": fragment[2]}),
    }[kind]
    rule: dict[str, Any] = {"type": "library", "metric": metric}
    if args is not None:
        rule["arguments"] = args
    return {**rule, "mustBe": 0, **sev}


def write_sla(fragment: Fragment, table: str) -> dict[str, Any]:
    """A freshness SLA property for ``("freshness", column, seconds)``."""
    seconds = fragment[2]
    unit = next(u for u in ("d", "h", "m", "s") if seconds % UNITS[u] == 0)
    return {
        "property": "freshness",
        "value": seconds // UNITS[unit],
        "unit": unit,
        "element": f"{table}.{fragment[1]}",
    }
