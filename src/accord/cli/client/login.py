"""`accord login`: check a server URL and API key, and save them as a named profile."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.cli.client import _profiles
from accord.cli.client._common import ApiKeyOption, InputError, UrlOption, errors, team_names
from accord.sdk import DEFAULT_URL, Client


def login(
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            envvar="ACCORD_PROFILE",
            show_envvar=True,
            help="Name to save the connection under.",
        ),
    ] = _profiles.DEFAULT_PROFILE,
) -> None:
    """Check URL and API key against the server, then save them as profile NAME
    (in a file only you can read). Asks for what is not given."""
    with errors(False):
        try:
            saved = _profiles.load_all().get(profile)
        except _profiles.ProfileError as exc:
            raise InputError(str(exc)) from None
        if not url:
            url = typer.prompt("Server URL", default=saved.url if saved else DEFAULT_URL)
        if not api_key:
            api_key = typer.prompt("API key", hide_input=True)
        url, api_key = url.strip(), api_key.strip()
        try:
            client = Client(url, api_key)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        with client:
            me = client.me()
            if me.team_id is None:
                who = "a workspace-admin key"
            else:
                who = f"a key of team {team_names(client, [me.team_id])[me.team_id]}"
        path = _profiles.save(_profiles.Profile(profile, url.rstrip("/"), api_key))
    scopes = ", ".join(me.scopes)
    typer.echo(f"logged in to {url} with {who} ({scopes})")
    typer.echo(f"saved as profile {profile!r} in {path}")
    if profile != _profiles.DEFAULT_PROFILE:
        typer.echo(f"use it with --profile {profile} or ACCORD_PROFILE={profile}")
