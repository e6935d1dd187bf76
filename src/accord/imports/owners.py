"""Which team owns an imported asset, and which team an exposure stands for."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from accord.auth.principal import Principal
from accord.exceptions import NotFoundError
from accord.team import service as team_service


class Teams:
    """The workspace's live teams by name (exact, then case-insensitive)."""

    def __init__(self, names: dict[str, uuid.UUID]) -> None:
        self.exact = names
        self.folded = {n.casefold(): i for n, i in names.items()}
        self.ids = set(names.values())

    @classmethod
    async def load(cls, session: AsyncSession, principal: Principal) -> Teams:
        names: dict[str, uuid.UUID] = {}
        after: uuid.UUID | None = None
        while True:
            page = await team_service.list_teams(session, principal, after_id=after, limit=500)
            names.update({t.name: t.id for t in page})
            if len(page) < 500:
                return cls(names)
            after = page[-1].id

    def match(self, candidates: Iterable[str]) -> uuid.UUID | None:
        for name in candidates:
            found = self.exact.get(name) or self.folded.get(name.casefold())
            if found is not None:
                return found
        return None

    def require(self, ref: str) -> uuid.UUID:
        """A team given by id or name (the `owner_team` option)."""
        try:
            team_id = uuid.UUID(ref)
        except ValueError:
            found = self.match([ref])
            if found is None:
                raise NotFoundError(f"team {ref!r} not found", code="team_not_found") from None
            return found
        if team_id not in self.ids:
            raise NotFoundError.of("team", team_id)
        return team_id
