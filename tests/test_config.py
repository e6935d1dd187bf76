from __future__ import annotations

import pytest
from pydantic import ValidationError

from accord.config import DEFAULT_KEY_PEPPER, Environment, Settings

STRONG = "p" * 40


def test_defaults_are_the_embedded_sqlite() -> None:
    s = Settings(_env_file=None)
    assert s.host == "127.0.0.1"
    assert s.port == 8080
    assert s.max_body_bytes == 1024 * 1024
    assert s.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert s.resolved_database_url.endswith("accord.db")
    assert s.should_auto_migrate is True


def test_postgres_does_not_auto_migrate_by_default() -> None:
    s = Settings(database_url="postgresql+asyncpg://u@h/db")
    assert s.should_auto_migrate is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "ACCORD_KEY_PEPPER is the public default"),
        ({"key_pepper": "short"}, "at least 32 characters"),
        ({"key_pepper": STRONG, "dev_auth_bypass": True}, "ACCORD_DEV_AUTH_BYPASS"),
        (
            {"key_pepper": STRONG, "cors_origins": "*", "cors_allow_credentials": True},
            "wildcard ACCORD_CORS_ORIGINS",
        ),
    ],
)
def test_production_refuses_unsafe_values(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(environment=Environment.production, **overrides)  # type: ignore[arg-type]


def test_production_accepts_safe_values() -> None:
    s = Settings(environment=Environment.production, key_pepper=STRONG)  # type: ignore[arg-type]
    assert s.key_pepper.get_secret_value() != DEFAULT_KEY_PEPPER


def test_cors_origins_split_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_env_template_documents_every_setting() -> None:
    from pathlib import Path

    template = (Path(__file__).resolve().parent.parent / ".env.template").read_text()
    named = {line.split("=", 1)[0] for line in template.splitlines() if line.startswith("ACCORD_")}
    wanted = {f"ACCORD_{name.upper()}" for name in Settings.model_fields}
    assert wanted - named == set(), "settings missing from .env.template"
    assert named - wanted == set(), ".env.template names settings that do not exist"


def test_backoff_settings_that_overflowed_on_the_first_retry_now_work() -> None:
    """Issue 15: base 1 s, max 8 s and the one-day horizon raised OverflowError in
    `Backoff.max_attempts` on the worker's first retry (and the worker exited 0)."""
    from accord.worker.retry import Backoff

    s = Settings(webhook_backoff_base_s=1, webhook_backoff_max_s=8)
    backoff = Backoff(s.webhook_backoff_base_s, s.webhook_backoff_max_s, s.webhook_retry_horizon_s)
    assert backoff.max_attempts == 10_803  # 1+2+4 s, then 8 s steps for the rest of a day
    assert backoff.delay(10_000) <= 8 * 1.2


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"webhook_backoff_base_s": 10, "webhook_backoff_max_s": 5}, "BACKOFF_BASE_S"),
        ({"webhook_backoff_max_s": 7200, "webhook_retry_horizon_s": 3600}, "BACKOFF_MAX_S"),
        ({"webhook_backoff_base_s": 0.001, "webhook_backoff_max_s": 0.01}, "100,000 attempts"),
        ({"worker_lease_s": 30}, "worst-case batch (40 s"),
        ({"worker_batch_size": 1000, "worker_concurrency": 10}, "worst-case batch (1000 s"),
    ],
)
def test_worker_settings_are_validated_together(overrides: dict[str, float], fragment: str) -> None:
    """Issue 15: a lease shorter than the worst-case batch let a second worker re-send a
    batch still in flight; incoherent backoff settings failed only at the first retry."""
    with pytest.raises(ValueError, match="incoherent settings") as caught:
        Settings(**overrides)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_a_zero_busy_timeout_is_refused() -> None:
    """Issue 15: 0 made every SQLite writer fail at once on any lock."""
    with pytest.raises(ValueError, match="sqlite_busy_timeout_ms"):
        Settings(sqlite_busy_timeout_ms=0)
