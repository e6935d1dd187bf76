"""The test provider itself, through HTTP only: what Accord's OIDC tests will rely on.

Tokens are checked the way a resource server checks them: pyjwt against the JWK set the
provider publishes, with the expected issuer and audience.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from tests.oidc_provider.fixture import API_AUDIENCE, OidcProvider
from tests.oidc_provider.signin import (
    Pkce,
    SignInError,
    authorize_url,
    callback_params,
    code_flow,
    sign_in,
)

CALLBACK = "http://127.0.0.1/ui/oidc/callback"
Factory = Callable[..., OidcProvider]


def verify(op: OidcProvider, token: str, audience: str, **extra: Any) -> dict[str, Any]:
    """The claims of ``token`` if its signature matches a key the provider serves now."""
    keys = jwt.PyJWKSet.from_dict(op.jwks())
    kid = jwt.get_unverified_header(token)["kid"]
    claims: dict[str, Any] = jwt.decode(
        token,
        key=keys[kid].key,
        algorithms=["RS256"],
        audience=audience,
        issuer=op.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        **extra,
    )
    return claims


def test_discovery_describes_a_provider_on_loopback(oidc_provider: OidcProvider) -> None:
    meta = httpx.get(oidc_provider.discovery_url, timeout=10).json()
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    assert meta["issuer"] == oidc_provider.issuer
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        assert meta[endpoint].startswith(oidc_provider.issuer + "/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "client_credentials"} <= set(meta["grant_types_supported"])
    assert {"openid", "profile", "email", "groups"} <= set(meta["scopes_supported"])
    assert "groups" in meta["claims_supported"]


def test_client_credentials_token_is_a_jwt_for_accord(oidc_provider: OidcProvider) -> None:
    token = oidc_provider.token()
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    claims = verify(oidc_provider, token, API_AUDIENCE)
    assert claims["sub"] == claims["client_id"] == "accord-ci"
    assert claims["groups"] == ["orders-team"]
    assert claims["exp"] - claims["iat"] == oidc_provider.access_token_ttl


def test_ci_groups_are_configurable(oidc_provider_factory: Factory) -> None:
    op = oidc_provider_factory(ci_groups=["analytics-team", "orders-team"])
    assert verify(op, op.token(), API_AUDIENCE)["groups"] == ["analytics-team", "orders-team"]


def test_another_resource_gets_another_audience(oidc_provider: OidcProvider) -> None:
    token = oidc_provider.token(resource="https://other.example")
    assert verify(oidc_provider, token, "https://other.example")["aud"] == "https://other.example"
    with pytest.raises(jwt.InvalidAudienceError):
        verify(oidc_provider, token, API_AUDIENCE)


def test_a_short_ttl_token_expires(oidc_provider: OidcProvider) -> None:
    token = oidc_provider.token(ttl=1)
    # Whole seconds: issued at 12.98 s, it says iat 12 and exp 13, so it may have expired
    # by the time it is read (CI saw that): its signature and claims, not its age, here.
    claims = verify(oidc_provider, token, API_AUDIENCE, leeway=60)
    assert claims["exp"] - claims["iat"] == 1
    time.sleep(max(0.0, claims["exp"] - time.time()) + 1.1)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(oidc_provider, token, API_AUDIENCE)


def test_the_default_ttl_is_configurable(oidc_provider_factory: Factory) -> None:
    op = oidc_provider_factory(access_token_ttl=7)
    claims = verify(op, op.token(), API_AUDIENCE)
    assert claims["exp"] - claims["iat"] == 7


def test_bad_token_requests_are_refused(oidc_provider: OidcProvider) -> None:
    wrong_secret = oidc_provider.token_response(secret="not-the-secret")
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    not_a_uri = oidc_provider.token_response(resource="accord-api")
    assert (not_a_uri.status_code, not_a_uri.json()["error"]) == (400, "invalid_target")
    unknown = oidc_provider.token_response("accord-ui", secret="accord-ci-secret")
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    with pytest.raises(RuntimeError, match="invalid_target"):
        oidc_provider.token(resource="relative/path")


def test_rotation_changes_the_key_on_the_same_issuer(oidc_provider: OidcProvider) -> None:
    issuer = oidc_provider.issuer
    before = oidc_provider.token()
    old_kid = jwt.get_unverified_header(before)["kid"]

    oidc_provider.restart(rotate_keys=True)

    assert oidc_provider.issuer == issuer
    kids = [key["kid"] for key in oidc_provider.jwks()["keys"]]
    assert old_kid not in kids
    with pytest.raises(KeyError):
        verify(oidc_provider, before, API_AUDIENCE)  # the old kid is no longer served
    after = oidc_provider.token()
    assert jwt.get_unverified_header(after)["kid"] == kids[0]
    assert verify(oidc_provider, after, API_AUDIENCE)["sub"] == "accord-ci"


def test_rotation_can_keep_publishing_the_old_key(oidc_provider: OidcProvider) -> None:
    before = oidc_provider.token()
    oidc_provider.restart(rotate_keys=True, keep_old_keys=True)
    after = oidc_provider.token()
    kids = [key["kid"] for key in oidc_provider.jwks()["keys"]]
    assert kids == [
        jwt.get_unverified_header(after)["kid"],
        jwt.get_unverified_header(before)["kid"],
    ]
    assert verify(oidc_provider, before, API_AUDIENCE)["sub"] == "accord-ci"


def test_a_plain_restart_keeps_the_keys(oidc_provider: OidcProvider) -> None:
    before = oidc_provider.token()
    oidc_provider.restart()
    assert verify(oidc_provider, before, API_AUDIENCE)["sub"] == "accord-ci"


@pytest.mark.parametrize("login", ["alice", "bob", "carol"])
def test_code_flow_with_pkce_signs_a_user_in(oidc_provider: OidcProvider, login: str) -> None:
    tokens = code_flow(oidc_provider, login)
    user = oidc_provider.users[login]
    id_claims = verify(oidc_provider, tokens["id_token"], "accord-ui")
    for claim in ("sub", "name", "email", "groups"):
        assert id_claims[claim] == user[claim]
    access = verify(oidc_provider, tokens["access_token"], API_AUDIENCE)
    assert (access["sub"], access["client_id"], access["groups"]) == (
        user["sub"],
        "accord-ui",
        user["groups"],
    )


def test_code_flow_for_a_public_client(oidc_provider_factory: Factory) -> None:
    op = oidc_provider_factory(redirect_uris=[CALLBACK], ui_client_secret=None)
    tokens = code_flow(op, "bob")
    assert verify(op, tokens["id_token"], "accord-ui")["name"] == "Bob Chen"
    refused = op.token_response("accord-ui", secret="")
    assert refused.status_code in (400, 401)


def _start(op: OidcProvider, pkce: Pkce | None) -> str:
    return authorize_url(op, redirect_uri=CALLBACK, pkce=pkce, state="s", nonce="n")


def test_pkce_is_required(oidc_provider: OidcProvider) -> None:
    with httpx.Client(timeout=10) as browser:
        back = callback_params(
            sign_in(browser, oidc_provider, _start(oidc_provider, None), "alice")
        )
    assert back["error"] == "invalid_request"
    assert "PKCE" in back["error_description"]


def test_the_code_needs_its_verifier(oidc_provider: OidcProvider) -> None:
    pkce = Pkce.new()
    with httpx.Client(timeout=10) as browser:
        back = callback_params(
            sign_in(browser, oidc_provider, _start(oidc_provider, pkce), "alice")
        )
    form = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": Pkce.new().verifier,
    }
    secret = oidc_provider.ui_client_secret
    assert secret is not None
    answer = httpx.post(
        f"{oidc_provider.issuer}/token", data=form, auth=("accord-ui", secret), timeout=10
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


def test_an_unknown_redirect_uri_is_refused(oidc_provider: OidcProvider) -> None:
    start = authorize_url(
        oidc_provider, redirect_uri="http://127.0.0.1/evil", pkce=Pkce.new(), state="s", nonce="n"
    )
    with httpx.Client(timeout=10) as browser, pytest.raises(SignInError, match="redirect_uri"):
        sign_in(browser, oidc_provider, start, "alice")


def test_an_unknown_login_is_denied(oidc_provider: OidcProvider) -> None:
    with httpx.Client(timeout=10) as browser:
        start = _start(oidc_provider, Pkce.new())
        back = callback_params(sign_in(browser, oidc_provider, start, "mallory"))
    assert back["error"] == "access_denied"
    assert back["error_description"] == "no such user: mallory"
    assert back["iss"] == oidc_provider.issuer


def test_close_stops_the_process(oidc_provider_factory: Factory) -> None:
    op = oidc_provider_factory()
    url = op.discovery_url
    op.close()
    assert not op.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)


def test_the_login_page_is_the_documented_form(oidc_provider: OidcProvider) -> None:
    """README.md and signin.py tell browser tests these names: keep them true."""
    with httpx.Client(timeout=10, follow_redirects=True) as browser:
        page = browser.get(_start(oidc_provider, Pkce.new()))
    assert page.status_code == 200
    assert page.url.path.startswith("/interaction/")
    for field in ('name="login"', 'name="password"', 'type="submit"', ">Sign-in</button>"):
        assert field in page.text
