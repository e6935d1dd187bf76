"""What the lifespan builds once and every request shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.api_key.usage import UsageTracker
from accord.config import Settings
from accord.kit.offload import Offload

if TYPE_CHECKING:
    from accord.auth.oidc.client import OidcClient
    from accord.imports.runner import ImportRunner
    from accord.worker.runner import Worker


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    usage: UsageTracker
    offload: Offload  # the compatibility engine's worker processes (kit/offload.py)
    worker: Worker | None = None  # the in-process delivery worker, when it runs here
    imports: ImportRunner | None = None  # background dbt imports (imports/runner.py)
    oidc: OidcClient | None = None  # the company's OpenID Connect provider, when configured

    @property
    def pepper(self) -> str:
        """The issuing pepper: what new keys, webhook secrets and sessions are made under."""
        return self.settings.issuing_pepper

    @property
    def peppers(self) -> tuple[str, ...]:
        """Every configured pepper, the issuing one first: all of them verify (ADR 0035)."""
        return self.settings.all_peppers
