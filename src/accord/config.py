"""Settings: the only place that reads the environment (prefix ``ACCORD_``)."""

from __future__ import annotations

import ipaddress
import json
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from accord.secret_sources import SECRET_FIELDS, file_sources, raise_problem

# Documented, deliberately public default: usable for trying Accord out, refused in production.
DEFAULT_KEY_PEPPER = "accord-development-pepper-change-me"


def default_data_dir() -> Path:
    """Where the embedded database lives unless ACCORD_DATA_DIR says otherwise: the
    user's data directory (``$XDG_DATA_HOME/accord``, i.e. ``~/.local/share/accord`` on
    Linux), the same whatever folder a command runs from."""
    from platformdirs import user_data_path

    return user_data_path("accord")


class OidcRole(BaseModel):
    """One rule of ``ACCORD_OIDC_ROLES``: people whose groups claim holds ``group`` act in
    ``workspace`` (its slug), for ``team`` (its name; none: every team, as admins do) with
    ``role``. Rules are tried in order; the first that matches wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1)
    workspace: str = Field(min_length=1)
    team: str | None = None
    role: Literal["read", "write", "admin"]


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Every tunable of the service; see `.env.template` for the documented list."""

    model_config = SettingsConfigDict(
        env_prefix="ACCORD_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        # Errors must never echo what was given: several settings are secrets.
        hide_input_in_errors=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then ACCORD_<NAME>_FILE, the environment, `.env`, and last the
        files of ACCORD_SECRETS_DIR (secret_sources.py, docs/secrets.md)."""
        file_vars, secrets_dir = file_sources(settings_cls)
        return init_settings, file_vars, env_settings, dotenv_settings, secrets_dir

    environment: Environment = Environment.development
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the embedded SQLite database lives (default: the user's data "
        "directory, ~/.local/share/accord on Linux); a relative path is made absolute.",
    )
    database_url: str | None = Field(
        default=None,
        # A secret (it may hold a password): kept out of repr; shown only through
        # `database_url_redacted`.
        repr=False,
        description="SQLAlchemy async URL; default: a SQLite file accord.db in data_dir.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = "json"
    key_pepper: SecretStr = Field(
        default=SecretStr(DEFAULT_KEY_PEPPER),
        description="The secret API key hashes and webhook secrets are keyed with; with "
        "ACCORD_KEY_PEPPERS set it is their first (leave it unset or equal).",
    )
    key_peppers: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Peppers during a rotation (docs/runbooks/pepper-rotation.md): comma-"
        "separated or a JSON list; the first issues, every one verifies.",
    )
    secrets_dir: Path | None = Field(
        default=None,
        description="A directory of secret files named like the variables "
        "(ACCORD_KEY_PEPPER, ...), read when the variable is not set (docs/secrets.md).",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_manifest_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest dbt manifest POST /api/v1/imports/dbt accepts (413 above it).",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_connect_timeout_s: float = Field(default=5.0, gt=0, le=60)
    sqlite_busy_timeout_ms: int = Field(
        default=5000,
        ge=100,
        le=600_000,
        description="How long a SQLite writer waits for the write lock before the request "
        "answers 503 database_busy.",
    )
    db_lock_timeout_ms: int = Field(
        default=5000,
        ge=100,
        le=600_000,
        description="PostgreSQL lock_timeout of every session: a request waiting longer for "
        "a row lock answers 503 lock_timeout.",
    )
    db_statement_timeout_ms: int = Field(
        default=30_000,
        ge=1000,
        le=3_600_000,
        description="PostgreSQL statement_timeout of every session (503 statement_timeout).",
    )
    db_retry_after_s: int = Field(
        default=2, ge=1, le=300, description="Retry-After sent with a 503 for database trouble."
    )
    auto_migrate: bool | None = Field(
        default=None,
        description="Apply migrations at start-up; default: on for SQLite, off otherwise.",
    )
    bootstrap_admin_key: SecretStr | None = None
    dev_auth_bypass: bool = Field(
        default=False, description="Development shortcut: refused in production."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    key_last_used_flush_s: float = Field(default=30.0, gt=0)
    read_cache_mb: int = Field(
        default=64,
        ge=0,
        le=65536,
        description="Megabytes of published versions' response bodies each API process keeps "
        "(0: none). They never change, so the cache is never stale.",
    )
    read_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="Seconds each API process answers a published version from memory "
        "without asking the database (0: never). Deleting an asset hides its versions at "
        "once in the process that deleted it, within this many seconds in every other one.",
    )
    auth_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="Seconds a verified key or token is remembered in each process (0: "
        "never). A revocation takes effect at once in the process that made it, and within "
        "this many seconds in every other one.",
    )
    ui_enabled: bool = Field(default=True, description="Serve the web UI under /ui/.")
    ui_session_hours: float = Field(
        default=8.0, gt=0, le=24 * 30, description="A web UI sign-in lasts this long."
    )
    ui_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the UI's cookies Secure (default: when the request came over https).",
    )
    proposal_ttl_days: int = Field(
        default=30, ge=1, le=3650, description="Open proposals expire after this many days."
    )
    webhook_allow_private: bool = Field(
        default=False, description="Allow webhook targets on private/loopback addresses."
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    webhook_retry_horizon_s: float = Field(
        default=86_400.0, gt=0, description="Give up (dead letter) after this long."
    )
    webhook_backoff_base_s: float = Field(default=5.0, gt=0)
    webhook_backoff_max_s: float = Field(default=3_600.0, gt=0)
    worker_batch_size: int = Field(default=100, ge=1, le=1000)
    worker_concurrency: int = Field(default=32, ge=1, le=512)
    worker_poll_interval_s: float = Field(default=0.2, gt=0, le=60)
    worker_lease_s: float = Field(default=60.0, ge=1)
    worker_in_process: bool | None = Field(
        default=None,
        description="Run the delivery worker inside `accord serve`; default: on for SQLite.",
    )
    maintenance_interval_s: float = Field(
        default=60.0, gt=0, description="How often due proposals are expired in-process."
    )
    retention_days: float = Field(
        default=30.0,
        ge=1,
        le=36_500,
        description="Delivered webhook deliveries, their attempts, and events every delivery "
        "of which has ended are purged after this many days (dead letters and the audit log "
        "are kept).",
    )
    import_chunk_size: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Assets a background import commits per transaction: the longest any "
        "other writer waits behind an import.",
    )

    # --- Trust and abuse limits (docs/security.md) ---
    https: bool = Field(
        default=False,
        description="Served over HTTPS (directly or behind a TLS-terminating proxy): send HSTS.",
    )
    docs_enabled: bool | None = Field(
        default=None,
        description="Serve /docs, /redoc and /openapi.json; default: on except in production.",
    )
    unauthenticated_max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="The most of a body read before the caller is authenticated.",
    )
    body_read_timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="A request body must arrive within this time."
    )
    upload_spool_bytes: int = Field(
        default=1024 * 1024,
        ge=0,
        description="Bodies larger than this are spooled to a temporary file while read.",
    )
    max_json_depth: int = Field(
        default=128, ge=8, le=1000, description="Deepest nesting accepted in a JSON body."
    )
    compat_timeout_s: float = Field(
        default=2.0,
        gt=0,
        le=300,
        description="Time budget of one compatibility check; past it the verdict is undecided "
        "(POST /compat/check answers 503).",
    )
    compat_workers: int = Field(
        default=2, ge=1, le=64, description="Worker processes running compatibility checks."
    )
    compat_cache_mb: int = Field(
        default=128,
        ge=0,
        le=65536,
        description="Source size (MB of JSON) of stored versions each engine process keeps "
        "parsed, for transitive checks to reuse (memory: about 4x that per process); 0: none.",
    )
    compat_per_key_concurrency: int = Field(
        default=2, ge=1, le=64, description="Compatibility checks one key may run at once (429)."
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Redis for shared rate limits (redis://host:6379/0)."
    )
    rate_limit_enabled: bool = True
    rate_limit_per_key: str = Field(
        default="1200/minute", description="Requests per API key (limits notation)."
    )
    rate_limit_per_client: str = Field(
        default="2400/minute", description="Requests per client address."
    )
    rate_limit_auth_failures: str = Field(
        default="20/minute",
        description="Failed authentications per client address before every request of it "
        "gets 429.",
    )
    rate_limit_expensive: str = Field(
        default="60/minute",
        description="Per key: compatibility checks, impact analyses and dbt imports.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For names the client.",
    )
    webhook_max_per_team: int = Field(default=25, ge=1, le=10_000)
    webhook_max_per_workspace: int = Field(default=200, ge=1, le=100_000)
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes `accord serve` starts on its port (each with its own "
        "database pool and engine processes; `--workers` overrides).",
    )
    expected_processes: int = Field(
        default=1,
        ge=1,
        le=10_000,
        description="Accord processes connected to the database at once, across all replicas "
        "(API processes + `accord worker`s), for the start-up connection-budget warning "
        "(docs/runbooks/scaling.md).",
    )
    # Observability (docs/observability.md)
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    metrics_dir: Path | None = Field(
        default=None,
        description="A directory every process of one deployment shares (API processes and "
        "workers) for prometheus-client's multiprocess mode; unset: each process reports its own.",
    )
    trace_sample_ratio: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Share of traces recorded when the caller sent no sampling decision "
        "(ParentBased(TraceIdRatio)); a traceparent's decision is followed.",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP traces endpoint (http://collector:4318/v1/traces); "
        "unset: traces are not exported.",
    )
    # Sign-in with the company's OpenID Connect provider (docs/identity.md)
    oidc_issuer: str | None = Field(
        default=None, description="The provider's issuer URL; unset: OIDC is off."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Unset: a public client (PKCE only)."
    )
    oidc_audience: str | None = Field(
        default=None,
        description="The audience API bearer tokens must carry; unset: the client id.",
    )
    oidc_scopes: str = "openid profile email"
    oidc_groups_claim: str = "groups"
    oidc_roles: list[OidcRole] = Field(
        default_factory=list,
        description="JSON list of {group, workspace, team?, role}: how claims map to access.",
    )
    oidc_leeway_s: float = Field(
        default=60.0, ge=0, le=600, description="Clock skew allowed on exp/nbf/iat."
    )
    oidc_jwks_cache_s: float = Field(
        default=600.0,
        ge=1,
        description="How long the provider's keys are trusted before they are fetched again "
        "(an unknown key id fetches them at once, at most every oidc_jwks_min_refresh_s).",
    )
    oidc_jwks_min_refresh_s: float = Field(default=10.0, ge=0)
    oidc_http_timeout_s: float = Field(default=5.0, gt=0, le=60)
    public_url: str | None = Field(
        default=None,
        description="The URL people reach Accord at (https://accord.example.com), for the "
        "OIDC redirect; unset: taken from the request.",
    )

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator(*SECRET_FIELDS, mode="before")
    @classmethod
    def _secret_file_problem(cls, value: object) -> object:
        return raise_problem(value)

    @field_validator("key_peppers", mode="before")
    @classmethod
    def _split_peppers(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ValueError("not a valid JSON list") from None
        return [part.strip() for part in text.split(",")]

    @field_validator("secrets_dir", mode="after")
    @classmethod
    def _existing_secrets_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} does not exist or is not a directory")
        return value

    @model_validator(mode="after")
    def _coherent_peppers(self) -> Settings:
        """ACCORD_KEY_PEPPERS, when set, is the list; ACCORD_KEY_PEPPER then means its
        first (and is made so), so code that reads `key_pepper` keeps issuing right."""
        if not self.key_peppers:
            return self
        values = [p.get_secret_value() for p in self.key_peppers]
        problems: list[str] = []
        if any(not v.strip() for v in values):
            problems.append("ACCORD_KEY_PEPPERS has an empty entry")
        if len(set(values)) != len(values):
            problems.append("ACCORD_KEY_PEPPERS lists the same pepper twice")
        if (
            "key_pepper" in self.model_fields_set
            and self.key_pepper.get_secret_value() != values[0]
        ):
            problems.append(
                "ACCORD_KEY_PEPPER differs from the first of ACCORD_KEY_PEPPERS; "
                "unset ACCORD_KEY_PEPPER (the list replaces it)"
            )
        if problems:
            raise ValueError("invalid peppers: " + "; ".join(problems))
        self.key_pepper = self.key_peppers[0]
        return self

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @model_validator(mode="after")
    def _coherent_oidc(self) -> Settings:
        if self.oidc_issuer is None:
            return self
        if not self.oidc_issuer.startswith(("https://", "http://")):
            raise ValueError("ACCORD_OIDC_ISSUER must be the provider's https:// URL")
        if self.environment is Environment.production and self.oidc_issuer.startswith("http:"):
            raise ValueError("ACCORD_OIDC_ISSUER must use https:// in production")
        if self.oidc_client_id is None:
            raise ValueError("ACCORD_OIDC_ISSUER needs ACCORD_OIDC_CLIENT_ID too")
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_bind(self) -> Settings:
        problems = bind_problems(self, self.host)
        if problems:
            raise ValueError("unsafe settings: " + "; ".join(problems))
        return self

    @model_validator(mode="after")
    def _coherent_worker(self) -> Settings:
        """Settings that only make sense together (issue 15): refused at start-up, with
        the fix, rather than failing on the first retry or re-sending a batch twice."""
        problems: list[str] = []
        if self.webhook_backoff_base_s > self.webhook_backoff_max_s:
            problems.append(
                "ACCORD_WEBHOOK_BACKOFF_BASE_S must not exceed ACCORD_WEBHOOK_BACKOFF_MAX_S"
            )
        if self.webhook_backoff_max_s > self.webhook_retry_horizon_s:
            problems.append(
                "ACCORD_WEBHOOK_BACKOFF_MAX_S must not exceed ACCORD_WEBHOOK_RETRY_HORIZON_S"
            )
        elif self.webhook_retry_horizon_s / self.webhook_backoff_max_s > 100_000:
            problems.append(
                "ACCORD_WEBHOOK_RETRY_HORIZON_S / ACCORD_WEBHOOK_BACKOFF_MAX_S allows more "
                "than 100,000 attempts per delivery; raise the backoff maximum"
            )
        worst = self.worker_worst_case_batch_s
        if self.worker_lease_s < worst:
            problems.append(
                f"ACCORD_WORKER_LEASE_S={self.worker_lease_s:g} is shorter than the worst-case "
                f"batch ({worst:g} s = ceil(ACCORD_WORKER_BATCH_SIZE / "
                "ACCORD_WORKER_CONCURRENCY) x ACCORD_WEBHOOK_TIMEOUT_S); raise the lease or "
                "lower the batch size or the timeout"
            )
        if problems:
            raise ValueError("incoherent settings: " + "; ".join(problems))
        return self

    @property
    def worker_worst_case_batch_s(self) -> float:
        """The longest one batch can take: its deliveries run `worker_concurrency` at a
        time and each has a hard deadline of `webhook_timeout_s` (DNS, redirects included)."""
        rounds = -(-self.worker_batch_size // self.worker_concurrency)
        return rounds * self.webhook_timeout_s

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment is not Environment.production:
            return self
        problems: list[str] = []
        for name, pepper in self.named_peppers:
            if pepper == DEFAULT_KEY_PEPPER:
                problems.append(f"{name} is the public default; set a secret of 32+ chars")
            elif len(pepper) < 32:
                problems.append(f"{name} must be at least 32 characters in production")
        if self.dev_auth_bypass:
            problems.append("ACCORD_DEV_AUTH_BYPASS must be false in production")
        if "*" in self.cors_origins and self.cors_allow_credentials:
            problems.append("wildcard ACCORD_CORS_ORIGINS cannot be combined with credentials")
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    @property
    def all_peppers(self) -> tuple[str, ...]:
        """Every configured pepper, the issuing one first: each verifies keys and signs
        for the webhooks whose secret was derived under it (ADR 0035)."""
        if self.key_peppers:
            return tuple(p.get_secret_value() for p in self.key_peppers)
        return (self.key_pepper.get_secret_value(),)

    @property
    def issuing_pepper(self) -> str:
        """The pepper new keys, webhook secrets and sessions are made under."""
        return self.all_peppers[0]

    @property
    def named_peppers(self) -> list[tuple[str, str]]:
        """``(how an operator names it, pepper)``, for messages that must not show it."""
        if not self.key_peppers:
            return [("ACCORD_KEY_PEPPER", self.key_pepper.get_secret_value())]
        return [(f"ACCORD_KEY_PEPPERS[{i}]", p) for i, p in enumerate(self.all_peppers)]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'accord.db').as_posix()}"

    @property
    def database_url_redacted(self) -> str:
        """The database URL as it may be printed or logged: password masked."""
        return redact_url(self.resolved_database_url)

    @property
    def docs_served(self) -> bool:
        """/docs, /redoc and /openapi.json: on unless turned off, or in production."""
        if self.docs_enabled is not None:
            return self.docs_enabled
        return self.environment is not Environment.production

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def should_run_worker_in_process(self) -> bool:
        return self.is_sqlite if self.worker_in_process is None else self.worker_in_process

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate


def redact_url(url: str) -> str:
    """``url`` with its password masked (``***``); a string that is not a URL at all is
    not shown, since it could be anything, a password included."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<a database URL that does not parse>"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (and the name `localhost`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere


def bind_problems(settings: Settings, host: str) -> list[str]:
    """What makes serving on ``host`` unsafe whatever the environment: the public
    default pepper (anyone could forge key hashes offline) or the auth bypass, reachable
    from other machines."""
    if is_loopback(host):
        return []
    problems = []
    for name, pepper in settings.named_peppers:
        if pepper == DEFAULT_KEY_PEPPER:
            problems.append(
                f"{name} is the public default, refused when binding to {host} "
                "(not loopback); set a secret of 32+ random characters"
            )
    if settings.dev_auth_bypass:
        problems.append(f"ACCORD_DEV_AUTH_BYPASS is refused when binding to {host}")
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
