"""What every client command shares: the connection options (flags, environment,
saved profiles), the error-to-exit-code rule, JSON output, and resolving teams, assets
and other objects by name, id or unique id prefix, with "did you mean" when nothing fits.

Exit codes are in :mod:`accord.cli.exit_codes`; every error is one ``error: ...`` line on
stderr, printed by :func:`accord.cli.errors.fail`.
"""

from __future__ import annotations

import difflib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from accord.cli import exit_codes
from accord.cli.client import _profiles
from accord.cli.errors import fail
from accord.sdk import (
    DEFAULT_URL,
    AccordError,
    APIError,
    Asset,
    AuthenticationError,
    Client,
    Me,
    NotFoundError,
    TransportError,
    ValidationError,
)

ERROR = exit_codes.ERROR
BREAKING = exit_codes.BREAKING
T = TypeVar("T")

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
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="ACCORD_PROFILE",
        show_envvar=True,
        help="Saved connection to use (accord login); default: the 'default' profile.",
    ),
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
        fail(_message(exc), as_json=as_json, extra=extra)


def connect(url: str | None, api_key: str | None, profile: str | None = None) -> Client:
    """A client for the flags given (typer fills them from ACCORD_URL / ACCORD_API_KEY),
    else the saved profile (``--profile``, ``ACCORD_PROFILE`` or ``default``)."""
    try:
        saved = _profiles.find(profile)
    except _profiles.ProfileError as exc:
        raise InputError(str(exc)) from None
    if saved is not None:
        url = url or saved.url
        api_key = api_key or saved.api_key
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
    """A team given by id, unique id prefix or name."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    teams = list(client.paginate(client.list_teams, limit=500))
    return pick(value, teams, "team", lambda t: t.id, lambda t: t.name).id


def suggestion(value: str, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``names``, or nothing."""
    lowered = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(value.casefold(), list(lowered), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(lowered[c]) for c in close) + "?)"


def pick(
    value: str,
    items: Iterable[T],
    what: str,
    id_of: Callable[[T], uuid.UUID],
    name_of: Callable[[T], str | None],
) -> T:
    """The one item ``value`` names: its id, its name (case-insensitive), or a unique
    prefix or suffix (4+ characters) of its id (ids are time-ordered, so objects made
    close together share a prefix: the end of an id is its random part). Otherwise an
    :class:`InputError` with the closest names, or the candidates when it is ambiguous."""
    pool = list(items)
    wanted = value.strip()
    for item in pool:
        if str(id_of(item)) == wanted.lower():
            return item
    named = [i for i in pool if (name_of(i) or "").casefold() == wanted.casefold()]
    if len(named) == 1:
        return named[0]
    part = wanted.lower()
    by_part = [
        i
        for i in pool
        if len(part) >= 4 and (str(id_of(i)).startswith(part) or str(id_of(i)).endswith(part))
    ]
    if len(by_part) == 1:
        return by_part[0]
    if len(named) > 1 or len(by_part) > 1:
        options = ", ".join(f"{name_of(i) or '-'} {id_of(i)}" for i in (named or by_part))
        raise InputError(f"{value!r} matches more than one {what}: {options}; give the id")
    hint = suggestion(wanted, [n for n in (name_of(i) for i in pool) if n])
    raise InputError(f"no {what} {value!r}{hint}")


def resolve_asset(client: Client, value: str, environment: str) -> Asset:
    """An asset by id or FQN (any case) in ``environment``; an unknown FQN says which
    known FQNs are close."""
    try:
        return client.get_asset(uuid.UUID(value))
    except ValueError:
        pass
    try:
        return client.get_asset_by_fqn(value, environment)
    except NotFoundError:
        pass
    fqns = [a.fqn for a in client.paginate(client.list_assets, environment=environment, limit=500)]
    for fqn in fqns:
        if fqn.casefold() == value.casefold():
            return client.get_asset_by_fqn(fqn, environment)
    raise InputError(f"no asset {value!r} in environment {environment!r}{suggestion(value, fqns)}")


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
