"""Configuration from environment variables, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("THROUGHLINE_INSTANCE", ROOT / "instance"))


def _secret_key(debug: bool) -> str:
    """Return SECRET_KEY from the environment, or a key generated once and kept under instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not debug and os.environ.get("THROUGHLINE_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in production (THROUGHLINE_ENV=production).")
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def identity_backend() -> dict[str, str]:
    """Where identity runs execute Splink (docs/identity.md, "Large clients"): duckdb, or spark on a master URL."""
    return {
        "name": os.environ.get("IDENTITY_BACKEND", "duckdb").strip().lower() or "duckdb",
        "spark_master": os.environ.get("IDENTITY_SPARK_MASTER", "local[*]"),
        "spark_driver_memory": os.environ.get("IDENTITY_SPARK_DRIVER_MEMORY", "4g"),
        "spark_checkpoint_dir": os.environ.get("IDENTITY_SPARK_CHECKPOINT_DIR", ""),
    }


class Config:
    """Settings read once when the app is created."""

    def __init__(self) -> None:
        self.ENV = os.environ.get("THROUGHLINE_ENV", "development")
        self.DEBUG = os.environ.get("FLASK_DEBUG", "0") == "1"
        self.TESTING = False
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE / 'throughline.sqlite'}"
        )
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would look for psycopg2.
            self.SQLALCHEMY_DATABASE_URI = self.SQLALCHEMY_DATABASE_URI.replace(
                "postgresql://", "postgresql+psycopg://", 1
            )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "30000"))
        self.SECRET_KEY = _secret_key(self.DEBUG)
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Browsers treat 127.0.0.1/localhost as secure origins, so Secure cookies work on a laptop too.
        self.SESSION_COOKIE_SECURE = not self.DEBUG
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # A login lasts at most SESSION_ABSOLUTE_HOURS and ends after SESSION_IDLE_MINUTES without a request
        # (docs/team-server.md); both are checked on the server at every request.
        self.SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
        self.SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
        # Served over HTTPS (a team server behind a TLS proxy): the cookie gets the __Host- prefix.
        self.HTTPS = os.environ.get("THROUGHLINE_HTTPS", "").lower() in ("1", "true", "yes")
        if self.HTTPS:
            self.SESSION_COOKIE_NAME = "__Host-throughline"
            self.SESSION_COOKIE_SECURE = True
            self.PREFERRED_URL_SCHEME = "https"
        # How many proxies in front of us may set X-Forwarded-For/-Proto (0: trust none, use the socket's address).
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        # Webhooks to loopback, link-local and private addresses are refused (SSRF) unless an admin allows them.
        self.WEBHOOK_ALLOW_PRIVATE = os.environ.get("WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")
        # Login attempts that fail, counted per client address and per account (Flask-Limiter); shared by all
        # workers when the storage is Redis.
        redis_url = os.environ.get("REDIS_URL", "")
        # With Redis, engine runs and reports go to the RQ queue served by `make worker` (docs/team-server.md).
        self.REDIS_URL = redis_url or None
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", redis_url or "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429
        self.RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
        self.LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "10 per minute; 50 per hour")
        self.LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour")
        # Review links (/r/<token>/…): wrong passphrases per address and per link; 404s (token guessing) per address.
        self.REVIEW_LINK_UNLOCK_LIMIT = os.environ.get("REVIEW_LINK_UNLOCK_LIMIT", "5 per minute; 20 per hour")
        self.REVIEW_LINK_MISS_LIMIT = os.environ.get("REVIEW_LINK_MISS_LIMIT", "30 per minute; 200 per hour")
        self.QUESTIONNAIRE_SUBMIT_LIMIT = os.environ.get("QUESTIONNAIRE_SUBMIT_LIMIT", "10 per minute; 30 per hour")
        # Invitations and password resets are mailed when a server is set; otherwise the admin is shown the link.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "")
        self.MAIL_STARTTLS = os.environ.get("MAIL_STARTTLS", "1") != "0"
        self.WTF_CSRF_TIME_LIMIT = None  # a workshop lasts all day; the token is tied to the session anyway
        self.WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]
        self.INSTANCE_PATH = str(INSTANCE)
        # Datasets and engine runs (docs/atp.md): upload size, and when runs go to the background pool.
        self.DATASET_MAX_BYTES = int(os.environ.get("DATASET_MAX_BYTES", str(200 * 1024 * 1024)))
        self.ENGINE_INLINE_ROWS = int(os.environ.get("ENGINE_INLINE_ROWS", "100000"))
        self.ENGINE_WORKERS = int(os.environ.get("ENGINE_WORKERS", "1"))
        # Identity runs' Splink backend, read by the identity service (a service knows no Flask config).
        backend = identity_backend()
        if backend["name"] not in ("duckdb", "spark"):
            raise RuntimeError(f"IDENTITY_BACKEND must be duckdb or spark, not {backend['name']!r}.")
        self.IDENTITY_BACKEND = backend["name"]
        self.IDENTITY_SPARK_MASTER = backend["spark_master"]
        self.IDENTITY_SPARK_DRIVER_MEMORY = backend["spark_driver_memory"]
        # Reports (docs/report.md) go to the same pool unless made in the request; ArchiMate uploads are capped.
        self.REPORT_INLINE = os.environ.get("REPORT_INLINE", "").lower() in ("1", "true", "yes")
        self.ARCHIMATE_MAX_BYTES = int(os.environ.get("ARCHIMATE_MAX_BYTES", str(10 * 1024 * 1024)))
        # Analyses cached per engagement revision (docs/analysis.md): scenarios kept in this process, and a
        # Redis URL to share them across workers (empty: this process only); 0 scenarios turns the cache off.
        self.ANALYSIS_CACHE_SIZE = int(os.environ.get("ANALYSIS_CACHE_SIZE", "16"))
        self.ANALYSIS_CACHE_URL = os.environ.get("ANALYSIS_CACHE_URL", os.environ.get("REDIS_URL", ""))
        self.ANALYSIS_CACHE_TTL = int(os.environ.get("ANALYSIS_CACHE_TTL", "3600"))
        # argon2id cost; the defaults are the library's (RFC 9106 low-memory profile).
        self.ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
        self.ARGON2_MEMORY_KIB = int(os.environ.get("ARGON2_MEMORY_KIB", "65536"))

    def update(self, overrides: dict | None) -> Config:
        """Apply test or CLI overrides."""
        for key, value in (overrides or {}).items():
            setattr(self, key, value)
        return self
