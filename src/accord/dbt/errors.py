"""The one error of the dbt package: the manifest cannot be imported as given."""

from __future__ import annotations


class ManifestError(ValueError):
    """Malformed, unsupported or inconsistent manifest. ``code`` is stable for APIs."""

    def __init__(self, message: str, code: str = "invalid_manifest") -> None:
        super().__init__(message)
        self.code = code
