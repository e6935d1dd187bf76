"""The provider fixtures for this folder (other folders import them the same way)."""

from tests.oidc_provider.fixture import oidc_provider, oidc_provider_factory

__all__ = ["oidc_provider", "oidc_provider_factory"]
