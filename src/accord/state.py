"""What the lifespan builds once and every request shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.api_key.usage import UsageTracker
from accord.auth.cache import CredentialCache
from accord.config import Settings
from accord.contract.bodies import HotVersions
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
    # Verified keys and tokens, for ACCORD_AUTH_CACHE_TTL_S seconds (auth/cache.py).
    credentials: CredentialCache = field(default_factory=lambda: CredentialCache(0))
    # Published versions' bodies and who may see them (contract/bodies.py).
    versions: HotVersions = field(default_factory=lambda: HotVersions(0, 0))

    @property
    def pepper(self) -> str:
        """The issuing pepper: what new keys, webhook secrets and sessions are made under."""
        return self.settings.issuing_pepper

    @property
    def peppers(self) -> tuple[str, ...]:
        """Every configured pepper, the issuing one first: all of them verify (ADR 0035)."""
        return self.settings.all_peppers
