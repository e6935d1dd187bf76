"""Signing in at the test provider with plain HTTP, as a browser would.

`sign_in` walks the provider's own pages from an authorization URL (whoever built it:
these helpers or Accord's login redirect) through the development login form to the
redirect back to the client, and returns that redirect. `code_flow` is the whole
authorization-code flow with PKCE for a user, ending with the token response.

The login page (oidc-provider's dev interaction) is one form: a text input named
``login`` (the user's login, e.g. ``alice``), a password input named ``password``
(any value is accepted) and a button labelled ``Sign-in``. Consent is granted without a
page. A login that is not one of the provider's users ends in an error redirect.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.oidc_provider.fixture import OidcProvider

_FORM = re.compile(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', re.DOTALL)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"\s*/?>')
_MAX_HOPS = 10


class SignInError(RuntimeError):
    """The provider answered something a sign-in does not expect (its body attached)."""


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636): the verifier stays with the client, the S256 challenge
    travels in the authorization request."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def authorize_url(
    op: OidcProvider,
    *,
    redirect_uri: str,
    pkce: Pkce | None,
    state: str,
    nonce: str,
    scope: str = "openid profile email groups",
    resource: str | None = None,
) -> str:
    """The provider's authorization endpoint with the UI client's code-flow parameters."""
    params = {
        "client_id": op.ui_client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
    }
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    if resource is not None:
        params["resource"] = resource
    return f"{op.issuer}/auth?{urlencode(params)}"


def _login_form(page: httpx.Response, login: str, password: str) -> tuple[str, dict[str, str]]:
    found = _FORM.search(page.text)
    if found is None or 'name="login"' not in found.group(2):
        raise SignInError(f"no login form on {page.url}: {page.status_code} {page.text[:500]}")
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(found.group(2))}
    fields |= {"login": login, "password": password}
    return html.unescape(found.group(1)), fields


def sign_in(
    client: httpx.Client, op: OidcProvider, start: str, login: str, password: str = "secret"
) -> httpx.URL:
    """Follow ``start`` on the provider, fill the login form as ``login`` and return the
    redirect that leaves the provider (to the client's redirect_uri: code or error)."""
    issuer = httpx.URL(op.issuer)
    answer = client.get(start)
    for _ in range(_MAX_HOPS):
        if answer.is_redirect:
            target = answer.url.join(answer.headers["location"])
            if (target.host, target.port) != (issuer.host, issuer.port):
                return target
            answer = client.get(target)
        elif answer.status_code == 200:
            action, fields = _login_form(answer, login, password)
            answer = client.post(answer.url.join(action), data=fields)
        else:
            raise SignInError(f"{answer.status_code} from {answer.url}: {answer.text[:500]}")
    raise SignInError(f"more than {_MAX_HOPS} hops signing in at {op.issuer}")


def callback_params(url: httpx.URL) -> dict[str, str]:
    """The single-valued query parameters of a redirect back to the client."""
    return {name: values[0] for name, values in parse_qs(urlsplit(str(url)).query).items()}


def code_flow(
    op: OidcProvider,
    login: str,
    *,
    redirect_uri: str | None = None,
    scope: str = "openid profile email groups",
    resource: str | None = None,
) -> dict[str, Any]:
    """Sign ``login`` in with the UI client (code + PKCE S256, state and nonce checked)
    and return the token response (id_token, access_token, ...)."""
    redirect = redirect_uri or op.redirect_uris[0]
    pkce, state, nonce = Pkce.new(), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    start = authorize_url(
        op,
        redirect_uri=redirect,
        pkce=pkce,
        state=state,
        nonce=nonce,
        scope=scope,
        resource=resource,
    )
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        back = callback_params(sign_in(browser, op, start, login))
    if "code" not in back or back.get("state") != state:
        raise SignInError(f"no code for {login!r}: {back}")
    form = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": redirect,
        "code_verifier": pkce.verifier,
    }
    auth: tuple[str, str] | None = None
    if op.ui_client_secret is None:
        form["client_id"] = op.ui_client_id
    else:
        auth = (op.ui_client_id, op.ui_client_secret)
    answer = httpx.post(f"{op.issuer}/token", data=form, auth=auth, timeout=10)
    if answer.status_code != 200:
        raise SignInError(f"code exchange failed: {answer.status_code} {answer.text}")
    tokens: dict[str, Any] = answer.json()
    return tokens
