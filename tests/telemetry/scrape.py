"""Reading a Prometheus text scrape back into samples, for assertions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

# Every series family the issue names (docs/metrics.md), and a label it must carry.
FAMILIES = {
    "accord_http_requests_total": "route",
    "accord_http_request_duration_seconds_bucket": "route",
    "accord_db_pool_connections_in_use": "role",
    "accord_db_pool_waiting_requests": "role",
    "accord_db_pool_max_connections": "role",
    "accord_outbox_backlog_deliveries": "status",
    "accord_outbox_oldest_due_age_seconds": "",
    "accord_webhook_deliveries_total": "outcome",
    "accord_webhook_dead_letters": "",
    "accord_worker_heartbeat_timestamp_seconds": "",
    "accord_worker_heartbeat_age_seconds": "",
    "accord_proposals_open": "status",
    "accord_compat_check_duration_seconds_bucket": "operation",
    "accord_data_check_duration_seconds_bucket": "status",
    "accord_rate_limit_rejections_total": "bucket",
    "accord_metrics_database_up": "",
    "accord_metrics_database_snapshot_age_seconds": "",
}


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


class Scrape:
    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = [
            Sample(s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.samples}

    def find(self, name: str, **labels: str) -> list[Sample]:
        return [
            s
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sum over the matching samples (0 when none match)."""
        return sum(s.value for s in self.find(name, **labels))

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.find(name) if label in s.labels}


def missing(scrape: Scrape, families: Iterable[str] = FAMILIES) -> list[str]:
    """The families (of FAMILIES) the scrape lacks, or has without their label."""
    out = []
    for name in families:
        label = FAMILIES.get(name, "")
        found = scrape.find(name)
        if not found or (label and not any(label in s.labels for s in found)):
            out.append(name)
    return out


ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "accord-dashboard.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
SERIES = re.compile(r"\baccord_[a-z0-9_]+")


def queried_series() -> dict[str, set[str]]:
    """Every accord_* series the dashboard's and the alert rules' PromQL names, by file."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    alerts = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    return {
        DASHBOARD.name: {m for e in exprs for m in SERIES.findall(e)},
        ALERTS.name: {m for e in alerts for m in SERIES.findall(e)},
    }
