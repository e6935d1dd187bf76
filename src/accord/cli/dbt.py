"""`accord import dbt MANIFEST`: send a dbt manifest.json to the server, follow the
import to its end, and print what it did.

The server checks the manifest at once (a rejected manifest is an error here, as
before), then applies it in the background; this command polls the job until it ends
(`--timeout`, default 600 s), showing its progress on a terminal. `--no-wait` prints the
job's id once the server has accepted the import; `--dry-run` prints the plan (computed
at once, nothing written).

Exit codes: 0 imported (or planned); 2 anything else: unreadable file, unreachable
server, a rejected manifest (the server's problem detail is printed), a failed import
(what was applied and what was not is printed first), or still running at `--timeout`
(the import goes on). With ``--json`` the server's document is printed as is: the
result (or plan), the job with `--no-wait` or when the import failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console

from accord.cli.errors import fail

DEFAULT_URL = "http://127.0.0.1:8080"
JOBS = "/api/v1/imports/jobs"
_SHOWN = 20  # assets listed as not applied before "... and N more"


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


def _call(client: httpx.Client, method: str, path: str, expect: int, **kw: Any) -> Any:
    try:
        response = client.request(method, path, **kw)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {client.base_url}: {exc.__class__.__name__}: {exc}")
    if response.status_code != expect:
        fail(_problem(response))
    return response.json()


def _post(client: httpx.Client, raw: bytes, params: dict[str, str], expect: int) -> Any:
    headers = {"Content-Type": "application/json"}
    return _call(client, "POST", "/api/v1/imports/dbt", expect, content=raw, params=params,
                 headers=headers)  # fmt: skip


def _delays() -> Iterator[float]:
    delay = 0.2
    while True:
        yield delay
        delay = min(2.0, delay * 1.5)


def _progress_text(job: dict[str, Any]) -> str:
    p = job["progress"]
    return (
        f"import {job['status']}: {p['phase'] or 'done'}, chunk {p['chunks_done']}/"
        f"{p['chunks_total']}, {p['assets_applied']}/{p['assets_total']} assets applied"
    )


@contextmanager
def _status() -> Iterator[Any]:
    """A live progress line on a terminal's stderr; nothing when piped (CI logs)."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with console.status("import queued") as status:
        yield status


def _wait(client: httpx.Client, job: dict[str, Any], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delays = _delays()
    with _status() as status:
        while job["status"] not in ("succeeded", "failed"):
            if status is not None:
                status.update(_progress_text(job))
            left = deadline - time.monotonic()
            if left <= 0:
                fail(
                    f"import job {job['id']} still {job['status']} after {timeout:g} s; it "
                    f"goes on (follow it: GET {JOBS}/{job['id']})"
                )
            time.sleep(min(next(delays), left))
            job = _call(client, "GET", f"{JOBS}/{job['id']}", 200)
    return job


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


def _failed_lines(job: dict[str, Any]) -> list[str]:
    """What a failed import wrote (kept: each chunk is its own transaction) and what not."""
    out = ["applied before the failure:", *_lines(job["result"])] if job["result"] else []
    missing = job["not_applied"]
    out.append(f"not applied: {len(missing)} of {job['progress']['assets_total']} asset(s)")
    out += [f"  x {n['fqn']}: {n['reason']}" for n in missing[:_SHOWN]]
    if len(missing) > _SHOWN:
        out.append(f"  ... and {len(missing) - _SHOWN} more (--json lists them all)")
    return out


def _connection(url: str | None, api_key: str | None, profile: str | None) -> tuple[str, str]:
    """Flags (or ACCORD_URL / ACCORD_API_KEY), else the saved profile, else the default."""
    from accord.cli.client import _profiles

    try:
        saved = _profiles.find(profile)
    except _profiles.ProfileError as exc:
        fail(str(exc))
    if saved is not None:
        url, api_key = url or saved.url, api_key or saved.api_key
    return url or DEFAULT_URL, api_key or ""


def import_dbt(
    manifest: Path = typer.Argument(..., help="Path to dbt's target/manifest.json."),
    environment: str = typer.Option("prod", "--environment", "-e", help="Asset environment."),
    owner_team: str | None = typer.Option(
        None, "--owner-team", help="Team (name or id) owning new assets; default: the key's team."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    url: str | None = typer.Option(
        None, "--url", envvar="ACCORD_URL", help=f"Accord server (default {DEFAULT_URL})."
    ),
    api_key: str | None = typer.Option(None, "--api-key", envvar="ACCORD_API_KEY", help="API key."),
    profile: str | None = typer.Option(
        None, "--profile", envvar="ACCORD_PROFILE", help="Saved connection (accord login)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    timeout: float = typer.Option(
        600.0, "--timeout", help="Seconds to wait for the import to end (it goes on after)."
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the job id once the server accepted the import."
    ),
) -> None:
    """Import a dbt manifest: models, seeds, snapshots and sources become assets with
    contracts, depends_on becomes lineage, exposures become registrations."""
    try:
        raw = manifest.read_bytes()
    except OSError as exc:
        fail(f"cannot read {manifest}: {exc.strerror or exc.__class__.__name__}")
    params = {"environment": environment, "dry_run": "true" if dry_run else "false"}
    if owner_team:
        params["owner_team"] = owner_team
    url, api_key = _connection(url, api_key, profile)
    with make_client(url.rstrip("/"), api_key.strip(), timeout) as client:
        if dry_run:
            _print(_post(client, raw, params, 200), json_output)
            return
        job = _post(client, raw, params, 202)
        if no_wait:
            typer.echo(json.dumps(job, indent=2) if json_output else job["id"])
            return
        job = _wait(client, job, timeout)
    if job["status"] == "succeeded":
        _print(job["result"], json_output)
        return
    typer.echo(json.dumps(job, indent=2) if json_output else "\n".join(_failed_lines(job)))
    e = job["error"]
    fail(f"import failed in chunk {e['chunk']} ({e['phase']}): {e['detail']} ({e['code']})")


def _print(result: dict[str, Any], json_output: bool) -> None:
    typer.echo(json.dumps(result, indent=2) if json_output else "\n".join(_lines(result)))
