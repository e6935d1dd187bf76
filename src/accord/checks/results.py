"""Check results and their renderings: a JSON document and JUnit XML.

Status: ``pass``, ``fail`` (the data breaks the promise), ``error`` (the check could not
be evaluated: a missing column, a failing or timed-out query) or ``skipped`` (not run on
purpose: custom SQL of a registry contract without ``--allow-custom-sql``). Severity:
``error`` checks decide the exit code, ``warn`` checks are reported only; a skipped check
decides nothing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree import ElementTree as ET

from accord.spec import Severity

Status = Literal["pass", "fail", "error", "skipped"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``failed_rows`` counts failing rows (for ``unique``: rows beyond the first of each key);
    ``observed`` is what was measured when that is not a row count (row count, newest value,
    stored type, extra column names); ``samples`` holds failing rows when they were asked for.
    """

    id: str
    kind: str
    severity: Severity
    status: Status
    message: str
    columns: tuple[str, ...] = ()
    failed_rows: int | None = None
    total_rows: int | None = None
    observed: Any = None
    samples: list[dict[str, Any]] | None = None

    @property
    def blocking(self) -> bool:
        """True when this result fails the run: an error-level check that failed or could not
        be evaluated (a skipped check is neither)."""
        return self.severity == "error" and self.status in ("fail", "error")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (optional fields left out when empty)."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "status": self.status,
            "message": jsonable(self.message),  # a query error may quote a value
            "columns": list(self.columns),
            "failed_rows": self.failed_rows,
            "total_rows": self.total_rows,
        }
        if self.observed is not None:
            out["observed"] = jsonable(self.observed)
        if self.samples is not None:
            out["samples"] = self.samples
        return out


@dataclass(frozen=True)
class Report:
    """Every result of one run over one source. ``stopped`` says why queries stopped early
    (a query ran past its deadline: "timed out after 300 s"); not part of `to_dict`, the
    results it left unevaluated are ``error`` results."""

    contract: str
    source: str
    results: list[CheckResult]
    row_count: int | None = None
    seconds: float = 0.0
    meta: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None

    @property
    def ok(self) -> bool:
        """True when every error-level check passed (exit code 0)."""
        return not any(r.blocking for r in self.results)

    def counts(self) -> dict[str, int]:
        """How many results passed, failed, errored or were skipped, and how many of the
        failures and errors are warnings."""
        return {
            "checks": len(self.results),
            "passed": sum(r.status == "pass" for r in self.results),
            "failed": sum(r.status == "fail" for r in self.results),
            "errors": sum(r.status == "error" for r in self.results),
            "skipped": sum(r.status == "skipped" for r in self.results),
            "warnings": sum(
                r.severity == "warn" and r.status in ("fail", "error") for r in self.results
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document (see docs/checks.md)."""
        return {
            "ok": self.ok,
            "contract": self.contract,
            **({"version": self.meta["version"]} if "version" in self.meta else {}),
            "source": self.source,
            "row_count": self.row_count,
            "seconds": round(self.seconds, 3),
            "summary": self.counts(),
            "checks": [r.to_dict() for r in self.results],
        }

    def to_junit(self) -> str:
        """JUnit XML: one testcase per check; error-level fail/error become failure/error,
        warn-level ones pass with the message in ``system-out``; skipped checks are
        ``skipped``."""
        counts = self.counts()
        blocking = [r for r in self.results if r.blocking]
        suite = ET.Element(
            "testsuite",
            name=f"accord validate {self.contract}",
            tests=str(counts["checks"]),
            failures=str(sum(r.status == "fail" for r in blocking)),
            errors=str(sum(r.status == "error" for r in blocking)),
            skipped=str(counts["skipped"]),
            time=f"{self.seconds:.3f}",
        )
        for result in self.results:
            case = ET.SubElement(suite, "testcase", classname=self.contract, name=result.id)
            if result.blocking:
                tag = "failure" if result.status == "fail" else "error"
                node = ET.SubElement(case, tag, message=result.message, type=result.kind)
                node.text = _details(result)
            elif result.status == "skipped":
                ET.SubElement(case, "skipped", message=result.message)
            elif result.status != "pass":
                ET.SubElement(case, "system-out").text = f"WARN {result.status}: {_details(result)}"
        root = ET.Element("testsuites")
        root.append(suite)
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n"
        )


def _details(result: CheckResult) -> str:
    parts = [result.message]
    if result.failed_rows is not None:
        parts.append(f"failed rows: {result.failed_rows} of {result.total_rows}")
    return "; ".join(parts)


_NUL_SHOWN = "\u2400"  # SYMBOL FOR NULL


def jsonable(value: Any) -> Any:
    """Engine values (dates, decimals, bytes, nested) as JSON values that any server can
    store: the NUL character is shown as U+2400 (PostgreSQL's text cannot hold it, so the
    server refuses it) and NaN and the infinities by name (JSON has no such numbers)."""
    if isinstance(value, str):
        return value.replace("\x00", _NUL_SHOWN) if "\x00" in value else value
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {jsonable(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)
