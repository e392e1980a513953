"""Every setting of AutoCoach, read once from the environment (and a `.env` file).

`.env.example` documents each of them. Nothing else in the app reads
`os.environ` for configuration: it asks `get_settings()`.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

# The project root: where rxconfig.py, alembic.ini and data/ live.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value the app cannot work with (message in English for operators)."""


def _env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = _env_str(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = _env_str(name).lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _resolve_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def normalize_database_url(raw: str, data_dir: Path) -> str:
    """Accept the URLs people write and return one SQLAlchemy understands.

    `postgresql://` and `postgres://` get the psycopg 3 driver (the one we ship);
    a relative SQLite path is made absolute against the project root so the app,
    alembic and the CLI all open the same file whatever their working directory.
    """
    url = raw or f"sqlite:///{data_dir / 'autocoach.db'}"
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SettingsError(f"DATABASE_URL is not a URL: {raw!r}")
    if scheme in {"postgres", "postgresql"}:
        return f"postgresql+psycopg://{rest}"
    if scheme.startswith("postgresql+"):
        return url
    if scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        if path in {"", ":memory:"}:
            raise SettingsError("DATABASE_URL must name a SQLite file, not an in-memory database")
        if not path.startswith("/"):
            path = str(PROJECT_ROOT / path)
        return f"sqlite:///{path}"
    raise SettingsError(f"DATABASE_URL must be sqlite:/// or postgresql://, got scheme {scheme!r}")


def _price_overrides(raw: str) -> dict:
    """PRICE_OVERRIDES is a JSON object of the reference data's OVERRIDE_KEYS;
    checked now so a typo stops the app at start rather than every analysis."""
    if not raw:
        return {}
    import json

    from autocoach.data import load_reference

    try:
        overrides = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"PRICE_OVERRIDES must be a JSON object: {exc}") from exc
    if not isinstance(overrides, dict):
        raise SettingsError("PRICE_OVERRIDES must be a JSON object")
    try:
        load_reference(overrides)
    except ValueError as exc:
        raise SettingsError(f"PRICE_OVERRIDES: {exc}") from exc
    return overrides


JOB_BROKERS = ("auto", "sqlite", "redis", "postgresql")


def _job_broker(raw: str) -> str:
    if raw not in JOB_BROKERS:
        raise SettingsError(f"JOB_BROKER must be one of {', '.join(JOB_BROKERS)}, got {raw!r}")
    return raw


def _redis_url(raw: str) -> str | None:
    """redis://, rediss:// (TLS) or unix://, with an optional password
    (`rediss://:password@host:6380/0`); checked now rather than at first use."""
    if not raw:
        return None
    scheme = raw.partition("://")[0]
    if scheme not in {"redis", "rediss", "unix"} or "://" not in raw:
        raise SettingsError("REDIS_URL must start with redis://, rediss:// (TLS) or unix://")
    return raw


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or networks (10.0.0.0/8)."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise SettingsError(f"TRUSTED_PROXIES: {item!r} is not an address or network") from exc
    return tuple(networks)


@dataclass(frozen=True)
class Settings:
    app_url: str
    data_dir: Path
    database_url: str
    redis_url: str | None
    # Magic-link login.
    login_token_ttl_minutes: int
    session_ttl_days: int
    login_requests_per_email_per_hour: int
    login_requests_per_client_per_hour: int
    # Over the hourly limit, an address still gets a fresh link this often at most,
    # so nobody can lock an owner out by asking for links in their name.
    login_resend_minutes: int
    # Link checks (/auth/verify) per client and per minute, then a refusal.
    login_checks_per_client_per_minute: int
    # Reverse proxies in front of the app: the real client address is read
    # from X-Forwarded-For only through them (a count of hops, or addresses).
    trusted_proxy_hops: int
    trusted_proxies: tuple[str, ...]
    # Keys the hashes of client addresses (HMAC); generated into data_dir when empty.
    server_secret: str
    # Mail: SMTP when smtp_host is set, else .eml files in mail_outbox_dir.
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    mail_from: str
    mail_outbox_dir: Path
    # Documents: encryption key (Fernet; generated into data_dir when empty), size limit.
    storage_key: str
    max_upload_mb: int
    # Quotas, checked before anything is stored.
    max_files_per_upload: int
    max_documents_per_vehicle: int
    max_storage_mb_per_owner: int
    # Document reading jobs (services/jobs.py): broker, reads at once per worker,
    # retries of transient errors, lease after which a stuck read is re-queued.
    job_broker: str
    job_concurrency: int
    job_retries: int
    job_retry_delay_s: int
    job_lease_s: int
    embedded_worker: bool
    # Optional plate lookup provider (prefills the vehicle form).
    plate_lookup_url: str
    plate_lookup_key: str
    plate_lookup_timeout_s: int
    # Owner's price overrides for the engine (fuel, electricity, CT, insurance...).
    price_overrides: dict
    # Ad title limits (the platforms do not publish them reliably).
    leboncoin_title_max: int
    lacentrale_title_max: int
    # Optional OpenAI-compatible model.
    openai_api_key: str
    openai_base_url: str
    openai_model: str
    # Who runs this deployment, shown on the legal pages (mentions légales,
    # confidentialité): they differ per deployment, so they are settings.
    legal_publisher: str = ""
    legal_publisher_address: str = ""
    legal_publisher_registration: str = ""
    legal_director: str = ""
    legal_contact_email: str = ""
    legal_host: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def app_uses_https(self) -> bool:
        return self.app_url.startswith("https://")

    @property
    def app_origin(self) -> str:
        parts = urlsplit(self.app_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_storage_bytes_per_owner(self) -> int:
        return self.max_storage_mb_per_owner * 1024 * 1024

    @property
    def ai_enabled(self) -> bool:
        return bool(self.openai_api_key)


def load_settings() -> Settings:
    """Read the settings from the environment, after loading `.env` if present.

    Variables already in the environment win over `.env`, so tests and
    deployments can override any of them.
    """
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    data_dir = _resolve_path(_env_str("DATA_DIR", "data"))
    app_url = _env_str("APP_URL", "http://localhost:3000").rstrip("/")
    parts = urlsplit(app_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"APP_URL must look like https://autocoach.example, got {app_url!r}")
    settings = Settings(
        app_url=app_url,
        data_dir=data_dir,
        database_url=normalize_database_url(_env_str("DATABASE_URL"), data_dir),
        redis_url=_redis_url(_env_str("REDIS_URL")),
        login_token_ttl_minutes=_env_int("LOGIN_TOKEN_TTL_MINUTES", 15, minimum=1),
        session_ttl_days=_env_int("SESSION_TTL_DAYS", 30, minimum=1),
        login_requests_per_email_per_hour=_env_int("LOGIN_REQUESTS_PER_EMAIL_PER_HOUR", 5, 1),
        login_requests_per_client_per_hour=_env_int("LOGIN_REQUESTS_PER_CLIENT_PER_HOUR", 20, 1),
        login_resend_minutes=_env_int("LOGIN_RESEND_MINUTES", 5, minimum=1),
        login_checks_per_client_per_minute=_env_int("LOGIN_CHECKS_PER_CLIENT_PER_MINUTE", 30, 1),
        trusted_proxy_hops=_env_int("TRUSTED_PROXY_HOPS", 0, minimum=0),
        trusted_proxies=_trusted_proxies(_env_str("TRUSTED_PROXIES")),
        server_secret=os.environ.get("SERVER_SECRET", "").strip(),
        smtp_host=_env_str("SMTP_HOST"),
        smtp_port=_env_int("SMTP_PORT", 587, minimum=1),
        smtp_user=_env_str("SMTP_USER"),
        smtp_password=os.environ.get("SMTP_PASSWORD", ""),
        smtp_starttls=_env_bool("SMTP_STARTTLS", True),
        mail_from=_env_str("MAIL_FROM", "AutoCoach <no-reply@autocoach.local>"),
        mail_outbox_dir=_resolve_path(_env_str("MAIL_OUTBOX_DIR") or str(data_dir / "outbox")),
        storage_key=_env_str("STORAGE_KEY"),
        max_upload_mb=_env_int("MAX_UPLOAD_MB", 15, minimum=1),
        max_files_per_upload=_env_int("MAX_FILES_PER_UPLOAD", 10, minimum=1),
        max_documents_per_vehicle=_env_int("MAX_DOCUMENTS_PER_VEHICLE", 200, minimum=1),
        max_storage_mb_per_owner=_env_int("MAX_STORAGE_MB_PER_OWNER", 500, minimum=1),
        job_broker=_job_broker(_env_str("JOB_BROKER", "auto").lower()),
        job_concurrency=_env_int("JOB_CONCURRENCY", os.cpu_count() or 1, minimum=1),
        job_retries=_env_int("JOB_RETRIES", 3, minimum=0),
        job_retry_delay_s=_env_int("JOB_RETRY_DELAY_S", 10, minimum=1),
        job_lease_s=_env_int("JOB_LEASE_S", 120, minimum=2),
        embedded_worker=_env_bool("EMBEDDED_WORKER", True),
        plate_lookup_url=_env_str("PLATE_LOOKUP_URL"),
        plate_lookup_key=os.environ.get("PLATE_LOOKUP_KEY", ""),
        plate_lookup_timeout_s=_env_int("PLATE_LOOKUP_TIMEOUT_S", 5, minimum=1),
        price_overrides=_price_overrides(_env_str("PRICE_OVERRIDES")),
        leboncoin_title_max=_env_int("LEBONCOIN_TITLE_MAX", 70, minimum=20),
        lacentrale_title_max=_env_int("LACENTRALE_TITLE_MAX", 60, minimum=20),
        openai_api_key=_env_str("OPENAI_API_KEY"),
        openai_base_url=_env_str("OPENAI_BASE_URL"),
        openai_model=_env_str("OPENAI_MODEL", "gpt-4o-mini"),
        legal_publisher=_env_str("LEGAL_PUBLISHER"),
        legal_publisher_address=_env_str("LEGAL_PUBLISHER_ADDRESS"),
        legal_publisher_registration=_env_str("LEGAL_PUBLISHER_REGISTRATION"),
        legal_director=_env_str("LEGAL_DIRECTOR"),
        legal_contact_email=_env_str("LEGAL_CONTACT_EMAIL"),
        legal_host=_env_str("LEGAL_HOST"),
    )
    if settings.job_broker == "redis" and not settings.redis_url:
        raise SettingsError("JOB_BROKER=redis needs REDIS_URL")
    if settings.job_broker == "postgresql" and settings.is_sqlite:
        raise SettingsError("JOB_BROKER=postgresql needs a PostgreSQL DATABASE_URL")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
