"""Verifying the provider's JWTs: every refusal named, nothing but asymmetric algorithms."""

from __future__ import annotations

import time

import jwt
import pytest

from accord.auth.oidc import tokens
from accord.auth.oidc.tokens import TokenRejectedError
from tests.auth.oidc.keyring import Key, claims

ISS, AUD = "https://id.example.com", "accord-api"
KEY = Key("k1")
PUBLIC = jwt.PyJWK(KEY.jwk())


def verify(token: str, **kw: object) -> dict[str, object]:
    return tokens.verify(token, PUBLIC, issuer=ISS, audience=AUD, leeway_s=0, **kw)  # type: ignore[arg-type]


def test_a_good_token_verifies() -> None:
    assert verify(KEY.sign(claims(ISS, AUD)))["sub"] == "alice"


def test_an_audience_list_holding_ours_verifies() -> None:
    assert verify(KEY.sign(claims(ISS, [AUD, "other"])))["sub"] == "alice"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "other"}, "not meant for this audience"),
        ({"iss": "https://evil.example.com"}, "not issued by"),
        ({"exp": int(time.time()) - 5}, "expired"),
        ({"nbf": int(time.time()) + 300}, "not valid yet"),
        ({"sub": ""}, "subject is empty"),
    ],
)
def test_refusals_say_why(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(TokenRejectedError, match=reason):
        verify(KEY.sign({**claims(ISS, AUD), **changes}))


def test_missing_expiry_is_refused() -> None:
    body = claims(ISS, AUD)
    del body["exp"]
    with pytest.raises(TokenRejectedError, match="'exp'"):
        verify(KEY.sign(body))


def test_leeway_forgives_small_clock_skew() -> None:
    token = KEY.sign({**claims(ISS, AUD), "exp": int(time.time()) - 5})
    assert tokens.verify(token, PUBLIC, issuer=ISS, audience=AUD, leeway_s=60)["sub"] == "alice"


def test_another_key_does_not_verify() -> None:
    with pytest.raises(TokenRejectedError, match="signature"):
        verify(Key("k1").sign(claims(ISS, AUD)))


def test_none_and_hmac_are_never_accepted() -> None:
    unsigned = jwt.encode(claims(ISS, AUD), "", algorithm="none")
    with pytest.raises(TokenRejectedError, match="'none'"):
        verify(unsigned)
    # The classic confusion: HMAC "signed" with the public key's bytes.
    forged = jwt.encode(claims(ISS, AUD), "public-key-bytes-" * 4, algorithm="HS256")
    with pytest.raises(TokenRejectedError, match="'HS256'"):
        verify(forged)


def test_the_nonce_must_match_the_sign_in() -> None:
    token = KEY.sign(claims(ISS, AUD, nonce="n1"))
    assert verify(token, nonce="n1")["nonce"] == "n1"
    with pytest.raises(TokenRejectedError, match="nonce"):
        verify(token, nonce="n2")


def test_garbage_is_not_a_jwt() -> None:
    assert not tokens.looks_like_jwt("acd_live_abc")
    assert tokens.looks_like_jwt(KEY.sign(claims(ISS, AUD)))
    with pytest.raises(TokenRejectedError, match="well-formed"):
        verify("eyJhbGciOi.not.base64!")
