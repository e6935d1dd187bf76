"""Prometheus counters of the limiter (default registry; exposed by /metrics later)."""

from __future__ import annotations

from prometheus_client import Counter

BACKEND_ERRORS = Counter(
    "accord_rate_limit_backend_errors_total",
    "Rate-limit storage calls that failed; the limiter let those requests through.",
)
REJECTIONS = Counter(
    "accord_rate_limit_rejections_total",
    "Requests refused with 429, by the bucket that refused them.",
    ["bucket"],
)
