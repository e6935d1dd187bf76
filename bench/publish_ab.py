"""Compatible-publish latency of two versions of Accord side by side (issue 21): the
working tree and a git revision, each served by its own `accord serve` on SQLite, with
publishes alternating between the two, so both meet the machine in the same state. (A
shared machine's speed drifts within minutes: runs of one server after the other differed
by more than the changes being measured.)

    .venv/bin/python -m bench.publish_ab --base REV [--change narrow|description]
        [--publishes 400]

The revision is checked out in a temporary git worktree, and its server imports Accord
from there (PYTHONPATH; the dependencies are this virtual environment's, so a revision
with other dependencies needs its own run). Each server is set up as `bench/http.py` sets
up its own (a 50-column table; `--change` as in its publish part), then gets 20 warm-up
publishes and ``--publishes`` timed ones, in turns (which server goes first alternates).
Prints each side's p50 and p95 and the median of the paired ratios (tree / base).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from bench._server import percentile, running_server_process
from bench.http import CHANGES, LIMITS, PUBLISH_WARMUP, setup, table_schema

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """``revision`` checked out in a temporary worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="accord-ab-") as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), revision],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)],
                cwd=ROOT, check=False, capture_output=True,
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git revision to compare with")
    parser.add_argument("--change", choices=CHANGES, default="narrow")
    parser.add_argument("--publishes", type=int, default=400, help="timed publishes each")
    args = parser.parse_args()
    with ExitStack() as stack:
        base_tree = stack.enter_context(worktree(args.base))
        sides = {"base": {"PYTHONPATH": str(base_tree / "src")}, "tree": {}}
        clients: dict[str, tuple[httpx.Client, str]] = {}
        for name, extra in sides.items():
            served = running_server_process(extra_env={**LIMITS, **extra})
            url, env, _ = stack.enter_context(served)
            s = setup(url, env)
            asset = s.publish_asset_id if args.change == "description" else s.narrow_asset_id
            auth = {"Authorization": f"Bearer {s.write_key}"}
            client = stack.enter_context(httpx.Client(base_url=url, headers=auth, timeout=60))
            clients[name] = (client, f"/api/v1/assets/{asset}/versions")
        times: dict[str, list[float]] = {name: [] for name in clients}
        for i in range(1, PUBLISH_WARMUP + args.publishes + 1):
            order = list(clients) if i % 2 else list(reversed(clients))
            for name in order:
                client, path = clients[name]
                body = {"schema": table_schema(i, args.change), "format": "table"}
                started = time.perf_counter()
                r = client.post(path, json=body)
                elapsed = (time.perf_counter() - started) * 1000
                if r.status_code != 201 or r.json()["outcome"] != "published":
                    raise RuntimeError(f"{name}, publish {i}: {r.status_code} {r.text[:300]}")
                if i > PUBLISH_WARMUP:
                    times[name].append(elapsed)
    base, tree = times["base"], times["tree"]
    paired = statistics.median(t / b for b, t in zip(base, tree, strict=True))
    print(f"compatible publish ({args.change}), {args.publishes} each, alternating, SQLite")
    for name, samples in times.items():
        label = f"base {args.base}" if name == "base" else "working tree"
        print(
            f"  {label:28} p50 {percentile(samples, 50):6.2f} ms   "
            f"p95 {percentile(samples, 95):6.2f} ms"
        )
    print(f"  paired ratio tree / base (median): {paired:.3f}")


if __name__ == "__main__":
    main()
