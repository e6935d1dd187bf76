"""Assets: the searchable list, one asset's page (contract, versions, consumers, lineage,
validation runs) and the readable diff between any two of its versions.

Read-only pages: every datum comes from the services the API calls, with the signed-in
principal, so the UI sees exactly what the caller's key may see (another workspace's
asset is a 404 page). Every list is bounded (a page of assets, the latest versions, the
first consumers, a capped lineage picture, the latest runs).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accord.api_key import service as api_key_service
from accord.asset import service as asset_service
from accord.asset.schemas import AssetKind
from accord.auth.principal import Principal
from accord.compat import SchemaError
from accord.contract import service as contract_service
from accord.contract.evaluate import compare
from accord.deps import SessionDep, StateDep, engine_for
from accord.exceptions import ValidationFailedError
from accord.lineage import service as lineage_service
from accord.models import Asset, ContractVersion, ValidationRun
from accord.proposal import service as proposal_service
from accord.registration import service as registration_service
from accord.team import service as team_service
from accord.validation import service as validation_service
from accord.web import charts
from accord.web.contract_table import contract_rows, table_guarantees
from accord.web.deps import ViewerDep
from accord.web.templating import environment, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
TEAMS_LISTED = 500
VERSIONS_SHOWN = 10
CONSUMERS_SHOWN = 50
LINEAGE_DEPTH = 2
LINEAGE_PER_LAYER = 6
LINEAGE_LISTED = 25
RUNS_SHOWN = 20
RUNS_LISTED = 10
FAILURES_SHOWN = 20
DIFF_CHOICES = 50
SCHEMA_TEXT_LIMIT = 30_000


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def _team_names(session: SessionDep, principal: Principal) -> dict[uuid.UUID, str]:
    teams = await team_service.list_teams(session, principal, after_id=None, limit=TEAMS_LISTED)
    return {t.id: t.name for t in teams}


# --- the list -----------------------------------------------------------------------


@router.get("/ui/assets")
async def assets(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    q: str | None = Query(None, max_length=200),
    team: str | None = Query(None, max_length=64),
    environment: str | None = Query(None, max_length=32),
    kind: str | None = Query(None, max_length=16),
    after: str | None = Query(None, max_length=64),
) -> Response:
    q, environment = _blank(q), _blank(environment)
    team_id, after_id = _uuid(_blank(team)), _uuid(_blank(after))
    kinds = [k.value for k in AssetKind]
    kind = _blank(kind)
    error = None
    if kind is not None and kind not in kinds:
        error, kind = "That kind of asset does not exist; showing every kind.", None
    if _blank(team) and team_id is None:
        error = "That team filter is not valid; showing every team."
    rows = await asset_service.list_assets(
        session, who.principal, q=q, owner_team_id=team_id, environment=environment,
        tag=None, kind=kind, after_id=after_id, limit=PAGE_SIZE + 1,
    )  # fmt: skip
    filters = {
        "q": q,
        "team": str(team_id) if team_id else None,
        "environment": environment,
        "kind": kind,
    }
    kept = {k: v for k, v in filters.items() if v}
    next_url = None
    if len(rows) > PAGE_SIZE:
        next_url = "/ui/assets?" + urlencode({**kept, "after": str(rows[PAGE_SIZE - 1].id)})
    first_url = ("/ui/assets?" + urlencode(kept)) if after_id is not None else None
    return render(
        request,
        "assets.html",
        {
            "nav": "assets",
            "assets": rows[:PAGE_SIZE],
            "teams": await _team_names(session, who.principal),
            "kinds": kinds,
            "filters": filters,
            "filtered": bool(kept),
            "next_url": next_url,
            "first_url": first_url,
            "error": error,
        },
        viewer=who,
    )


# --- the asset page ------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    version: ContractVersion
    previous: str | None
    by: str


async def _versions(
    session: SessionDep, who: ViewerDep, asset: Asset, latest: ContractVersion | None,
    before: int | None, teams: dict[uuid.UUID, str],
) -> tuple[list[VersionRow], int | None]:  # fmt: skip
    """The newest versions (newest first), those before seq ``before`` when paging back,
    and the seq to pass to see older ones (None: none left). Sequence numbers are
    contiguous per asset, so the window is one bounded query."""
    if latest is None:
        return [], None
    top = min(before - 1, latest.seq) if before is not None else latest.seq
    start = max(0, top - VERSIONS_SHOWN - 1)  # one more: the previous of the oldest shown
    rows = list(await contract_service.summaries(session, asset.id, after_seq=start,
                                            limit=top - start))  # fmt: skip
    keys = await api_key_service.holders(session, who.principal, (v.published_by for v in rows))
    out = [
        VersionRow(v, rows[i - 1].version if i > 0 else None, _by(v.published_by, keys, teams))
        for i, v in enumerate(rows)
    ][-VERSIONS_SHOWN:]
    out.reverse()
    older = out[-1].version.seq if out and out[-1].version.seq > 1 else None
    return out, older


def _by(
    key_id: str | None, holders: dict[str, api_key_service.Holder], teams: dict[uuid.UUID, str]
) -> str:
    """Who published: the key's name when the viewer may see it, else its team."""
    if key_id is None:
        return "the system"
    holder = holders.get(key_id)
    if holder is None:
        return f"key {key_id[:8]}"
    team = teams.get(holder.team_id, "a deleted team") if holder.team_id else None
    if holder.name is not None:
        return f"key “{holder.name}”" + (f" ({team})" if team else "")
    return f"a key of {team}" if team else "a workspace-admin key"


@dataclass
class Lineage:
    svg: str
    upstream: list[lineage_service.Reached]
    downstream: list[lineage_service.Reached]
    up_total: int
    down_total: int


async def _lineage(session: SessionDep, principal: Principal, asset: Asset) -> Lineage:
    """Two steps each way, drawn (at most `LINEAGE_PER_LAYER` per column) and listed."""
    near = await lineage_service.neighbourhood(
        session, principal.workspace_id, asset.id, depth=LINEAGE_DEPTH, limit=LINEAGE_LISTED
    )
    nodes = [charts.GraphNode(str(asset.id), asset.fqn, 0, None, asset.environment)]
    for sign, rows in ((-1, near.upstream), (1, near.downstream)):
        nodes += [
            charts.GraphNode(str(r.asset_id), r.fqn, sign * r.distance,
                             f"/ui/assets/{r.asset_id}", f"{r.environment} · {r.owner_team_name}")
            for r in rows
        ]  # fmt: skip
    edges = {(str(u), str(d)) for u, d in near.edges}
    return Lineage(
        charts.lineage_svg(nodes, edges, title=f"Lineage of {asset.fqn}",
                           per_layer=LINEAGE_PER_LAYER)
        if len(nodes) > 1 else "",
        near.upstream, near.downstream, near.up_total, near.down_total,
    )  # fmt: skip


def _rate(run: ValidationRun) -> float | None:
    summary = run.summary or {}
    counted = int(summary.get("checks", 0)) - int(summary.get("skipped", 0))
    return int(summary.get("passed", 0)) / counted if counted > 0 else None


@dataclass
class Runs:
    items: list[ValidationRun]
    rates: dict[uuid.UUID, str]
    svg: str
    failed_run: ValidationRun | None
    failures: list[dict[str, Any]]


def _runs(asset: Asset, runs: Sequence[ValidationRun]) -> Runs:
    newest_first = list(runs)
    when = environment.filters["when"]
    points = [
        charts.RunPoint(when(r.created_at), _rate(r), r.status == "passed")
        for r in reversed(newest_first)
    ]
    rates = {r.id: charts.percent(_rate(r)) for r in newest_first}
    failed = next((r for r in newest_first if r.status == "failed"), None)
    failures = []
    if failed is not None:
        failures = [c for c in failed.checks if c.get("status") in ("fail", "error")]
    return Runs(
        newest_first,
        rates,
        charts.pass_rate_svg(points, title=f"Validation pass rate of {asset.fqn}, oldest first"),
        failed,
        failures[:FAILURES_SHOWN],
    )


@router.get("/ui/assets/{asset_id}")
async def asset_page(
    request: Request,
    asset_id: uuid.UUID,
    session: SessionDep,
    who: ViewerDep,
    before: int | None = Query(None, ge=2, le=2**31),
) -> Response:
    principal = who.principal
    asset = await asset_service.get(session, principal, asset_id)
    teams = await _team_names(session, principal)
    latest = (await contract_service.heads(session, asset.id)).latest
    rows, cut = contract_rows(latest) if latest is not None else ([], False)
    versions, older = await _versions(session, who, asset, latest, before, teams)
    consumers = await registration_service.list_registrations(
        session, principal, asset_id=asset.id, team_id=None, after_id=None,
        limit=CONSUMERS_SHOWN + 1,
    )  # fmt: skip
    pending = await proposal_service.open_for_asset(session, asset.id)
    open_proposal = await proposal_service.to_out(session, pending) if pending else None
    runs = await validation_service.history(
        session, principal, asset.id, status=None, version=None, since=None, until=None,
        before_id=None, limit=RUNS_SHOWN,
    )  # fmt: skip
    return render(
        request,
        "asset.html",
        {
            "nav": "assets",
            "asset": asset,
            "open_proposal": open_proposal,
            "owner": teams.get(asset.owner_team_id, "a deleted team"),
            "teams": teams,
            "latest": latest,
            "rows": rows,
            "rows_cut": cut,
            "whole": table_guarantees(latest.guarantees or {}) if latest is not None else [],
            "versions": versions,
            "older": older,
            "paged": before is not None,
            "consumers": consumers[:CONSUMERS_SHOWN],
            "more_consumers": len(consumers) > CONSUMERS_SHOWN,
            "lineage": await _lineage(session, principal, asset),
            "lineage_depth": LINEAGE_DEPTH,
            "runs": _runs(asset, runs),
            "runs_listed": RUNS_LISTED,
        },
        viewer=who,
    )


# --- the diff ------------------------------------------------------------------------

_MODES = ("backward", "forward", "full")
_BREAKS = {
    "backward": frozenset({"tightens", "both"}),
    "forward": frozenset({"relaxes", "both"}),
    "full": frozenset({"tightens", "relaxes", "both"}),
}
DIRECTION_WORDS = {
    "tightens": "tightens: accepts fewer documents",
    "relaxes": "relaxes: accepts more documents",
    "both": "both: accepts some new documents and refuses some old ones",
    "neutral": "neutral: breaks no reader by itself",
}


def _per_mode(direction: str) -> dict[str, bool]:
    return {mode: direction in _BREAKS[mode] for mode in _MODES}


def _policy_mode(policy: str) -> str:
    return policy.removesuffix("_transitive")


def _schema_text(version: ContractVersion) -> tuple[str, bool]:
    text = str(environment.filters["pretty"](version.schema_))
    if len(text) > SCHEMA_TEXT_LIMIT:
        return text[:SCHEMA_TEXT_LIMIT], True
    return text, False


async def _choices(
    session: SessionDep, asset: Asset, latest: ContractVersion
) -> list[ContractVersion]:
    start = max(0, latest.seq - DIFF_CHOICES)
    rows = await contract_service.summaries(session, asset.id, after_seq=start, limit=DIFF_CHOICES)
    return list(reversed(rows))


@router.get("/ui/assets/{asset_id}/diff")
async def diff_page(
    request: Request,
    asset_id: uuid.UUID,
    session: SessionDep,
    state: StateDep,
    who: ViewerDep,
    from_version: str | None = Query(None, alias="from", max_length=64),
    to_version: str | None = Query(None, alias="to", max_length=64),
) -> Response:
    principal = who.principal
    asset = await asset_service.get(session, principal, asset_id)
    latest = (await contract_service.heads(session, asset.id)).latest
    context: dict[str, Any] = {"nav": "assets", "asset": asset, "diff": None, "choices": []}
    if latest is None or latest.seq < 2:
        context["message"] = "This asset has fewer than two versions: there is nothing to compare."
        return render(request, "diff.html", context, viewer=who)
    new = await contract_service.get_version(
        session, asset.id, _blank(to_version) or latest.version
    )
    if (given := _blank(from_version)) is not None:
        old = await contract_service.get_version(session, asset.id, given)
    else:  # the version before `new` (seqs are contiguous); the first one: itself
        before = await contract_service.page(
            session, asset.id, after_seq=max(0, new.seq - 2), limit=1
        )
        old = before[0]
    # After the two compared are loaded whole: the list reads versions without documents.
    choices = await _choices(session, asset, latest)
    args, kwargs = await contract_service.diff_inputs(session, asset, old, new)
    try:
        found = await engine_for(state, principal).near(asset.id)(compare, *args, **kwargs)
    except SchemaError as exc:  # as the API: stored versions were validated
        raise ValidationFailedError(str(exc), code="invalid_schema") from None
    names = {c.version for c in choices}
    extra = [v for v in (new, old) if v.version not in names]
    policy_mode = _policy_mode(asset.compatibility)
    changes = [
        {**c, "modes": _per_mode(c["direction"]),
         "breaks_policy": policy_mode in _BREAKS and c["direction"] in _BREAKS[policy_mode]}
        for c in found["changes"] + found["guarantee_changes"]
    ]  # fmt: skip
    old_text, old_cut = _schema_text(old)
    new_text, new_cut = _schema_text(new)
    context.update(
        choices=extra + choices,
        old=old,
        new=new,
        diff=found,
        changes=changes,
        modes=_MODES,
        directions=DIRECTION_WORDS,
        old_text=old_text,
        new_text=new_text,
        cut=old_cut or new_cut,
        same=old.id == new.id,
        more_versions=latest.seq > DIFF_CHOICES,
    )
    return render(request, "diff.html", context, viewer=who)
