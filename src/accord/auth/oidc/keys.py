"""The provider's discovery document and signing keys, cached per process.

A key is looked up by the token's ``kid``. Known and fresh: no network. Stale
(``oidc_jwks_cache_s``): fetched again; if the provider cannot be reached the stale keys
keep verifying and a warning is logged. Unknown (the provider rotated its keys): fetched
at once, but at most every ``oidc_jwks_min_refresh_s``, so tokens with made-up key ids
cannot make Accord hammer the provider.

Only one fetch runs at a time (single flight): the first caller starts it as a task and
every caller awaits that task, shielded, so no lock is held while the network is waited
on and a cancelled request does not cancel the fetch the others wait for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import orjson
import structlog

from accord.auth.oidc.tokens import TokenRejectedError

log = structlog.get_logger("accord.oidc")

MAX_DOCUMENT_BYTES = 1 << 20


class ProviderUnavailableError(Exception):
    """The provider could not be asked (network, status, or a document that makes no sense)."""


@dataclass(frozen=True, slots=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None


def metadata_from(doc: Any, issuer: str) -> Metadata:
    if not isinstance(doc, dict):
        raise ProviderUnavailableError("the discovery document is not a JSON object")
    if doc.get("issuer") != issuer:
        raise ProviderUnavailableError(
            f"the discovery document names issuer {doc.get('issuer')!r}, not {issuer!r}"
        )
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    missing = [k for k in needed if not isinstance(doc.get(k), str)]
    if missing:
        raise ProviderUnavailableError(f"the discovery document has no {', '.join(missing)}")

    def optional(name: str) -> str | None:
        value = doc.get(name)
        return value if isinstance(value, str) else None

    return Metadata(
        issuer,
        doc["authorization_endpoint"],
        doc["token_endpoint"],
        doc["jwks_uri"],
        optional("userinfo_endpoint"),
        optional("end_session_endpoint"),
    )


def keys_from(doc: Any) -> dict[str, jwt.PyJWK]:
    """The signing keys of a JWK set by key id (keys without a usable algorithm, or meant
    for encryption, are left out)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ProviderUnavailableError("the JWK set is not {'keys': [...]}")
    found: dict[str, jwt.PyJWK] = {}
    for entry in doc["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry)
        except jwt.exceptions.PyJWTError:
            continue
        found[str(entry.get("kid", ""))] = key
    return found


class ProviderKeys:
    """Discovery and keys of one provider, for one process (one event loop)."""

    def __init__(
        self,
        issuer: str,
        http: httpx.AsyncClient,
        *,
        cache_s: float,
        min_refresh_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self._http = http
        self._cache_s = cache_s
        self._min_refresh_s = min_refresh_s
        self._clock = clock
        self._metadata: Metadata | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._inflight: asyncio.Task[None] | None = None
        self.fetches = 0  # how many times the keys were fetched (tests, metrics)

    async def metadata(self) -> Metadata:
        if self._metadata is None:
            await self._single_flight()
        assert self._metadata is not None
        return self._metadata

    async def key(self, kid: str | None) -> jwt.PyJWK:
        now = self._clock()
        fresh = self._fetched_at is not None and now - self._fetched_at < self._cache_s
        found = self._find(kid)
        if found is not None and fresh:
            return found
        recently = self._attempted_at is not None and now - self._attempted_at < self._min_refresh_s
        if found is None and recently and self._fetched_at is not None:
            raise TokenRejectedError("the token's signing key is not one of the provider's")
        try:
            await self._single_flight()
        except ProviderUnavailableError:
            if found is not None:  # stale but known: keep verifying while the provider is away
                log.warning("oidc_keys_stale", issuer=self.issuer)
                return found
            raise
        found = self._find(kid)
        if found is None:
            raise TokenRejectedError("the token's signing key is not one of the provider's")
        return found

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    async def _single_flight(self) -> None:
        task = self._inflight
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch())
            self._inflight = task
            task.add_done_callback(self._landed)
        await asyncio.shield(task)

    def _landed(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have gone

    async def _fetch(self) -> None:
        self._attempted_at = self._clock()
        metadata = self._metadata or metadata_from(
            await self._get(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"),
            self.issuer,
        )
        keys = keys_from(await self._get(metadata.jwks_uri))
        self._metadata = metadata
        self._keys = keys
        self._fetched_at = self._clock()
        self.fetches += 1
        log.info("oidc_keys_fetched", issuer=self.issuer, keys=len(keys))

    async def _get(self, url: str) -> Any:
        try:
            async with self._http.stream("GET", url, headers={"Accept": "application/json"}) as r:
                if r.status_code != 200:
                    raise ProviderUnavailableError(f"{url} answered {r.status_code}")
                body = bytearray()
                async for chunk in r.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise ProviderUnavailableError(f"{url} sent more than 1 MiB")
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(f"{url} could not be reached ({exc!r})") from None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ProviderUnavailableError(f"{url} did not send JSON") from None
