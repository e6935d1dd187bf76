"""dbt manifest import, the pure part: no FastAPI, SQLAlchemy or httpx imports.

    >>> project = parse_manifest(open("target/manifest.json", "rb").read())
    >>> [a.fqn for a in project.assets.values()]

`parse_manifest` checks the schema version (v9-v12, `SUPPORTED`), maps models, seeds,
snapshots and sources to assets with table schemas and guarantees, `depends_on` to
upstream links and exposures to consumers, or raises `ManifestError`.
`accord.imports` applies a `Project` through the server's services.
"""

from __future__ import annotations

from accord.dbt.errors import ManifestError
from accord.dbt.manifest import SUPPORTED, load_manifest
from accord.dbt.project import DbtAsset, DbtExposure, Project, build_project
from accord.dbt.types import map_type

__all__ = [
    "SUPPORTED",
    "DbtAsset",
    "DbtExposure",
    "ManifestError",
    "Project",
    "map_type",
    "parse_manifest",
]


def parse_manifest(raw: bytes | str) -> Project:
    """A manifest.json document -> the `Project` Accord imports."""
    return build_project(load_manifest(raw))
