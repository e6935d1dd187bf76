"""The authenticated caller and the actor recorded in the audit ledger."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


# A scope grants itself and every weaker one.
_IMPLIED: dict[Scope, frozenset[Scope]] = {
    Scope.read: frozenset({Scope.read}),
    Scope.write: frozenset({Scope.read, Scope.write}),
    Scope.admin: frozenset({Scope.read, Scope.write, Scope.admin}),
}


def effective_scopes(scopes: frozenset[Scope]) -> frozenset[Scope]:
    granted: set[Scope] = set()
    for scope in scopes:
        granted |= _IMPLIED[scope]
    return frozenset(granted)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, as written into the audit ledger. ``detail`` names a person
    (issuer, subject, name, email) for an actor of type ``user``; None for keys and the
    system."""

    type: str
    id: str | None
    detail: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person signed in through the company's OpenID Connect provider: the ``users`` row
    (``id``) and what the provider said of them."""

    id: uuid.UUID
    issuer: str
    subject: str
    name: str | None = None
    email: str | None = None

    @property
    def display(self) -> str:
        return self.name or self.email or self.subject

    def as_detail(self) -> dict[str, str]:
        detail = {"issuer": self.issuer, "subject": self.subject}
        if self.name:
            detail["name"] = self.name
        if self.email:
            detail["email"] = self.email
        return detail


SYSTEM_ACTOR = Actor(type="system", id=None)


@dataclass(frozen=True, slots=True)
class Principal:
    workspace_id: uuid.UUID
    key_id: uuid.UUID | None  # None for a person (``user``) and the development auth bypass
    team_id: uuid.UUID | None
    scopes: frozenset[Scope]
    user: UserRef | None = None  # a person signed in through OIDC (then ``key_id`` is None)

    @property
    def is_admin(self) -> bool:
        return Scope.admin in self.scopes

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def acts_for(self, team_id: uuid.UUID) -> bool:
        """Admins act for every team of their workspace; a team key only for its team."""
        return self.is_admin or self.team_id == team_id

    @property
    def actor(self) -> Actor:
        if self.user is not None:
            return Actor(type="user", id=str(self.user.id), detail=self.user.as_detail())
        if self.key_id is None:
            return Actor(type="dev_bypass", id=None)
        return Actor(type="api_key", id=str(self.key_id))

    @property
    def caller_id(self) -> str:
        """One caller's identity for per-caller limits and idempotency: the key, the
        person, or ``dev`` for the development bypass."""
        if self.user is not None:
            return f"user:{self.user.id}"
        return str(self.key_id) if self.key_id is not None else "dev"
