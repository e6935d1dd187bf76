"""Sign-in through the company's OpenID Connect provider, and its JWTs as API bearer tokens.

- ``keys.py``: the provider's discovery document and signing keys, cached, refreshed by
  one request at a time (single flight) that holds no lock while it waits on the network;
- ``tokens.py`` (pure): verify a JWT against those keys (issuer, audience, expiry with
  leeway, nonce);
- ``roles.py`` (pure): which workspace, team and role the claims grant
  (``ACCORD_OIDC_ROLES``);
- ``pkce.py`` (pure): the authorization-code flow's verifier, challenge and the signed
  cookie that carries them across the provider's pages;
- ``identity.py``: claims to a `Principal` (workspace and team looked up, the user
  remembered).
"""
