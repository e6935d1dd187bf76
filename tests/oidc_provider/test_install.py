"""tools/oidc_provider.py installs again only when the committed manifest or lock changes,
and never commits a registry's address."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

from tests.oidc_provider.fixture import HERE, INSTALL


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("oidc_provider_tool", INSTALL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stamp_ties_the_install_to_the_lock(tmp_path: Path) -> None:
    tool = _tool()
    source = tmp_path / "source"
    source.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, source / name)
    cache = tmp_path / "cache"
    (cache / "node_modules" / "oidc-provider").mkdir(parents=True)
    (cache / "node_modules" / "oidc-provider" / "package.json").write_text("{}")
    assert tool.installed(cache, source) is None  # no stamp: a half-finished install
    (cache / "installed.sha256").write_text(tool.digest(source) + "\n")
    assert tool.installed(cache, source) == cache / "node_modules"
    lock = source / "package-lock.json"
    lock.write_text(lock.read_text().replace('"lockfileVersion": 3', '"lockfileVersion": 3 '))
    assert tool.installed(cache, source) is None  # the lock changed


def test_the_committed_lock_pins_without_naming_a_registry() -> None:
    lock = (HERE / "package-lock.json").read_text()
    assert "registry" not in lock
    assert '"resolved"' not in lock
    assert lock.count('"integrity": "sha512-') == lock.count('"node_modules/')
