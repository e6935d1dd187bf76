"""What every client command shares: the connection options, the error-to-exit-code
rule, JSON output, and resolving teams and assets by name.

Exit codes: 0 success, 1 "the change is breaking" (``check``, ``publish``), 2 any usage,
input, connection or server error, always with a one-line ``error: ...`` on stderr.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console

from accord.sdk import (
    DEFAULT_URL,
    AccordError,
    APIError,
    AuthenticationError,
    Client,
    Me,
    TransportError,
    ValidationError,
)

ERROR = 2
BREAKING = 1

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="ACCORD_URL",
        show_envvar=True,
        help=f"Server URL (default {DEFAULT_URL}).",
    ),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="ACCORD_API_KEY", show_envvar=True, help="API key."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
EnvironmentOption = Annotated[
    str, typer.Option("--environment", "-e", help="The asset's environment.")
]


class InputError(Exception):
    """A problem with what the user gave us (a file, a flag combination)."""


def _message(exc: Exception) -> str:
    if isinstance(exc, AuthenticationError):
        return f"authentication failed: {exc.detail} (check --api-key or ACCORD_API_KEY)"
    if isinstance(exc, ValidationError) and exc.errors:
        first = exc.errors[0]
        where = ".".join(str(p) for p in first.get("loc", []))
        return f"{exc.detail}: {where}: {first.get('msg', '')} ({exc.status} {exc.code})"
    if isinstance(exc, APIError):
        rid = f", request {exc.request_id}" if exc.request_id else ""
        return f"{exc.detail} ({exc.status} {exc.code}{rid})"
    if isinstance(exc, TransportError):
        return f"{exc} (is the server running? set --url or ACCORD_URL)"
    return str(exc)


def fail(message: str, as_json: bool = False, extra: dict[str, Any] | None = None) -> NoReturn:
    """Print a one-line error on stderr (and a JSON error on stdout with ``--json``)."""
    line = " ".join(message.split())
    if as_json:
        typer.echo(json.dumps({"error": {"message": line, **(extra or {})}}))
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(ERROR)


@contextmanager
def errors(as_json: bool) -> Iterator[None]:
    """Turn SDK and input errors into a one-line message and exit code 2."""
    try:
        yield
    except (AccordError, InputError) as exc:
        extra: dict[str, Any] = {}
        if isinstance(exc, APIError):
            extra = {"status": exc.status, "code": exc.code, "request_id": exc.request_id}
        elif isinstance(exc, TransportError):
            extra = {"code": "transport_error"}
        else:
            extra = {"code": "input_error"}
        fail(_message(exc), as_json, extra)


def connect(url: str | None, api_key: str | None) -> Client:
    """A client for the flags given, falling back to ACCORD_URL / ACCORD_API_KEY."""
    try:
        return Client(url, api_key)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def emit_json(data: Any) -> None:
    """Print a model, a list of models or plain data as JSON on stdout."""
    typer.echo(json.dumps(_plain(data), indent=2))


def _plain(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    if isinstance(data, list | tuple):
        return [_plain(x) for x in data]
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def console() -> Console:
    """Rich output on stdout; wide when piped, so ids are never cut."""
    out = Console(highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out.width = 200
    return out


def my_team(client: Client, given: str | None, flag: str) -> uuid.UUID:
    """``given`` (a team id or name), else the key's own team."""
    if given:
        return resolve_team(client, given)
    me: Me = client.me()
    if me.team_id is None:
        raise InputError(f"{flag} is required with a workspace-admin key")
    return me.team_id


def resolve_team(client: Client, value: str) -> uuid.UUID:
    """A team given by id, or by its exact name."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    for team in client.paginate(client.list_teams, limit=500):
        if team.name == value:
            return team.id
    raise InputError(f"no team named {value!r}")


def team_names(client: Client, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names for display; an id the key cannot see is shown as the id."""
    wanted = set(ids)
    if not wanted:
        return {}
    try:
        names = {t.id: t.name for t in client.paginate(client.list_teams, limit=500)}
    except APIError:
        names = {}
    return {i: names.get(i, str(i)) for i in wanted}
