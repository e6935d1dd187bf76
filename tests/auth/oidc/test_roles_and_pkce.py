"""Claims to roles, and the sign-in cookie: pure."""

from __future__ import annotations

import time

from accord.auth.oidc import pkce
from accord.auth.oidc.roles import grant, groups_of
from accord.auth.principal import Scope
from accord.config import OidcRole

RULES = [
    OidcRole(group="accord-admins", workspace="acme", role="admin"),
    OidcRole(group="orders-team", workspace="acme", team="orders", role="write"),
    OidcRole(group="everyone", workspace="acme", team="analytics", role="read"),
]


def test_first_matching_rule_wins() -> None:
    found = grant(["everyone", "orders-team"], RULES)
    assert found is not None
    assert (found.team, found.scopes) == ("orders", frozenset({Scope.read, Scope.write}))
    admin = grant(["accord-admins", "orders-team"], RULES)
    assert admin is not None
    assert admin.team is None
    assert Scope.admin in admin.scopes


def test_no_group_no_grant() -> None:
    assert grant(["marketing"], RULES) is None
    assert grant([], RULES) is None


def test_groups_come_as_lists_or_strings() -> None:
    assert groups_of({"groups": ["a", "b", 3, ""]}, "groups") == ["a", "b"]
    assert groups_of({"roles": "a b,c"}, "roles") == ["a", "b", "c"]
    assert groups_of({"groups": {"a": 1}}, "groups") == []
    assert groups_of({}, "groups") == []


def test_pkce_challenge_is_rfc7636_s256() -> None:
    # RFC 7636, appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_pending_cookie_round_trips_and_resists_tampering() -> None:
    pending = pkce.Pending.start("/ui/assets")
    sealed = pkce.seal(pending, "pepper")
    assert pkce.unseal(sealed, "pepper") == pending
    assert pkce.unseal(sealed, "another pepper") is None
    body, _, mac = sealed.partition(".")
    assert pkce.unseal(body[:-2] + "AA." + mac, "pepper") is None
    assert pkce.unseal("", "pepper") is None
    assert pkce.unseal("a.b", "pepper") is None


def test_the_pending_cookie_goes_stale() -> None:
    sealed = pkce.seal(pkce.Pending.start("/ui/inbox"), "pepper")
    assert pkce.unseal(sealed, "pepper", now=time.time() + pkce.MAX_AGE_S + 1) is None
