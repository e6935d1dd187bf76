#!/usr/bin/env python3
"""Cut an Accord release, or audit the locked dependency sets (ADR 0037, docs/releasing.md).

    python tools/release.py X.Y.Z [--dist DIR] [--no-tag] [--dry-run]
    python tools/release.py X.Y.Z --build-only [--dist DIR]
    python tools/release.py --audit [--accepted FILE] [--osv-url URL] [--lock FILE ...]

A release is one command so that what ships is always the same set, made the same way:
the version bumped where hatchling reads it (``src/accord/__init__.py``), the changelog's
Unreleased entries moved under the version, the wheel and sdist built without build
isolation (the build backend comes from the hashed lock, nothing unpinned is fetched),
a CycloneDX SBOM of exactly what the wheel installs (the runtime part of
``requirements/main.lock``, with its hashes and dependency graph), the release notes,
``SHA256SUMS`` over all of them, then the commit "release X.Y.Z" and the annotated tag
``vX.Y.Z``. Nothing is committed unless every artifact was made. ``--build-only`` makes
the artifacts of an existing release (the release workflow runs it on the tag).

``--audit`` runs pip-audit on the locks. Accepted findings live in ``.pip-audit-accepted``,
one ``ID  reason`` per line (matched against a finding's ID and aliases); an ID without a
reason is refused. A dependency pip-audit could
not look up is not a pass: the audit then exits 3 ("could not audit"), distinct from 1
(unaccepted findings) and 2 (bad input), so a caller can tell an unreachable vulnerability
service from a clean result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "src" / "accord" / "__init__.py"
CHANGELOG = ROOT / "CHANGELOG.md"
MAIN_LOCK = ROOT / "requirements" / "main.lock"
RELEASE_LOCK = ROOT / "requirements" / "release.lock"
LOCKS = (MAIN_LOCK, ROOT / "requirements" / "dev.lock", RELEASE_LOCK)
# The release tools (build, cyclonedx-bom, pip-audit, the build backend) live in a venv of
# their own, installed from RELEASE_LOCK with hashes: cyclonedx-bom needs jsonschema's
# format extras, which must not leak into the environment the tests run in.
# ACCORD_RELEASE_VENV puts it elsewhere (the tests share one across their clones).
RELEASE_VENV = Path(os.environ.get("ACCORD_RELEASE_VENV") or ROOT / ".cache" / "release-venv")
ACCEPTED = ROOT / ".pip-audit-accepted"
NAME = "accord"

_VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.M)
_HEADING = re.compile(r"^## \[([^\]]+)\](.*)$", re.M)


class ReleaseError(Exception):
    """A precondition or step failed; the message says what to do."""


def _say(msg: str) -> None:
    print(f"[release] {msg}", flush=True)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def parse_version(text: str) -> tuple[int, int, int]:
    """X.Y.Z only: the tag, the wheel name and the changelog heading all carry it verbatim."""
    m = _VERSION_RE.match(text)
    if not m:
        raise ReleaseError(f"version {text!r} is not X.Y.Z (e.g. 0.2.0)")
    return int(m[1]), int(m[2]), int(m[3])


def read_version() -> str:
    m = _VERSION_LINE.search(VERSION_FILE.read_text())
    if not m:
        raise ReleaseError(f"no __version__ line in {VERSION_FILE.relative_to(ROOT)}")
    return m[1]


# --- changelog -----------------------------------------------------------------------


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(name, heading start, body end) of every ``## [name]`` section."""
    heads = list(_HEADING.finditer(text))
    ends = [h.start() for h in heads[1:]]
    # Link references ("[x]: url") at the bottom belong to no section.
    tail = re.search(r"^\[[^\]]+\]: \S+", text, re.M)
    last_end = tail.start() if tail and heads and tail.start() > heads[-1].start() else len(text)
    return [(h[1], h.start(), end) for h, end in zip(heads, [*ends, last_end], strict=True)]


def _body(text: str, start: int, end: int) -> str:
    return text[start:end].split("\n", 1)[1].strip("\n") if "\n" in text[start:end] else ""


def move_unreleased(text: str, version: str, date: dt.date) -> tuple[str, str]:
    """The changelog with Unreleased moved under ``## [version] - date``, and the notes."""
    sections = {name: (start, end) for name, start, end in _sections(text)}
    if version in sections:
        raise ReleaseError(f"CHANGELOG.md already has a [{version}] section")
    if "Unreleased" not in sections:
        raise ReleaseError("CHANGELOG.md has no '## [Unreleased]' section")
    start, end = sections["Unreleased"]
    notes = _body(text, start, end)
    if not re.search(r"^\s*[-*] \S", notes, re.M):
        raise ReleaseError(
            "CHANGELOG.md: the [Unreleased] section lists no change; add the release's "
            "entries (Keep a Changelog: ### Added / Changed / Fixed / Security ...) first"
        )
    moved = f"## [Unreleased]\n\n## [{version}] - {date.isoformat()}\n\n{notes}\n\n"
    return text[:start] + moved + text[end:].lstrip("\n"), notes


def released_notes(text: str, version: str) -> str:
    """The notes of an already released version (for --build-only)."""
    for name, start, end in _sections(text):
        if name == version:
            return _body(text, start, end)
    raise ReleaseError(f"CHANGELOG.md has no [{version}] section")


# --- the locked runtime set ----------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Locked:
    """One pinned package of a uv-compiled lock: its hashes and what pulled it in."""

    name: str
    version: str
    text: str
    via: set[str] = field(default_factory=set)


def read_lock(path: Path) -> dict[str, Locked]:
    entries: dict[str, Locked] = {}
    current: Locked | None = None
    for line in path.read_text().splitlines():
        head = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)", line)
        if head:
            current = Locked(_norm(head[1]), head[3], line + "\n")
            entries[current.name] = current
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("--hash="):
            current.text += line + "\n"
        elif stripped.startswith("#"):
            parent = re.sub(r"^#\s*(via\s*)?", "", stripped)
            parent = parent.split(" (", 1)[0].strip()
            if parent:
                current.via.add(_norm(parent))
    return entries


def wheel_requirements(wheel: Path) -> list[str]:
    """The names the wheel requires without any extra (what ``pip install accord`` pulls)."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode()
    names = []
    for line in text.splitlines():
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                names.append(_norm(req.name))
    return names


def runtime_closure(lock: dict[str, Locked], roots: Iterable[str]) -> dict[str, Locked]:
    """The lock's packages reachable from ``roots`` through its "via" annotations.

    The main lock also pins the build backend (the ``build`` extra), which the wheel never
    installs; following the edges from the wheel's own requirements leaves it out."""
    wanted = set(roots)
    missing = wanted - lock.keys()
    if missing:
        raise ReleaseError(f"the wheel requires {sorted(missing)}, not in the main lock")
    grew = True
    while grew:
        grew = False
        for name, entry in lock.items():
            if name not in wanted and entry.via & wanted:
                wanted.add(name)
                grew = True
    return {name: lock[name] for name in sorted(wanted)}


# --- artifacts -----------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(*cmd: str | Path) -> None:
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseError(f"{' '.join(str(c) for c in cmd)} failed:\n{done.stdout}{done.stderr}")


def build_dists(version: str, dist: Path) -> tuple[Path, Path]:
    """sdist, then the wheel from that sdist (so a file missing from the sdist shows)."""
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT)
    wheel = dist / f"{NAME}-{version}-py3-none-any.whl"
    sdist = dist / f"{NAME}-{version}.tar.gz"
    for path in (wheel, sdist):
        if not path.is_file():
            made = sorted(p.name for p in dist.iterdir())
            raise ReleaseError(f"expected {path.name} in {dist}, found {made}")
    return wheel, sdist


def write_sbom(version: str, wheel: Path, out: Path) -> int:
    """CycloneDX 1.6 JSON of the wheel and the locked packages it installs, with hashes.

    cyclonedx-py reads the pinned, hashed lines; we name the root component (the version is
    dynamic, so pyproject.toml cannot) and add the dependency graph from the lock."""
    closure = runtime_closure(read_lock(MAIN_LOCK), wheel_requirements(wheel))
    roots = set(wheel_requirements(wheel))
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Path(tmp) / "runtime.lock"
        runtime.write_text("".join(e.text for e in closure.values()))
        raw = Path(tmp) / "raw.cdx.json"
        _run(
            sys.executable, "-m", "cyclonedx_py", "requirements", runtime,
            "--sv", "1.6", "--of", "JSON", "--output-reproducible", "-o", raw,
        )  # fmt: skip
        bom: dict[str, Any] = json.loads(raw.read_text())
    root_ref = f"pkg:pypi/{NAME}@{version}"
    refs: dict[str, str] = {}
    for comp in bom["components"]:
        refs[_norm(comp["name"])] = comp["bom-ref"] = comp["purl"]
    bom["metadata"]["component"] = {
        "type": "application",
        "bom-ref": root_ref,
        "name": NAME,
        "version": version,
        "purl": root_ref,
        "description": "Self-hostable data contract coordination service",
        "licenses": [{"license": {"id": "Apache-2.0"}}],
        "hashes": [{"alg": "SHA-256", "content": sha256(wheel)}],
    }
    deps = [{"ref": root_ref, "dependsOn": sorted(refs[n] for n in roots)}]
    for name in closure:
        children = sorted(refs[c] for c, e in closure.items() if name in e.via and c != name)
        deps.append({"ref": refs[name], "dependsOn": children})
    bom["dependencies"] = deps
    text = json.dumps(bom, indent=2, sort_keys=True) + "\n"
    _validate_cyclonedx(text)
    out.write_text(text)
    return len(closure)


def _validate_cyclonedx(text: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise ReleaseError(f"the SBOM is not valid CycloneDX 1.6: {error}")


def write_checksums(dist: Path, files: list[Path]) -> Path:
    """``sha256sum -c`` format, so anyone can check a download with coreutils."""
    sums = dist / "SHA256SUMS"
    sums.write_text("".join(f"{sha256(p)}  {p.name}\n" for p in sorted(files)))
    return sums


def make_artifacts(version: str, notes: str, dist: Path) -> list[Path]:
    dist.mkdir(parents=True, exist_ok=True)
    if any(dist.iterdir()):
        raise ReleaseError(f"{dist} is not empty: remove it or pass --dist NEWDIR")
    _say(f"building wheel and sdist into {dist}")
    wheel, sdist = build_dists(version, dist)
    sbom = dist / f"{NAME}-{version}.cdx.json"
    count = write_sbom(version, wheel, sbom)
    _say(f"SBOM {sbom.name}: {NAME} and {count} locked runtime packages")
    notes_file = dist / f"{NAME}-{version}-release-notes.md"
    notes_file.write_text(f"# Accord {version}\n\n{notes}\n")
    files = [wheel, sdist, sbom, notes_file]
    write_checksums(dist, files)
    return [*files, dist / "SHA256SUMS"]


# --- the release ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    version: str
    dist: Path
    tag: bool
    dry_run: bool


def _require_clean_tree() -> None:
    dirty = _git("status", "--porcelain", "--untracked-files=normal")
    if dirty:
        raise ReleaseError(f"the work tree is not clean; commit or remove first:\n{dirty}")


def _tag_exists(tag: str) -> bool:
    done = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/tags/{tag}"], cwd=ROOT, capture_output=True
    )
    return done.returncode == 0


def release(plan: Plan, today: dt.date) -> list[Path]:
    version, tag = plan.version, f"v{plan.version}"
    _require_clean_tree()
    if _tag_exists(tag):
        raise ReleaseError(f"tag {tag} already exists")
    current = read_version()
    # The version in the tree is the next one until it is tagged (0.1.0 was never released).
    released = _tag_exists(f"v{current}")
    if parse_version(version) < parse_version(current) or (version == current and released):
        raise ReleaseError(f"{version} is not after the current version {current}")
    old_version_text, old_changelog = VERSION_FILE.read_text(), CHANGELOG.read_text()
    new_changelog, notes = move_unreleased(old_changelog, version, today)
    _say(f"{current} -> {version}")
    VERSION_FILE.write_text(
        _VERSION_LINE.sub(f'__version__ = "{version}"', old_version_text, count=1)
    )
    CHANGELOG.write_text(new_changelog)
    committed = False
    try:
        made = make_artifacts(version, notes, plan.dist)
        if plan.dry_run:
            _say("dry run: artifacts built; version and changelog restored, nothing committed")
            return made
        files = [str(p.relative_to(ROOT)) for p in (VERSION_FILE, CHANGELOG)]
        _git("add", "--", *files)
        _git("commit", "-q", "-m", f"release {version}", "--", *files)
        committed = True
    finally:
        if not committed:
            VERSION_FILE.write_text(old_version_text)
            CHANGELOG.write_text(old_changelog)
    if plan.tag:
        _git("tag", "-a", tag, "-m", f"Accord {version}\n\n{notes}")
        _say(f"committed 'release {version}' and tagged {tag}; push both: git push --follow-tags")
    else:
        _say(f"committed 'release {version}' (no tag: --no-tag)")
    return made


def build_only(version: str, dist: Path) -> list[Path]:
    """The artifacts of a release already committed (and tagged): CI on the tag."""
    _require_clean_tree()
    if read_version() != version:
        raise ReleaseError(f"the tree is at version {read_version()}, not {version}")
    tag = f"v{version}"
    if _tag_exists(tag) and _git("rev-parse", f"{tag}^{{commit}}") != _git("rev-parse", "HEAD"):
        raise ReleaseError(f"tag {tag} does not point at HEAD")
    return make_artifacts(version, released_notes(CHANGELOG.read_text(), version), dist)


# --- the audit -----------------------------------------------------------------------


def read_accepted(path: Path) -> dict[str, str]:
    """``ID  reason`` lines; '#' starts a comment. Every acceptance must say why."""
    accepted: dict[str, str] = {}
    if not path.exists():
        return accepted
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        vuln, _, reason = line.partition(" ")
        if not reason.strip():
            raise ReleaseError(f"{path.name}:{number}: {vuln} is accepted without a reason")
        accepted[vuln] = reason.strip()
    return accepted


@dataclass
class AuditResult:
    findings: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    audited: int = 0


def audit_lock(lock: Path, accepted: dict[str, str], osv_url: str | None) -> AuditResult:
    """One pip-audit run; acceptance is applied here (by ID or alias) rather than with
    --ignore-vuln, so that an acceptance no finding needs any more can be named."""
    cmd = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--require-hashes"]
    cmd += ["--disable-pip", "--progress-spinner", "off", "-f", "json", "--desc", "off"]
    if osv_url:
        cmd += ["-s", "osv", "--osv-url", osv_url]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    result = AuditResult()
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        # No report at all: the service refused or could not be reached.
        why = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        result.unaudited.append(f"{lock.name}: pip-audit made no report: {why[0]}")
        return result
    for dep in report["dependencies"]:
        label = f"{dep['name']} {dep.get('version', '')}".strip()
        if "skip_reason" in dep:
            result.unaudited.append(f"{lock.name}: {label}: {dep['skip_reason']}")
            continue
        result.audited += 1
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            known = set(ids) & accepted.keys()
            result.seen_ids |= known
            if not known:
                fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
                result.findings.append(
                    f"{lock.name}: {label}: {' / '.join(ids)} (fixed in {fixes})"
                )
    return result


def audit(locks: list[Path], accepted_file: Path, osv_url: str | None) -> int:
    accepted = read_accepted(accepted_file)
    total = AuditResult()
    for lock in locks:
        one = audit_lock(lock, accepted, osv_url)
        total.findings += one.findings
        total.unaudited += one.unaudited
        total.seen_ids |= one.seen_ids
        total.audited += one.audited
    for vuln in sorted(set(accepted) - total.seen_ids):
        _say(f"note: accepted {vuln} no longer applies to any lock; remove it from the file")
    for vuln in sorted(set(accepted) & total.seen_ids):
        _say(f"accepted: {vuln}: {accepted[vuln]}")
    if total.findings:
        _say(f"{len(total.findings)} unaccepted finding(s); upgrade, or accept with a reason:")
        for line in total.findings:
            print(f"  {line}")
        return 1
    if total.unaudited:
        _say(f"could not audit {len(total.unaudited)} package(s) (no answer from the service):")
        for line in total.unaudited[:10]:
            print(f"  {line}")
        return 3
    _say(f"no unaccepted finding in {total.audited} locked packages")
    return 0


# --- command line --------------------------------------------------------------------


def _release_python() -> Path:
    """The release venv's python, (re)installed from RELEASE_LOCK when the lock changed."""
    python = RELEASE_VENV / "bin" / "python"
    stamp = RELEASE_VENV / ".release-lock-sha256"
    want = hashlib.sha256(RELEASE_LOCK.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    _say(f"installing the release tools from {RELEASE_LOCK.relative_to(ROOT)}")
    if RELEASE_VENV.exists():
        import shutil

        shutil.rmtree(RELEASE_VENV)
    subprocess.run([sys.executable, "-m", "venv", str(RELEASE_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--require-hashes", "--no-deps", "-r", str(RELEASE_LOCK)],
        check=True,
    )  # fmt: skip
    stamp.write_text(want)
    return python


def _in_release_venv() -> bool:
    return Path(sys.prefix).resolve() == RELEASE_VENV.resolve()


def main(argv: list[str]) -> int:
    if not _in_release_venv():
        try:
            python = _release_python()
        except (OSError, subprocess.CalledProcessError) as exc:
            _say(f"error: could not install the release tools: {exc}")
            return 2
        return subprocess.run([str(python), str(Path(__file__).resolve()), *argv]).returncode
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("version", nargs="?", help="the release, X.Y.Z")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output (empty)")
    parser.add_argument("--no-tag", action="store_true", help="commit but do not tag")
    parser.add_argument("--dry-run", action="store_true", help="build, then restore the tree")
    parser.add_argument("--build-only", action="store_true", help="artifacts of a release")
    parser.add_argument("--audit", action="store_true", help="pip-audit the locks")
    parser.add_argument("--accepted", type=Path, default=ACCEPTED, help="accepted findings")
    parser.add_argument("--osv-url", help="query this OSV endpoint instead of PyPI")
    parser.add_argument("--lock", type=Path, action="append", help="lock(s) to audit")
    parser.add_argument("--validate-sbom", type=Path, help="check a CycloneDX 1.6 JSON file")
    args = parser.parse_args(argv)
    if args.validate_sbom:
        try:
            _validate_cyclonedx(args.validate_sbom.read_text(encoding="utf-8"))
        except (OSError, ReleaseError) as exc:
            _say(f"error: {exc}")
            return 1
        _say(f"{args.validate_sbom} is valid CycloneDX 1.6")
        return 0
    try:
        if args.audit:
            return audit(args.lock or list(LOCKS), args.accepted, args.osv_url)
        if not args.version:
            parser.error("give the version to release (X.Y.Z), or --audit")
        parse_version(args.version)
        dist = args.dist.resolve()
        if args.build_only:
            made = build_only(args.version, dist)
        else:
            plan = Plan(args.version, dist, tag=not args.no_tag, dry_run=args.dry_run)
            made = release(plan, dt.datetime.now(dt.UTC).date())
    except ReleaseError as exc:
        _say(f"error: {exc}")
        return 2
    for path in made:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
