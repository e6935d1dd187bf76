"""Prometheus counters of the limiter (served at /metrics: accord.telemetry.metrics).

`accord.telemetry.metrics_process.activate` rebuilds the unlabelled counter's value when
multiprocess mode is switched on after this module was imported."""

from __future__ import annotations

from prometheus_client import Counter

BUCKETS = ("client", "key", "expensive", "auth")  # the policies' names (ratelimit.policy)

BACKEND_ERRORS = Counter(
    "accord_rate_limit_backend_errors_total",
    "Rate-limit storage calls that failed; the limiter let those requests through.",
)
REJECTIONS = Counter(
    "accord_rate_limit_rejections_total",
    "Requests refused with 429, by the bucket that refused them.",
    ["bucket"],
)


def prime() -> None:
    """Every bucket's series at 0, so a rate over it exists before the first 429."""
    for bucket in BUCKETS:
        REJECTIONS.labels(bucket)
