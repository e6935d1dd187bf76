"""`accord teams list|create|show|update|delete`: teams, named by name or id."""

from __future__ import annotations

import sys
from itertools import islice
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    InputError,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    resolve_team,
)
from accord.cli.client._time import when
from accord.sdk import APIError, ApiKey, Asset, Client, Team

app = typer.Typer(help="Teams: who owns assets and who consumes them.", no_args_is_help=True)

TeamArg = Annotated[str, typer.Argument(help="The team: its name, id or a unique id prefix.")]
SHOWN_ASSETS = 50


@app.command("list")
def list_teams(
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the workspace's teams."""
    with errors(as_json), connect(url, api_key, profile) as client:
        teams = list(client.paginate(client.list_teams, limit=500))
    if as_json:
        emit_json(teams)
        return
    if not teams:
        console().print("no teams")
        return
    table = Table(show_edge=False)
    for name in ("name", "description", "created", "id"):
        table.add_column(name, overflow="fold")
    for t in teams:
        table.add_row(t.name, t.description, when(t.created_at), str(t.id))
    console().print(table)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Unique among the workspace's teams.")],
    description: Annotated[str, typer.Option(help="What the team does.")] = "",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a team (admin)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        team = client.create_team(name, description=description)
    if as_json:
        emit_json(team)
        return
    console().print(f"created team {team.name} {team.id}", markup=False)
    console().print(
        f"give it a key with `accord keys create --team {team.name} --scope read --scope write`",
        markup=False,
    )


def _team_assets(client: Client, team: Team) -> list[Asset]:
    found = client.paginate(client.list_assets, owner_team_id=team.id, limit=SHOWN_ASSETS)
    return list(islice(found, SHOWN_ASSETS))


def _team_keys(client: Client, team: Team) -> list[ApiKey] | None:
    """The team's live keys, or ``None`` when this key may not list them."""
    try:
        keys = client.paginate(client.list_api_keys, limit=500)
        return [k for k in keys if k.team_id == team.id]
    except APIError:
        return None


@app.command("show")
def show(
    team: TeamArg,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a team, the assets it owns and its API keys."""
    with errors(as_json), connect(url, api_key, profile) as client:
        found = client.get_team(resolve_team(client, team))
        assets = _team_assets(client, found)
        keys = _team_keys(client, found)
    if as_json:
        emit_json({"team": found, "assets": assets, "api_keys": keys})
        return
    out = console()
    out.print(f"team {found.name}  {found.id}", markup=False)
    if found.description:
        out.print(f"  {found.description}", markup=False)
    out.print(f"  created {when(found.created_at)}")
    if assets:
        more = f"first {SHOWN_ASSETS}" if len(assets) == SHOWN_ASSETS else str(len(assets))
        table = Table(title=f"owned assets ({more})", title_justify="left", show_edge=False)
        for name in ("fqn", "env", "kind", "policy", "id"):
            table.add_column(name, overflow="fold")
        for a in assets:
            table.add_row(a.fqn, a.environment, a.kind, a.compatibility, str(a.id))
        out.print(table)
    else:
        out.print("  owns no assets")
    if keys is None:
        return
    if not keys:
        out.print("  no live API keys")
        return
    table = Table(title=f"API keys ({len(keys)})", title_justify="left", show_edge=False)
    for name in ("name", "scopes", "prefix", "expires", "last used", "id"):
        table.add_column(name, overflow="fold")
    for k in keys:
        table.add_row(
            k.name, ",".join(k.scopes), k.prefix, when(k.expires_at, "never"),
            when(k.last_used_at, "never"), str(k.id),
        )  # fmt: skip
    out.print(table)


@app.command("update")
def update(
    team: TeamArg,
    name: Annotated[str | None, typer.Option(help="New name (admin).")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rename a team (admin) or change its description (the team itself or an admin)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        if name is None and description is None:
            raise InputError("nothing to change: give --name and/or --description")
        updated = client.update_team(resolve_team(client, team), name=name, description=description)
    if as_json:
        emit_json(updated)
        return
    console().print(f"updated team {updated.name} {updated.id}", markup=False)


@app.command("delete")
def delete(
    team: TeamArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete a team (admin): its API keys are revoked, its registrations end, and open
    proposals stop waiting on it."""
    with errors(as_json), connect(url, api_key, profile) as client:
        found = client.get_team(resolve_team(client, team))
        if not yes:
            _confirm(found)
        client.delete_team(found.id)
    if as_json:
        emit_json(found)
        return
    console().print(f"deleted team {found.name} {found.id}", markup=False)


def _confirm(team: Team) -> None:
    question = (
        f"delete team {team.name} ({team.id})? Its keys are revoked and its registrations end"
    )
    if not sys.stdin.isatty():
        raise InputError(f"refusing to delete team {team.name!r} without --yes (no terminal)")
    if not typer.confirm(question):
        raise InputError("not deleted")
