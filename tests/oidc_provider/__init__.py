"""A real OpenID Connect provider (node + oidc-provider) for the tests, and its own tests."""
