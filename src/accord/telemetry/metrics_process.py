"""prometheus-client's multiprocess mode, switched on from ``ACCORD_METRICS_DIR``.

Several processes serve one deployment (API processes behind a balancer, `accord
worker`s); a scrape reaches one of them but must see everyone's counts. In multiprocess
mode each process writes its values to memory-mapped files (one per process and metric
type) in a shared directory and any process's scrape merges them all.

prometheus-client chooses where values live when its ``values`` module is imported: from
``PROMETHEUS_MULTIPROC_DIR`` in the environment. Accord reads its environment only in
``Settings``, and by then the server modules (and their metrics) are imported. So
`activate` applies the setting itself: it sets the variable (the library's collector,
`mark_process_dead` and each value's file name read it), makes every value created from
now on a file-backed one (``values.ValueClass``, looked up at each value's creation), and
rebuilds the value of any unlabelled metric that was created before (labelled metrics
create their values at their first ``labels()`` call, after this). ADR 0033.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, values
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

ENV = "PROMETHEUS_MULTIPROC_DIR"


def active_dir() -> Path | None:
    """The shared directory, when this process runs in multiprocess mode."""
    if getattr(values.ValueClass, "_multiprocess", False) and os.environ.get(ENV):
        return Path(os.environ[ENV])
    return None


def activate(directory: Path) -> None:
    """Write this process's metrics to ``directory`` from now on (idempotent)."""
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[ENV] = str(directory)
    if getattr(values.ValueClass, "_multiprocess", False):
        return
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    for metric in _unlabelled(_registered()):
        # Its value was made in memory at construction; make it again, file-backed.
        metric._metric_init()  # type: ignore[no-untyped-call]


def _registered() -> Iterable[Collector]:
    # The registry has no public listing of its collectors.
    return list(getattr(REGISTRY, "_collector_to_names", {}))


def _unlabelled(collectors: Iterable[Collector]) -> Iterable[MetricWrapperBase]:
    for collector in collectors:
        if isinstance(collector, MetricWrapperBase) and not collector._labelnames:
            yield collector


def process_exited(pid: int | None = None) -> None:
    """Drop the live gauges of a process that is ending (their ``live*`` files)."""
    directory = active_dir()
    if directory is not None:
        mark_process_dead(pid if pid is not None else os.getpid(), str(directory))  # type: ignore[no-untyped-call]


class _Default(Collector):
    """This process's own metrics (the default registry), inside another registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition_registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """What a scrape renders: every process's metrics merged from the shared directory
    (multiprocess mode) or this process's own, plus the scrape-time ``extra`` collectors."""
    registry = CollectorRegistry(auto_describe=False)
    directory = active_dir()
    if directory is not None:
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    else:
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return registry
