"""Human-readable tables and lines shared by the client commands (names next to ids)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.sdk import Awaited, Change, DownstreamImpact, ReachedAsset, Registration

WITNESS_WIDTH = 200


def changes_table(title: str, changes: Sequence[Change]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("path", "kind", "direction", "message"):
        table.add_column(name, overflow="fold")
    for c in changes:
        table.add_row(c.path, c.kind, c.direction, c.message)
    return table


def witness_lines(witnesses: Sequence[dict[str, Any]]) -> list[str]:
    """One line per witness: a document valid under one schema and not the other."""
    lines = []
    for w in witnesses:
        doc = json.dumps(w.get("document"), ensure_ascii=False, default=str)
        if len(doc) > WITNESS_WIDTH:
            doc = doc[: WITNESS_WIDTH - 3] + "..."
        mode = f"{w['mode']}, " if w.get("mode") else ""
        lines.append(
            f"witness ({mode}valid under {w.get('valid_under', '?')} only, "
            f"at {w.get('path') or '/'}): {doc}"
        )
    return lines


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
    for name in ("team", "decision", "comment", "decided", "registration"):
        table.add_column(name, overflow="fold")
    for a in awaiting:
        decided = a.decided_at.strftime("%Y-%m-%d %H:%M") if a.decided_at else ""
        table.add_row(
            names.get(a.team_id, str(a.team_id)),
            a.decision or "pending",
            a.comment,
            decided,
            str(a.registration_id),
        )
    return table


def waiting_on(awaiting: Sequence[Awaited], names: dict[uuid.UUID, str]) -> str:
    """``analytics (blocked: why), finance (pending)``: the teams that have not approved."""
    parts = []
    for a in awaiting:
        if a.decision == "approve":
            continue
        state = a.decision or "pending"
        note = f": {a.comment}" if a.comment else ""
        parts.append(f"{names.get(a.team_id, str(a.team_id))} ({state}{note})")
    return ", ".join(parts)


def reached_table(title: str, assets: Sequence[ReachedAsset]) -> Table:
    """Assets met by a lineage walk, nearest first, with owners and consumers by name."""
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("distance", "fqn", "env", "kind", "owner", "consumers", "id"):
        table.add_column(name, overflow="fold")
    for a in assets:
        consumers = ", ".join(sorted({r.team.name for r in a.registrations})) or "-"
        table.add_row(
            str(a.distance), a.fqn, a.environment, a.kind, a.owner_team.name, consumers,
            str(a.asset_id),
        )  # fmt: skip
    return table


def print_downstream(out: Console, downstream: DownstreamImpact | None) -> None:
    """The assets downstream of a changed one: they may break too."""
    if downstream is None:
        return
    if not downstream.assets:
        out.print(f"no downstream assets (within {downstream.depth} edge(s))")
        return
    more = f", {downstream.total} in all" if downstream.truncated else ""
    title = f"downstream assets ({len(downstream.assets)}{more}, within {downstream.depth} edges)"
    out.print(reached_table(title, downstream.assets))


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
