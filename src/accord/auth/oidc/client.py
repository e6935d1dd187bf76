"""Accord's side of one OpenID Connect provider: verify API bearer tokens, run the
authorization-code flow with PKCE for the web UI."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from accord.auth.oidc import pkce, tokens
from accord.auth.oidc.keys import ProviderKeys, ProviderUnavailableError
from accord.config import Settings


class SignInFailedError(Exception):
    """The provider's answer to a sign-in cannot be used; the message says why."""


class OidcClient:
    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        assert settings.oidc_issuer is not None
        assert settings.oidc_client_id is not None
        self.settings = settings
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self.audience = settings.oidc_audience or settings.oidc_client_id
        self._http = http or httpx.AsyncClient(
            timeout=settings.oidc_http_timeout_s, follow_redirects=False
        )
        self.keys = ProviderKeys(
            self.issuer,
            self._http,
            cache_s=settings.oidc_jwks_cache_s,
            min_refresh_s=settings.oidc_jwks_min_refresh_s,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def verify(
        self, token: str, *, audience: str | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        """The claims of a token the provider signed for ``audience`` (default: the API's);
        `TokenRejectedError` or `ProviderUnavailableError` otherwise."""
        kid = tokens.header(token).get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None)
        return tokens.verify(
            token,
            key,
            issuer=self.issuer,
            audience=audience or self.audience,
            leeway_s=self.settings.oidc_leeway_s,
            nonce=nonce,
        )

    async def authorization_url(self, pending: pkce.Pending, redirect_uri: str) -> str:
        metadata = await self.keys.metadata()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.settings.oidc_scopes,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": pkce.challenge(pending.verifier),
                "code_challenge_method": "S256",
            }
        )
        sep = "&" if "?" in metadata.authorization_endpoint else "?"
        return f"{metadata.authorization_endpoint}{sep}{query}"

    async def finish(self, code: str, pending: pkce.Pending, redirect_uri: str) -> dict[str, Any]:
        """Exchange the code, verify the ID token (audience: our client id; the sign-in's
        nonce) and return its claims, completed from the userinfo endpoint when the
        groups claim is not in the ID token."""
        metadata = await self.keys.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pending.verifier,
        }
        secret = self.settings.oidc_client_secret
        auth = (
            httpx.BasicAuth(self.client_id, secret.get_secret_value())
            if secret is not None
            else None
        )
        if auth is None:
            form["client_id"] = self.client_id
        answer = await self._post(metadata.token_endpoint, form, auth)
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailedError("the provider sent no ID token")
        try:
            claims = await self.verify(id_token, audience=self.client_id, nonce=pending.nonce)
        except tokens.TokenRejectedError as exc:
            raise SignInFailedError(
                f"the provider's ID token does not verify: {exc.reason}"
            ) from None
        access = answer.get("access_token")
        groups = self.settings.oidc_groups_claim
        if groups not in claims and metadata.userinfo_endpoint and isinstance(access, str):
            info = await self._userinfo(metadata.userinfo_endpoint, access)
            if info.get("sub") == claims["sub"]:
                claims = {**info, **claims}
        return claims

    async def _post(
        self, url: str, form: dict[str, str], auth: httpx.BasicAuth | None
    ) -> dict[str, Any]:
        try:
            response = await self._http.post(
                url,
                data=form,
                auth=auth or httpx.USE_CLIENT_DEFAULT,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(f"{url} could not be reached ({exc!r})") from None
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            answer = None
        if response.status_code != 200 or not isinstance(answer, dict):
            said = answer.get("error_description") or answer.get("error") if answer else None
            raise SignInFailedError(
                f"the provider refused the sign-in ({response.status_code}"
                + (f": {said}" if isinstance(said, str) else "")
                + ")"
            )
        return answer

    async def _userinfo(self, url: str, access_token: str) -> dict[str, Any]:
        try:
            response = await self._http.get(
                url, headers={"Authorization": f"Bearer {access_token}"}
            )
            info = orjson.loads(response.content) if response.status_code == 200 else {}
        except (httpx.HTTPError, orjson.JSONDecodeError):
            return {}
        return info if isinstance(info, dict) else {}
