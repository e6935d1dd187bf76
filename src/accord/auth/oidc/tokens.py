"""Verify a JWT from the provider, pure: signature under one of its keys, issuer,
audience, expiry and not-before with leeway, and the sign-in's nonce for an ID token.

Only asymmetric algorithms are accepted: ``none`` and the HMAC family (whose "key" would
be public) never verify anything here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class TokenRejectedError(Exception):
    """The token does not verify; ``reason`` is safe to tell the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_jwt(credential: str) -> bool:
    """Three base64url parts starting with a JSON header: a JWT, not an Accord key."""
    return credential.startswith("eyJ") and credential.count(".") == 2


def header(token: str) -> Mapping[str, Any]:
    try:
        found = jwt.get_unverified_header(token)
    except jwt.exceptions.DecodeError:
        raise TokenRejectedError("the token is not a well-formed JWT") from None
    alg = found.get("alg")
    if alg not in ASYMMETRIC:
        raise TokenRejectedError(f"the token's algorithm {alg!r} is not accepted")
    return found


def verify(
    token: str,
    key: jwt.PyJWK,
    *,
    issuer: str,
    audience: str,
    leeway_s: float,
    nonce: str | None = None,
) -> dict[str, Any]:
    """The token's claims once everything checks; `TokenRejectedError` naming what did not."""
    alg = header(token)["alg"]
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key.key,
            algorithms=[alg],
            audience=audience,
            issuer=issuer,
            leeway=leeway_s,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.exceptions.ExpiredSignatureError:
        raise TokenRejectedError("the token has expired") from None
    except jwt.exceptions.InvalidAudienceError:
        raise TokenRejectedError(f"the token is not meant for this audience ({audience})") from None
    except jwt.exceptions.InvalidIssuerError:
        raise TokenRejectedError(f"the token was not issued by {issuer}") from None
    except jwt.exceptions.ImmatureSignatureError:
        raise TokenRejectedError("the token is not valid yet") from None
    except jwt.exceptions.MissingRequiredClaimError as exc:
        raise TokenRejectedError(f"the token has no {exc.claim!r} claim") from None
    except jwt.exceptions.InvalidSignatureError:
        raise TokenRejectedError("the token's signature does not verify") from None
    except jwt.exceptions.PyJWTError as exc:
        raise TokenRejectedError(f"the token is not valid ({type(exc).__name__})") from None
    if nonce is not None and claims.get("nonce") != nonce:
        raise TokenRejectedError("the ID token does not belong to this sign-in (nonce)")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenRejectedError("the token's subject is empty")
    return claims
