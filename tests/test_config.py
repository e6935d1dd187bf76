from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from accord.config import DEFAULT_KEY_PEPPER, Environment, Settings, redact_url

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


# --- issue 19 part 4: secrets from files, several peppers, the database URL a secret ----

OTHER = "q" * 40


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ACCORD_ variable of the caller's shell leaks into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("ACCORD_"):
            monkeypatch.delenv(name)
    return monkeypatch


def _error(**kwargs: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_secret_from_a_file_without_its_trailing_newline(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pepper").write_text(STRONG + "\n")
    (tmp_path / "url").write_text("postgresql+asyncpg://u:pw@h/db\r\n")
    clean_env.setenv("ACCORD_KEY_PEPPER_FILE", str(tmp_path / "pepper"))
    clean_env.setenv("ACCORD_DATABASE_URL_FILE", str(tmp_path / "url"))
    s = Settings(_env_file=None)
    assert s.key_pepper.get_secret_value() == STRONG
    assert s.database_url == "postgresql+asyncpg://u:pw@h/db"


def test_every_secret_setting_has_a_file_form(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    values = {
        "ACCORD_KEY_PEPPERS": f"{STRONG},{OTHER}",
        "ACCORD_BOOTSTRAP_ADMIN_KEY": "acd_notchecked",
        "ACCORD_REDIS_URL": "redis://:pw@h:6379/0",
        "ACCORD_OIDC_CLIENT_SECRET": "client-secret",
    }
    for name, value in values.items():
        (tmp_path / name).write_text(value)
        clean_env.setenv(f"{name}_FILE", str(tmp_path / name))
    s = Settings(_env_file=None)
    assert s.all_peppers == (STRONG, OTHER)
    assert s.bootstrap_admin_key is not None
    assert s.bootstrap_admin_key.get_secret_value() == "acd_notchecked"
    assert s.redis_url is not None
    assert s.redis_url.get_secret_value() == "redis://:pw@h:6379/0"
    assert s.oidc_client_secret is not None
    assert s.oidc_client_secret.get_secret_value() == "client-secret"


def test_a_variable_and_its_file_together_are_refused(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pepper").write_text(STRONG)
    clean_env.setenv("ACCORD_KEY_PEPPER", OTHER)
    clean_env.setenv("ACCORD_KEY_PEPPER_FILE", str(tmp_path / "pepper"))
    message = _error()
    assert "ACCORD_KEY_PEPPER and ACCORD_KEY_PEPPER_FILE are both set" in message
    assert STRONG not in message
    assert OTHER not in message


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: p, "is a directory, not a file"),
        (lambda p: (p / "empty").write_text("\n") and p / "empty", "is empty"),
        (lambda p: (p / "bin").write_bytes(b"\xff\xfe") and p / "bin", "is not UTF-8 text"),
    ],
)
def test_an_unreadable_secret_file_names_the_variable_and_path(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, make: Callable[[Path], Path], says: str
) -> None:
    path = make(tmp_path)
    clean_env.setenv("ACCORD_REDIS_URL_FILE", str(path))
    message = _error()
    assert f"ACCORD_REDIS_URL_FILE: {'file ' if path != tmp_path else ''}{path}" in message
    assert says in message


def test_secrets_dir_fills_what_nothing_else_sets(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "ACCORD_KEY_PEPPER").write_text(STRONG + "\n")
    (tmp_path / "ACCORD_OIDC_CLIENT_SECRET").write_text("from-dir")
    (tmp_path / "ACCORD_PORT").write_text("1")  # not a secret: never read from the dir
    clean_env.setenv("ACCORD_SECRETS_DIR", str(tmp_path))
    clean_env.setenv("ACCORD_OIDC_CLIENT_SECRET", "from-env")
    s = Settings(_env_file=None)
    assert s.key_pepper.get_secret_value() == STRONG
    assert s.oidc_client_secret is not None
    assert s.oidc_client_secret.get_secret_value() == "from-env"  # the variable wins
    assert s.port == 8080


def test_secrets_dir_that_is_missing_is_refused(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("ACCORD_SECRETS_DIR", str(tmp_path / "nope"))
    assert "does not exist or is not a directory" in _error()


@pytest.mark.parametrize("raw", [f"{STRONG}, {OTHER}", f'["{STRONG}", "{OTHER}"]'])
def test_peppers_list_from_env_first_issues(clean_env: pytest.MonkeyPatch, raw: str) -> None:
    clean_env.setenv("ACCORD_KEY_PEPPERS", raw)
    s = Settings(_env_file=None)
    assert s.all_peppers == (STRONG, OTHER)
    assert s.issuing_pepper == STRONG
    assert s.key_pepper.get_secret_value() == STRONG  # code reading key_pepper issues right


def test_single_pepper_is_the_list_of_one() -> None:
    s = Settings(_env_file=None, key_pepper=STRONG)  # type: ignore[arg-type]
    assert (s.all_peppers, s.issuing_pepper) == ((STRONG,), STRONG)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"key_peppers": [STRONG, STRONG]}, "the same pepper twice"),
        ({"key_peppers": [STRONG, " "]}, "an empty entry"),
        ({"key_peppers": "[not json"}, "not a valid JSON list"),
        (
            {"key_peppers": [STRONG, OTHER], "key_pepper": OTHER},
            "ACCORD_KEY_PEPPER differs from the first of ACCORD_KEY_PEPPERS",
        ),
    ],
)
def test_incoherent_peppers_are_refused(kwargs: dict[str, object], says: str) -> None:
    message = _error(**kwargs)
    assert says in message
    assert STRONG not in message
    assert OTHER not in message


@pytest.mark.parametrize(
    ("peppers", "says"),
    [
        ([STRONG, DEFAULT_KEY_PEPPER], "ACCORD_KEY_PEPPERS[1] is the public default"),
        (["short", STRONG], "ACCORD_KEY_PEPPERS[0] must be at least 32 characters"),
    ],
)
def test_production_checks_every_pepper(peppers: list[str], says: str) -> None:
    assert says in _error(environment=Environment.production, key_peppers=peppers)


def test_database_url_is_never_shown_whole() -> None:
    url = "postgresql+asyncpg://accord:s3cr3t@db.internal:5432/accord"
    s = Settings(_env_file=None, database_url=url)
    assert "s3cr3t" not in repr(s)
    assert "s3cr3t" not in str(s)
    assert s.database_url_redacted == "postgresql+asyncpg://accord:***@db.internal:5432/accord"
    assert redact_url("not a url s3cr3t") == "<a database URL that does not parse>"
    assert (
        redact_url("sqlite+aiosqlite:////data/accord.db") == "sqlite+aiosqlite:////data/accord.db"
    )
