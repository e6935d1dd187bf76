#!/usr/bin/env python3
"""Fetch what the browser tests inject into pages: axe-core's ``axe.min.js``.

    python3 tools/browser_deps.py [--cache DIR]    prints the path of axe.min.js

One exact axe-core version comes from the npm registry through npm itself (``npm pack``,
which checks the tarball against the registry's integrity hash), is unpacked into a cache
directory (default ``.cache/browser/`` under the repository, git-ignored) and checked
against the sha256 below. Nothing from a registry is committed. Chromium itself is a
Debian package (``apt-get install chromium``); Playwright cannot download its own here.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / ".cache" / "browser"
AXE_VERSION = "4.10.3"
# sha256 of package/axe.min.js in axe-core-4.10.3.tgz (MPL-2.0, Deque Systems).
AXE_SHA256 = "880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb"
# The license first: the script, renamed last, marks a complete fetch.
_MEMBERS = {"package/LICENSE": "axe-core.LICENSE", "package/axe.min.js": "axe.min.js"}


class FetchError(RuntimeError):
    """axe-core could not be fetched or did not match its pinned digest."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached(cache: Path = DEFAULT_CACHE) -> Path | None:
    """The verified axe.min.js in ``cache``, or None when absent or altered."""
    path = cache / f"axe-core-{AXE_VERSION}" / "axe.min.js"
    return path if path.is_file() and _sha256(path) == AXE_SHA256 else None


def _pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed (apt-get install npm); it fetches axe-core")
    done = subprocess.run(
        [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(workdir), "--silent"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    tarball = workdir / f"axe-core-{AXE_VERSION}.tgz"
    if done.returncode != 0 or not tarball.is_file():
        raise FetchError(f"npm pack axe-core@{AXE_VERSION} failed: {done.stderr.strip()}")
    return tarball


def fetch(cache: Path = DEFAULT_CACHE) -> Path:
    """Path of a verified axe.min.js, fetching it into ``cache`` when needed."""
    found = cached(cache)
    if found is not None:
        return found
    target = cache / f"axe-core-{AXE_VERSION}"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        tarball = _pack(Path(work))
        with tarfile.open(tarball) as archive:
            for member, name in _MEMBERS.items():
                source = archive.extractfile(member)
                if source is None:
                    raise FetchError(f"{member} is missing from {tarball.name}")
                staged = Path(work) / name
                staged.write_bytes(source.read())
        script = Path(work) / "axe.min.js"
        if _sha256(script) != AXE_SHA256:
            raise FetchError(
                f"axe.min.js of axe-core {AXE_VERSION} has sha256 {_sha256(script)}, "
                f"expected {AXE_SHA256}: refusing it"
            )
        for name in _MEMBERS.values():
            (Path(work) / name).replace(target / name)
    path = cached(cache)
    assert path is not None
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache directory")
    args = parser.parse_args(argv)
    try:
        print(fetch(args.cache))
    except FetchError as exc:
        print(f"browser_deps: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
