"""The exceptions `accord.checks` raises.

    ChecksError            base class
    ├── ContractError      the contract file cannot be read or is invalid (carries a path)
    ├── SourceError        the data source cannot be opened or described
    └── QueryError         one query failed in the engine (the runner turns it into an
        │                  ``error`` result of the check that ran it)
        └── QueryTimeout   a query ran past the run's deadline (statement time or lock
                           wait); the source then refuses the queries after it

`ContractError` and `SourceError` are *input* errors: the CLI maps them to exit code 2. A
check that cannot be evaluated (a failing or timed-out query, a missing column) is not an
exception but a result with status ``error``.
"""

from __future__ import annotations


class ChecksError(Exception):
    """Base class of every error raised by `accord.checks`."""


class ContractError(ChecksError):
    """An invalid contract document. ``paths`` name every offending place (``a.b.0.c``)."""

    def __init__(self, message: str, paths: tuple[str, ...] = ()) -> None:
        where = f" (at {', '.join(paths)})" if paths else ""
        super().__init__(f"{message}{where}")
        self.message = message
        self.paths = paths


class SourceError(ChecksError):
    """The data source cannot be opened, read or described."""


class QueryError(ChecksError):
    """The engine refused or failed one query.

    The message is safe to report: the first line of an error the engine raised before
    reading any data (syntax, unknown names, permissions), else only the kind of error
    (`withheld`), because messages of errors met while reading can quote data values."""


class QueryTimeout(QueryError):
    """A query ran past its deadline, or was not run because an earlier one had."""


def withheld(kind: str) -> str:
    """The message of an engine error met while reading data: its kind, not its text."""
    return f"{kind} while reading the data (message withheld: it can quote data values)"
