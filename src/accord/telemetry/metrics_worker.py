"""The delivery worker's series: deliveries by outcome and its heartbeat.

The heartbeat is a wall-clock timestamp, so every process (and Prometheus) can age it; in
multiprocess mode the gauge keeps the most recent beat of any worker (``max``), and a worker
that stopped keeps its last one, so its age grows and "worker down" fires. The age itself
is computed at scrape time (`HeartbeatAge`).
"""

from __future__ import annotations

import glob
import time
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from accord.telemetry.metrics_process import active_dir

OUTCOMES = ("delivered", "retried", "dead", "stale")

DELIVERIES = Counter(
    "accord_webhook_deliveries_total",
    "Delivery attempts the worker recorded, by outcome: delivered, retried (to be tried "
    "again), dead (given up: a dead letter), stale (lease lost; the new owner's result won).",
    ["outcome"],
)
HEARTBEAT_NAME = "accord_worker_heartbeat_timestamp_seconds"
HEARTBEAT = Gauge(
    HEARTBEAT_NAME,
    "Unix time a delivery worker's loop last came round (the latest of every worker).",
    multiprocess_mode="max",
)
HEARTBEAT_AGE = "accord_worker_heartbeat_age_seconds"


def prime() -> None:
    """Create every outcome's series at 0, so rates and alerts see them before the first."""
    for outcome in OUTCOMES:
        DELIVERIES.labels(outcome)


def recorded(outcome: str) -> None:
    DELIVERIES.labels(outcome).inc()


def beat() -> None:
    HEARTBEAT.set(time.time())


def _latest_beat(directory: Path | None) -> float:
    if directory is None:
        samples = (s for family in HEARTBEAT.collect() for s in family.samples)
    else:  # only the max-mode gauge files: a fraction of the directory
        files = glob.glob(str(directory / "gauge_max_*.db"))
        families = MultiProcessCollector.merge(files, accumulate=False)  # type: ignore[no-untyped-call]
        samples = (s for family in families for s in family.samples)
    return max((s.value for s in samples if s.name == HEARTBEAT_NAME), default=0.0)


class HeartbeatAge(Collector):
    """Seconds since any worker's loop last came round; absent when none ever did."""

    def collect(self) -> Iterable[Metric]:
        latest = _latest_beat(active_dir())
        if latest <= 0:
            return []
        family = GaugeMetricFamily(
            HEARTBEAT_AGE, "Seconds since a delivery worker's loop last came round."
        )
        family.add_metric([], max(0.0, time.time() - latest))
        return [family]
