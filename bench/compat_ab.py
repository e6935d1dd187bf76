"""The compatibility engine of a git revision beside the working tree's, on real schema
evolution pairs (issue 16), timed in turns so that a drifting machine cannot tell them apart.

    .venv/bin/python -m bench.compat_ab --base REV [PATH] [--modes backward,forward]
        [--runs 4] [--limit N]

PATH is a corpus as ``bench/compat_realworld.py`` reads it (default: the 511 SchemaStore
pairs). The revision is checked out in a temporary git worktree (``bench.publish_ab``'s),
and two worker processes are started: one imports Accord from that worktree (PYTHONPATH),
the other from the working tree; both use this virtual environment's dependencies. For
every pair and mode, each worker times ``--runs`` times, the two taking turns and
alternating which goes first (on this machine the second of a fixed pair ran up to 15 %
faster), and the fastest run of each counts:

- ``core``: the work jsoncompat also does (parse both schemas, decide the one direction,
  as ``compat_realworld._core``);
- ``whole``: ``check`` in that mode, ``strict``, with the change list and witnesses
  (a 5 s budget, as the figures of ``compat_realworld.py --budget 5``).

Per mode it prints each side's median, p95 and total over the pairs neither refuses, and
the median of the per-pair ratios (tree / base). The verdicts must agree: a pair whose
outcome differs between the two is printed, and the exit status is 1 then.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from bench.compat_realworld import DEFAULT, pairs

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 5.0  # as `compat_realworld.py --budget 5`


def _serve(path: Path) -> None:
    """Worker: answer ``{"i", "mode"}`` lines on stdin with timings on stdout."""
    from accord.compat import SchemaError, check
    from bench.compat_realworld import _core

    data = list(pairs(path))
    gc.freeze()  # the corpus is the bench's heap, not the engine's (compat_realworld)
    for line in sys.stdin:
        ask = json.loads(line)
        pair, mode = data[ask["i"]], ask["mode"]
        try:
            core = _core(pair["old"], pair["new"], mode)
            start = time.perf_counter()
            verdict = check(
                pair["old"], pair["new"], mode=mode, content_model="strict", budget_s=BUDGET_S
            )
            whole = (time.perf_counter() - start) * 1000
            answer: dict[str, Any] = {
                "core": core,
                "whole": whole,
                "outcome": next(iter(verdict.verdicts.values())).outcome.value,
            }
        except SchemaError:
            answer = {"outcome": "refused"}
        print(json.dumps(answer), flush=True)


class _Worker:
    def __init__(self, stack: ExitStack, path: Path, src: Path | None) -> None:
        env = dict(os.environ)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        self.proc = stack.enter_context(
            subprocess.Popen(
                [sys.executable, "-m", "bench.compat_ab", "--worker", str(path)],
                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
        )  # fmt: skip
        stack.callback(self.proc.kill)

    def ask(self, i: int, mode: str) -> dict[str, Any]:
        stdin: IO[str] | None = self.proc.stdin
        stdout: IO[str] | None = self.proc.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps({"i": i, "mode": mode}) + "\n")
        stdin.flush()
        answer: dict[str, Any] = json.loads(stdout.readline())
        return answer


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--base", help="the git revision to compare with")
    parser.add_argument("--modes", default="backward,forward")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _serve(args.path)
        return 0
    if not args.base:
        parser.error("--base is required")
    from bench.publish_ab import worktree

    count = sum(1 for _ in pairs(args.path))
    indices = range(min(count, args.limit) if args.limit else count)
    failures = 0
    with ExitStack() as stack:
        base_tree = stack.enter_context(worktree(args.base))
        sides = {
            "base": _Worker(stack, args.path, base_tree / "src"),
            "tree": _Worker(stack, args.path, None),
        }
        for mode in args.modes.split(","):
            best: dict[str, dict[str, list[float]]] = {
                name: {"core": [], "whole": []} for name in sides
            }
            for i in indices:
                runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
                for run in range(args.runs):
                    order = list(sides) if run % 2 == 0 else list(reversed(sides))
                    for name in order:
                        runs[name].append(sides[name].ask(i, mode))
                outcomes = {name: runs[name][0]["outcome"] for name in sides}
                if outcomes["base"] != outcomes["tree"]:
                    failures += 1
                    print(f"  verdicts differ on pair {i}: {outcomes}")
                if "refused" in outcomes.values():
                    continue
                for name in sides:
                    for part in ("core", "whole"):
                        best[name][part].append(min(r[part] for r in runs[name]))
            judged = len(best["base"]["core"])
            print(f"{mode}: {judged} pairs neither side refuses, best of {args.runs} runs each")
            for part in ("core", "whole"):
                for name in sides:
                    values = best[name][part]
                    label = f"base {args.base}" if name == "base" else "working tree"
                    print(
                        f"  {part:5s} {label:24s} median {statistics.median(values):7.3f} ms"
                        f"  p95 {_p95(values):8.2f} ms  total {sum(values) / 1000:7.2f} s"
                    )
                ratios = [
                    t / b for b, t in zip(best["base"][part], best["tree"][part], strict=True)
                ]
                ratio = statistics.median(ratios)
                print(f"  {part:5s} per-pair ratio tree / base (median): {ratio:.3f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
