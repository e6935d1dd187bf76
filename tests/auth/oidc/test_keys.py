"""The provider's keys: cached, refreshed by one request at a time, rotation picked up,
a provider outage survived with the keys already known."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from accord.auth.oidc.keys import ProviderKeys, ProviderUnavailableError
from accord.auth.oidc.tokens import TokenRejectedError
from tests.auth.oidc.keyring import Key, Provider, serve

pytestmark = pytest.mark.asyncio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def keys_for(provider: Provider, http: httpx.AsyncClient, clock: Clock) -> ProviderKeys:
    return ProviderKeys(provider.issuer, http, cache_s=600, min_refresh_s=10, clock=clock)


async def test_concurrent_lookups_share_one_fetch() -> None:
    async with serve(Provider([Key("k1")], delay_s=0.2)) as provider, httpx.AsyncClient() as http:
        keys = keys_for(provider, http, Clock())
        found = await asyncio.gather(*(keys.key("k1") for _ in range(50)))
        assert provider.jwks_fetches == 1
        assert len({id(k) for k in found}) == 1


async def test_a_cancelled_caller_does_not_cancel_the_fetch_others_wait_for() -> None:
    async with serve(Provider([Key("k1")], delay_s=0.2)) as provider, httpx.AsyncClient() as http:
        keys = keys_for(provider, http, Clock())
        first = asyncio.create_task(keys.key("k1"))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(keys.key("k1"))
        first.cancel()
        assert (await second).key_id == "k1"
        assert provider.jwks_fetches == 1


async def test_rotation_is_picked_up_without_a_restart() -> None:
    async with serve(Provider([Key("k1")])) as provider, httpx.AsyncClient() as http:
        clock = Clock()
        keys = keys_for(provider, http, clock)
        await keys.key("k1")
        provider.keys = [Key("k2")]
        clock.now += 11  # past the minimum interval between fetches
        assert (await keys.key("k2")).key_id == "k2"
        assert provider.jwks_fetches == 2


async def test_made_up_key_ids_cannot_make_accord_hammer_the_provider() -> None:
    async with serve(Provider([Key("k1")])) as provider, httpx.AsyncClient() as http:
        keys = keys_for(provider, http, Clock())
        await keys.key("k1")
        for i in range(20):
            with pytest.raises(TokenRejectedError):
                await keys.key(f"nope-{i}")
        assert provider.jwks_fetches == 1


async def test_known_keys_keep_verifying_while_the_provider_is_down() -> None:
    async with serve(Provider([Key("k1")])) as provider, httpx.AsyncClient() as http:
        clock = Clock()
        keys = keys_for(provider, http, clock)
        await keys.key("k1")
        provider.down = True
        clock.now += 700  # stale
        assert (await keys.key("k1")).key_id == "k1"
        clock.now += 11
        with pytest.raises(ProviderUnavailableError):
            await keys.key("k9")  # unknown, and the provider cannot be asked


async def test_a_provider_naming_another_issuer_is_refused() -> None:
    async with serve(Provider([Key("k1")])) as provider, httpx.AsyncClient() as http:
        keys = ProviderKeys(provider.issuer + "/", http, cache_s=600, min_refresh_s=10)
        with pytest.raises(ProviderUnavailableError, match="names issuer"):
            await keys.metadata()


async def test_an_unreachable_provider_is_unavailable_not_a_crash() -> None:
    async with httpx.AsyncClient(timeout=1) as http:
        keys = ProviderKeys("http://127.0.0.1:9", http, cache_s=600, min_refresh_s=10)
        with pytest.raises(ProviderUnavailableError, match="could not be reached"):
            await keys.key("k1")
