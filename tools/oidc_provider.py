#!/usr/bin/env python3
"""Install the node modules of the OpenID Connect provider the tests start.

    python3 tools/oidc_provider.py install [--cache DIR]    prints the node_modules path

The provider (``tests/oidc_provider/provider.mjs``) runs panva's certified ``oidc-provider``
(MIT) under node. Its exact dependency tree is pinned by the committed
``tests/oidc_provider/package-lock.json`` (integrity hashes, no registry URLs); ``npm ci``
installs it into a cache directory (default ``.cache/oidc-provider/`` under the repository,
git-ignored), so nothing from a registry is committed. A stamp file holds the sha256 of the
manifest and lock that were installed: the install runs again only when they change, and a
half-finished install (no stamp) is redone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "oidc_provider"
DEFAULT_CACHE = ROOT / ".cache" / "oidc-provider"
_PINNED = ("package.json", "package-lock.json")
_STAMP = "installed.sha256"


class InstallError(RuntimeError):
    """npm is missing or ``npm ci`` failed: the provider cannot run."""


def digest(source: Path = SOURCE) -> str:
    """sha256 over the manifest and the lock: what an install is for."""
    hasher = hashlib.sha256()
    for name in _PINNED:
        hasher.update(name.encode() + b"\0" + (source / name).read_bytes() + b"\0")
    return hasher.hexdigest()


def installed(cache: Path = DEFAULT_CACHE, source: Path = SOURCE) -> Path | None:
    """The node_modules in ``cache`` when they match the committed lock, else None."""
    stamp = cache / _STAMP
    modules = cache / "node_modules"
    if not stamp.is_file() or not (modules / "oidc-provider" / "package.json").is_file():
        return None
    return modules if stamp.read_text(encoding="ascii").strip() == digest(source) else None


def _npm_ci(workdir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError("npm is not installed (apt-get install npm); it installs oidc-provider")
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise InstallError(f"npm ci failed: {done.stderr.strip() or done.stdout.strip()}")


def install(cache: Path = DEFAULT_CACHE, source: Path = SOURCE) -> Path:
    """Path of node_modules matching the lock, running ``npm ci`` into ``cache`` when needed.

    The install happens in a scratch directory inside ``cache`` and replaces the old tree
    only once complete, so an interrupted run never leaves modules that look installed.
    """
    found = installed(cache, source)
    if found is not None:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    wanted = digest(source)
    with tempfile.TemporaryDirectory(dir=cache, prefix="install-") as work:
        for name in _PINNED:
            shutil.copyfile(source / name, Path(work) / name)
        _npm_ci(Path(work))
        entry = Path(work) / "node_modules" / "oidc-provider" / "package.json"
        if not entry.is_file():
            raise InstallError("npm ci finished but node_modules/oidc-provider is missing")
        version = json.loads(entry.read_text(encoding="utf-8"))["version"]
        (cache / _STAMP).unlink(missing_ok=True)
        shutil.rmtree(cache / "node_modules", ignore_errors=True)
        (Path(work) / "node_modules").replace(cache / "node_modules")
    (cache / _STAMP).write_text(wanted + "\n", encoding="ascii")
    print(f"oidc_provider: installed oidc-provider {version} into {cache}", file=sys.stderr)
    return cache / "node_modules"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["install"], help="install the node modules")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache directory")
    args = parser.parse_args(argv)
    try:
        print(install(args.cache))
    except InstallError as exc:
        print(f"oidc_provider: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
