"""`accord import dbt MANIFEST`: send a dbt manifest.json to the server and print the plan.

Exit codes: 0 imported (or planned, with --dry-run), 2 anything else (unreadable file,
unreachable server, a rejected manifest: the server's problem detail is printed). With
``--json`` the server's result document is printed as is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import httpx
import typer

DEFAULT_URL = "http://127.0.0.1:8080"
ERROR = 2


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(ERROR)


def make_client(base_url: str, api_key: str, timeout: float) -> httpx.Client:
    """The HTTP client (tests replace this to inject a transport)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") or body.get("title") if isinstance(body, dict) else None
    code = body.get("code") if isinstance(body, dict) else None
    return f"{detail or 'request failed'} ({code or 'error'}, HTTP {response.status_code})"


def _post(client: httpx.Client, raw: bytes, params: dict[str, str]) -> dict[str, Any]:
    try:
        response = client.post(
            "/api/v1/imports/dbt",
            content=raw,
            params=params,
            headers={"Content-Type": "application/json"},
        )
    except httpx.HTTPError as exc:
        _fail(f"cannot reach {client.base_url}: {exc.__class__.__name__}: {exc}")
    if response.status_code != 200:
        _fail(_problem(response))
    body: dict[str, Any] = response.json()
    return body


def _lines(result: dict[str, Any]) -> list[str]:
    m, s = result["manifest"], result["summary"]
    mode = " [dry run: nothing written]" if result["dry_run"] else ""
    out = [
        f"dbt project {m['project_name']} (manifest v{m['schema_version']}, dbt "
        f"{m['dbt_version']}) -> environment {result['environment']}{mode}",
        f"assets: {s['assets_created']} created, {s['assets_updated']} updated, "
        f"{s['assets_unchanged']} unchanged, {s['assets_skipped']} skipped",
        f"versions: {s['versions_published']} published, {s['proposals_opened']} proposals opened",
        f"lineage: {s['edges_created']} created, {s['edges_deleted']} deleted, "
        f"{s['edges_unchanged']} unchanged",
        f"registrations: {s['registrations_created']} created",
    ]
    for a in result["assets"]:
        v = a["version"]
        if v["outcome"] == "proposal":
            out.append(
                f"  ! {a['fqn']}: breaking, proposal {v['proposal_id']} "
                f"({len(v['breaking_changes'])} breaking change(s), "
                f"{v['downstream_assets']} downstream asset(s))"
            )
        elif v["outcome"] == "published":
            out.append(f"  + {a['fqn']}: version {v['version']}")
        elif a["action"] in ("created", "updated") or a["reason"]:
            out.append(f"  {'~' if a['reason'] else '+'} {a['fqn']}: {a['reason'] or a['action']}")
    for e in result["edges"]:
        mark = {"created": "+", "deleted": "-"}.get(e["action"], "~")
        out.append(f"  {mark} edge {e['upstream']} -> {e['downstream']}")
    for r in result["registrations"]:
        if r["action"] != "unchanged":
            why = f": {r['reason']}" if r["reason"] else ""
            out.append(f"  {r['action']} registration {r['exposure']} on {r['fqn']}{why}")
    out += [f"warning: {w}" for w in result["warnings"]]
    return out


def import_dbt(
    manifest: Path = typer.Argument(..., help="Path to dbt's target/manifest.json."),
    environment: str = typer.Option("prod", "--environment", "-e", help="Asset environment."),
    owner_team: str | None = typer.Option(
        None, "--owner-team", help="Team (name or id) owning new assets; default: the key's team."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    url: str = typer.Option(DEFAULT_URL, "--url", envvar="ACCORD_URL", help="Accord server."),
    api_key: str = typer.Option("", "--api-key", envvar="ACCORD_API_KEY", help="API key."),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    timeout: float = typer.Option(600.0, "--timeout", help="Seconds to wait for the server."),
) -> None:
    """Import a dbt manifest: models, seeds, snapshots and sources become assets with
    contracts, depends_on becomes lineage, exposures become registrations."""
    try:
        raw = manifest.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {manifest}: {exc.strerror or exc.__class__.__name__}")
    params = {"environment": environment, "dry_run": "true" if dry_run else "false"}
    if owner_team:
        params["owner_team"] = owner_team
    with make_client(url.rstrip("/"), api_key.strip(), timeout) as client:
        result = _post(client, raw, params)
    if json_output:
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo("\n".join(_lines(result)))
