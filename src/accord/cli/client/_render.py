"""Human-readable tables shared by the client commands."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from accord.sdk import Awaited, Change, Registration


def changes_table(title: str, changes: Sequence[Change]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("path", "kind", "direction", "message"):
        table.add_column(name, overflow="fold")
    for c in changes:
        table.add_row(c.path, c.kind, c.direction, c.message)
    return table


def consumers_table(
    title: str, registrations: Sequence[Registration], names: dict[uuid.UUID, str]
) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("team", "fields", "versions", "registration"):
        table.add_column(name, overflow="fold")
    for r in registrations:
        fields = ", ".join(r.fields) if r.fields else "(all)"
        table.add_row(
            names.get(r.team_id, str(r.team_id)), fields, r.version_range or "any", str(r.id)
        )
    return table


def awaiting_table(awaiting: Sequence[Awaited], names: dict[uuid.UUID, str]) -> Table:
    table = Table(title="consumers", title_justify="left", show_edge=False)
    for name in ("team", "decision", "comment", "decided"):
        table.add_column(name, overflow="fold")
    for a in awaiting:
        decided = a.decided_at.strftime("%Y-%m-%d %H:%M") if a.decided_at else ""
        table.add_row(
            names.get(a.team_id, str(a.team_id)), a.decision or "pending", a.comment, decided
        )
    return table


def print_breaking(
    out: Console,
    changes: Sequence[Change],
    affected: Sequence[Registration],
    names: dict[uuid.UUID, str],
) -> None:
    """The breaking changes, then the consumers they would wait on."""
    out.print(changes_table(f"breaking changes ({len(changes)})", changes))
    if affected:
        out.print(consumers_table(f"affected consumers ({len(affected)})", affected, names))
    else:
        out.print("no registered consumer is affected")
