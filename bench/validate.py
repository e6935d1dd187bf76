"""`accord validate` against datacontract-cli 1.2.8 and one hand-written DuckDB query.

    .venv/bin/python -m bench.validate [--rows 1000000 10000000] [--dir /tmp/accord-bench]
        [--runs 3] [--datacontract /tmp/dc-venv/bin/datacontract] [--formats parquet shuffled csv]

Generates the orders data of shared/bench/datacontract-recipe.md (deterministic; kept in
--dir between runs), plus the same Parquet rows in random order ("shuffled": keys not stored
in key order), writes the recipe's ODCS contract for each size, then times each tool as
a fresh process (wall time, CPU time and peak RSS from wait4), --runs rounds in which each
tool runs once, in turn, so that drifting machine load hits every tool alike; medians are
printed. The tools: `accord validate`,
`datacontract test` (found via --datacontract or $DATACONTRACT_BIN; "not installed" when
absent) and the recipe's single DuckDB query in a fresh Python. Issue 7 targets, Parquet:
Accord within 1.5x of the hand-written query and at least 5x faster than datacontract-cli.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import accord

ACCORD = str(Path(sys.executable).parent / "accord")

GENERATE = """
import duckdb, sys
n, out = int(sys.argv[1]), sys.argv[2]
con = duckdb.connect()
con.execute('SET enable_progress_bar = false')
con.execute(f'''CREATE TABLE orders AS SELECT
  'ORD-' || lpad(CAST(i AS VARCHAR), 8, '0')                              AS order_id,
  'CUST-' || CAST((hash(i) % 50000) AS VARCHAR)                           AS customer_id,
  CAST(hash(i * 7) % 100000 AS BIGINT)                                    AS order_total,
  (['pending','shipped','delivered'])[1 + CAST(hash(i * 13) % 3 AS INTEGER)] AS order_status,
  'user' || CAST(hash(i) % 50000 AS VARCHAR) || '@example.com'            AS customer_email,
  TIMESTAMP '2026-01-01 00:00:00' + to_seconds(CAST(i AS BIGINT) * 10)    AS order_timestamp
FROM range(1, {n} + 1) t(i)''')
con.execute(f"COPY orders TO '{out}.csv' (HEADER, DELIMITER ',')")
con.execute(f"COPY orders TO '{out}.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)")
con.execute(f"COPY (SELECT * FROM orders ORDER BY hash(order_id)) "
            f"TO '{out}.shuffled.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)")
"""

HAND = """
import duckdb, sys, time
src = sys.argv[1]
rel = f"read_parquet('{src}')" if src.endswith('.parquet') else f"read_csv('{src}', header=true)"
con = duckdb.connect()
t = time.perf_counter()
row = con.execute(f'''SELECT count(*) AS row_count,
  count(*) FILTER (WHERE order_id IS NULL)                                   AS order_id_nulls,
  count(*) - count(DISTINCT order_id)                                        AS order_id_dupes,
  count(*) FILTER (WHERE NOT regexp_full_match(order_id, '^ORD-[0-9]{{8}}$'))  AS order_id_bad,
  count(*) FILTER (WHERE customer_id IS NULL)                                AS customer_id_nulls,
  count(*) FILTER (WHERE order_total IS NULL)                                AS order_total_nulls,
  count(*) FILTER (WHERE order_total < 0 OR order_total > 1000000)           AS order_total_range,
  count(*) FILTER (WHERE order_status IS NULL)                               AS order_status_nulls,
  count(*) FILTER (WHERE order_status NOT IN ('pending','shipped','delivered')) AS status_bad,
  count(*) FILTER (WHERE length(customer_email) > 255)                       AS email_too_long,
  count(*) FILTER (WHERE NOT regexp_matches(customer_email, '^[^@]+@[^@]+$')) AS email_bad,
  count(*) FILTER (WHERE order_timestamp IS NULL)                            AS ts_nulls,
  min(order_timestamp) AS ts_min, max(order_timestamp) AS ts_max
FROM {rel}''').fetchone()
print(row, f"{time.perf_counter() - t:.3f}s")
"""

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: orders
name: Orders
version: 1.0.0
status: active
description:
  purpose: Benchmark contract for synthetic orders.
servers:
  - server: local_csv
    type: local
    format: csv
    path: {base}.csv
  - server: local_parquet
    type: local
    format: parquet
    path: {base}.parquet
  - server: local_shuffled
    type: local
    format: parquet
    path: {base}.shuffled.parquet
schema:
  - name: orders
    physicalType: table
    quality:
      - id: orders_row_count
        type: library
        metric: rowCount
        mustBeBetween: [{low}, {high}]
      - id: orders_no_negative_totals
        type: sql
        query: SELECT COUNT(*) FROM orders WHERE order_total < 0
        mustBe: 0
    properties:
      - name: order_id
        logicalType: string
        primaryKey: true
        logicalTypeOptions:
          pattern: '^ORD-[0-9]{{8}}$'
      - name: customer_id
        logicalType: string
        required: true
      - name: order_total
        logicalType: number
        physicalType: bigint
        required: true
        logicalTypeOptions:
          minimum: 0
          maximum: 1000000
      - name: order_status
        logicalType: string
        required: true
        quality:
          - id: order_status_allowed
            type: library
            metric: invalidValues
            arguments:
              validValues: [pending, shipped, delivered]
            mustBe: 0
      - name: customer_email
        logicalType: string
        logicalTypeOptions:
          maxLength: 255
          pattern: '^[^@]+@[^@]+$'
      - name: order_timestamp
        logicalType: timestamp
        required: true
slaProperties:
  - property: freshness
    value: 3650
    unit: d
    element: orders.order_timestamp
"""


# --formats: the recipe's Parquet and CSV files, and the Parquet rows in random order (the
# order_id keys are then not stored in key order: Accord hashes them, as the hand query does).
SUFFIXES = {"parquet": "parquet", "csv": "csv", "shuffled": "shuffled.parquet"}
SERVERS = {"parquet": "local_parquet", "csv": "local_csv", "shuffled": "local_shuffled"}


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MiB) and exit code of one fresh
    process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def prepare(rows: int, folder: Path) -> Path:
    base = folder / f"orders_{rows}"
    files = [Path(f"{base}.{suffix}") for suffix in SUFFIXES.values()]
    if not all(f.exists() for f in files):
        print(f"generating {rows:,} rows in {folder} ...", flush=True)
        subprocess.run([sys.executable, "-c", GENERATE, str(rows), str(base)], check=True)
    contract = folder / f"orders_{rows}.odcs.yaml"
    low, high = rows - rows // 1000, rows + rows // 1000
    contract.write_text(CONTRACT.format(base=base, low=low, high=high), encoding="utf-8")
    return base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--formats", nargs="+", choices=list(SUFFIXES), default=["parquet", "shuffled", "csv"]
    )
    parser.add_argument("--dir", type=Path, default=Path("/tmp/accord-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--datacontract",
        default=os.environ.get("DATACONTRACT_BIN")
        or shutil.which("datacontract")
        or "/tmp/dc-venv/bin/datacontract",
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    have_dc = Path(args.datacontract).exists()
    # An editable install has no bytecode for Accord's own modules (and PYTHONDONTWRITEBYTECODE
    # may forbid writing it), so each run would compile them from source; pip writes it for
    # a normal install, as the recipe's compileall does for datacontract-cli.
    compileall.compile_dir(str(Path(accord.__file__).parent), quiet=1)
    head = f"{'rows':>11} {'format':<8} {'tool':<16} {'wall s':>7} {'min s':>6} {'CPU s':>6}"
    print(f"{head} {'RSS MiB':>7} {'exit':>4} {'vs hand':>8} {'dc/tool':>8}")
    for rows in args.rows:
        base = prepare(rows, args.dir)
        contract = str(args.dir / f"orders_{rows}.odcs.yaml")
        for fmt in args.formats:
            data = f"{base}.{SUFFIXES[fmt]}"
            tools = {
                "hand DuckDB": [sys.executable, "-c", HAND, data],
                "accord validate": [ACCORD, "validate", data, "--contract", contract, "--json"],
                "datacontract": [args.datacontract, "test", contract, "--server", SERVERS[fmt]],
            }
            if not have_dc:
                del tools["datacontract"]
            runs: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in tools}
            for round_ in range(args.runs):
                names = list(tools)
                names = names[round_ % len(names) :] + names[: round_ % len(names)]
                for name in names:
                    runs[name].append(measure(tools[name], args.dir))
            wall = {name: statistics.median(r[0] for r in done) for name, done in runs.items()}
            for name, done in runs.items():
                cpu = statistics.median(r[1] for r in done)
                vs_dc = f"{wall['datacontract'] / wall[name]:>7.1f}x" if have_dc else ""
                print(
                    f"{rows:>11,} {fmt:<8} {name:<16} {wall[name]:>7.2f} "
                    f"{min(r[0] for r in done):>6.2f} {cpu:>6.2f} "
                    f"{max(r[2] for r in done):>7.0f} {done[-1][3]:>4} "
                    f"{wall[name] / wall['hand DuckDB']:>7.2f}x {vs_dc}",
                    flush=True,
                )
            if not have_dc:
                print(
                    f"{rows:>11,} {fmt:<8} {'datacontract':<16} not installed ({args.datacontract})"
                )


if __name__ == "__main__":
    main()
