"""Build Accord's image without an image registry, and run it against PostgreSQL.

    python3 tools/deploy_image.py [--work DIR] [--database-url URL]

Where Docker Hub cannot be reached (our development machine), the base is made from
Debian's own packages with mmdebstrap, imported into podman's image store, and the
Dockerfile is built against it (`--build-arg BASE=...`) with buildah. Then the image runs
as the chart runs it: `accord db upgrade`, then `accord serve` and
`accord worker --health-port`, with the secrets as files in ACCORD_SECRETS_DIR, a
read-only root and tmpfs for /tmp and the data directory; the script checks /readyz,
/healthz, /metrics, the worker's heartbeat, and that SIGTERM stops both.

Containers are started with runc on an OCI bundle of the image (its user, environment,
entrypoint; host network; PID, IPC, UTS and mount namespaces), not `podman run`: on
machines without CAP_SYS_RESOURCE podman's default rlimits are refused ("setrlimit
RLIMIT_NPROC: Operation not permitted"), and the bundle sets none.

Needs root and the Debian packages mmdebstrap, podman, buildah, runc
(`apt-get install mmdebstrap podman buildah runc`), and a PostgreSQL whose database
(--database-url, an existing database) the script may migrate.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "localhost/accord-base:bookworm"
IMAGE = "localhost/accord:smoke"
PACKAGES = "python3,python3-venv,ca-certificates,tzdata"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


def say(message: str) -> None:
    print(f"deploy_image: {message}", flush=True)


def run(*argv: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, **kwargs)


class Podman:
    """podman and buildah on a private store (vfs: no overlay or fuse needed)."""

    def __init__(self, work: Path) -> None:
        self.flags = [
            f"--root={work / 'storage'}",
            f"--runroot={work / 'run'}",
            "--storage-driver=vfs",
        ]

    def podman(self, *args: str) -> str:
        return run("podman", *self.flags, *args, capture_output=True).stdout.strip()

    def buildah(self, *args: str) -> None:
        run("buildah", *self.flags, *args)


def make_base(tools: Podman, work: Path) -> None:
    tar = work / "base.tar"
    if not tar.exists():
        say(f"mmdebstrap bookworm (minbase + {PACKAGES})")
        started = time.monotonic()
        run("mmdebstrap", "--variant=minbase", f"--include={PACKAGES}", "bookworm", str(tar))
        say(f"base made in {time.monotonic() - started:.0f} s, {tar.stat().st_size >> 20} MiB")
    tools.podman("import", "--change", 'CMD ["/bin/bash"]', str(tar), BASE)


def build(tools: Podman) -> None:
    say(f"building {IMAGE} from the Dockerfile on {BASE}")
    started = time.monotonic()
    # pip in the builder trusts what this machine trusts (a TLS-intercepting proxy's CA).
    volume = [f"--volume={HOST_CA}:/etc/ssl/certs/ca-certificates.crt:ro"] * HOST_CA.exists()
    tools.buildah(
        "bud",
        "--isolation=chroot",
        "--format=docker",  # OCI images drop HEALTHCHECK
        "--network=host",
        *volume,
        f"--build-arg=BASE={BASE}",
        f"--tag={IMAGE}",
        str(ROOT),
    )
    size = json.loads(tools.podman("image", "inspect", IMAGE))[0]["Size"]
    say(f"built in {time.monotonic() - started:.0f} s, {size >> 20} MiB")


def bundle(
    tools: Podman, rootfs: str, work: Path, name: str, args: list[str], env: dict[str, str]
) -> Path:
    """An OCI bundle running ``accord ARGS`` in the image as the chart would: the image's
    user, environment (``env`` added or replacing) and entrypoint, a read-only root."""
    image = json.loads(tools.podman("image", "inspect", IMAGE))[0]["Config"]
    path = work / f"bundle-{name}"
    path.mkdir(exist_ok=True)
    (path / "config.json").unlink(missing_ok=True)
    run("runc", "spec", "--bundle", str(path))
    spec = json.loads((path / "config.json").read_text())
    uid, gid = (int(x) for x in image["User"].split(":"))
    environment = dict(item.split("=", 1) for item in image["Env"])
    environment.update(env, ACCORD_SECRETS_DIR="/run/secrets/accord")
    process = spec["process"]
    process.update(
        terminal=False,
        user={"uid": uid, "gid": gid},
        args=[*image["Entrypoint"], *args],
        cwd=image["WorkingDir"],
        env=[f"{k}={v}" for k, v in environment.items()],
    )
    process.pop("rlimits", None)  # refused without CAP_SYS_RESOURCE
    spec["root"] = {"path": rootfs, "readonly": True}
    linux = spec["linux"]
    linux["namespaces"] = [n for n in linux["namespaces"] if n["type"] != "network"]
    linux.pop("resources", None)
    spec["mounts"] = [m for m in spec["mounts"] if m["type"] != "cgroup"] + [
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
        {
            "destination": "/var/lib/accord",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "mode=0700", f"uid={uid}", f"gid={gid}"],
        },
        {
            "destination": "/run/secrets/accord",
            "type": "bind",
            "source": str(work / "secrets"),
            "options": ["rbind", "ro"],
        },
    ]
    (path / "config.json").write_text(json.dumps(spec, indent=1))
    return path


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read().decode()
    except OSError as exc:
        return 0, str(exc)


def wait_for(url: str, seconds: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    status, body = 0, ""
    while time.monotonic() < deadline:
        status, body = get(url)
        if status == 200:
            break
        time.sleep(0.5)
    return status, body


def smoke(tools: Podman, work: Path, database_url: str, port: int, health_port: int) -> int:
    secrets_dir = work / "secrets"
    secrets_dir.mkdir(exist_ok=True)
    (secrets_dir / "ACCORD_DATABASE_URL").write_text(database_url + "\n")
    (secrets_dir / "ACCORD_KEY_PEPPER").write_text(secrets.token_urlsafe(32) + "\n")
    for secret in secrets_dir.iterdir():
        secret.chmod(0o644)  # the container's user is not this one
    rootfs = tools.podman("image", "mount", IMAGE)
    env = {"ACCORD_PORT": str(port)}
    problems: list[str] = []
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        migrate = bundle(tools, rootfs, work, "migrate", ["db", "upgrade"], env)
        upgraded = run("runc", "run", "accord-smoke-migrate", cwd=migrate, capture_output=True)
        say(f"accord db upgrade: {upgraded.stdout.strip()}")
        worker_args = ["worker", "--health-port", str(health_port)]
        for name, args in (("api", ["serve"]), ("worker", worker_args)):
            path = bundle(tools, rootfs, work, name, args, env)
            log = (work / f"{name}.log").open("wb")
            started[name] = subprocess.Popen(
                ["runc", "run", f"accord-smoke-{name}"], cwd=path, stdout=log, stderr=log
            )
        checks = {
            "/readyz": f"http://127.0.0.1:{port}/readyz",
            "/healthz": f"http://127.0.0.1:{port}/healthz",
            "/metrics": f"http://127.0.0.1:{port}/metrics",
            "worker /healthz": f"http://127.0.0.1:{health_port}/healthz",
        }
        for what, url in checks.items():
            status, body = wait_for(url)
            shown = body if what != "/metrics" else f"{body.count('accord_')} accord_ lines"
            say(f"{what}: {status} {shown[:200]}")
            if status != 200:
                problems.append(f"{what} answered {status}")
        # The Dockerfile's HEALTHCHECK, run inside the API's container.
        image = json.loads(tools.podman("image", "inspect", "--format=json", IMAGE))[0]
        declared = image.get("Healthcheck") or image.get("Config", {}).get("Healthcheck") or {}
        healthcheck = declared.get("Test") or []
        probe = healthcheck[1:] if healthcheck[:1] == ["CMD"] else []
        if probe:
            done = subprocess.run(
                ["runc", "exec", "accord-smoke-api", *probe], check=False, capture_output=True
            )
            say(f"the image's HEALTHCHECK command: exit {done.returncode}")
            if done.returncode != 0:
                problems.append("the HEALTHCHECK command failed")
        else:
            problems.append("the image carries no HEALTHCHECK")
    finally:
        for name, process in started.items():
            subprocess.run(["runc", "kill", f"accord-smoke-{name}", "TERM"], check=False)
            code = process.wait(60)
            say(f"{name} stopped by SIGTERM: exit {code}")
            if code != 0:
                problems.append(f"{name} exited {code} on SIGTERM (log: {work / name}.log)")
        tools.podman("image", "unmount", IMAGE)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    say(f"{len(problems)} problem(s)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "image")
    parser.add_argument("--database-url", required=True, help="postgresql+asyncpg://...")
    parser.add_argument("--port", type=int, default=18480)
    parser.add_argument("--health-port", type=int, default=18481)
    args = parser.parse_args(argv)
    missing = [t for t in ("mmdebstrap", "podman", "buildah", "runc") if not shutil.which(t)]
    if missing:
        print(f"missing: {' '.join(missing)} (apt-get install them)", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    tools = Podman(args.work.resolve())
    make_base(tools, args.work.resolve())
    build(tools)
    return smoke(tools, args.work.resolve(), args.database_url, args.port, args.health_port)


if __name__ == "__main__":
    sys.exit(main())
