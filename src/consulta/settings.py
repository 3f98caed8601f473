"""Consulta settings, driven by environment variables.

Every value comes from the environment through the helpers below, which fail at start-up with a
message naming the variable rather than letting a typo silently pick a default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name} must be a boolean (true/false, 1/0, yes/no), got {raw!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be an integer, got {raw!r}."
        ) from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be >= {minimum}, got {value}."
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be one of {', '.join(choices)}, got {value!r}."
        )
    return value


def env_time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"Environment variable {name} must be an IANA time zone such as Europe/Zurich, got {value!r}."
        ) from None
    return value


def _database(url: str | None, data_dir: Path) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": data_dir / "consulta.sqlite3",
            "OPTIONS": {
                # WAL lets readers proceed during writes; IMMEDIATE avoids lock upgrades failing mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Environment variable DATABASE_URL is not usable: {exc}"
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(
            f"Environment variable DATABASE_URL has an unknown scheme: {url!r}."
        )
    return config


def _email(url: str | None, data_dir: Path, profile: str) -> dict:
    if not url:
        if profile == "production":
            raise ImproperlyConfigured(
                "Environment variable EMAIL_URL is required in production (e.g. smtp://user:pass@host:587?tls=True)."
            )
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(data_dir / "outbox"),
        }
    try:
        config = dj_email_url.parse(url)
    except (KeyError, ValueError) as exc:
        raise ImproperlyConfigured(f"Environment variable EMAIL_URL is not usable: {exc}") from None
    if not config.get("EMAIL_BACKEND"):
        raise ImproperlyConfigured(
            f"Environment variable EMAIL_URL has an unknown scheme: {url.split(':', 1)[0]!r} "
            "(use smtp, submission, console, file or memory)."
        )
    return {
        "EMAIL_BACKEND": config["EMAIL_BACKEND"],
        "EMAIL_FILE_PATH": config.get("EMAIL_FILE_PATH") or str(data_dir / "outbox"),
        "EMAIL_HOST": config.get("EMAIL_HOST") or "localhost",
        "EMAIL_PORT": config.get("EMAIL_PORT") or 25,
        "EMAIL_HOST_USER": config.get("EMAIL_HOST_USER") or "",
        "EMAIL_HOST_PASSWORD": config.get("EMAIL_HOST_PASSWORD") or "",
        "EMAIL_USE_TLS": bool(config.get("EMAIL_USE_TLS")),
        "EMAIL_USE_SSL": bool(config.get("EMAIL_USE_SSL")),
    }


def _secret_key(profile: str, data_dir: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        if profile == "production" and (len(key) < 50 or len(set(key)) < 5):
            raise ImproperlyConfigured(
                "Environment variable SECRET_KEY must be at least 50 random characters in production."
            )
        return key
    if profile == "production":
        raise ImproperlyConfigured("Environment variable SECRET_KEY is required in production.")
    # Development: a random key kept in the data directory, so sessions survive restarts.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    path.write_text(key)
    path.chmod(0o600)
    return key


BASE_DIR = Path(__file__).resolve().parent
CONSULTA_PROFILE = env_choice("CONSULTA_PROFILE", "development", ("development", "production"))
PRODUCTION = CONSULTA_PROFILE == "production"
DATA_DIR = Path(env_str("CONSULTA_DATA_DIR", str(Path.cwd() / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = _secret_key(CONSULTA_PROFILE, DATA_DIR)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "modeltranslation",  # must precede the admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "consulta",
    "consulta.accounts",
    "consulta.calls",
    "consulta.submissions",
    "consulta.publication",
    "consulta.analysis",
    "consulta.reporting",
    "simple_history",
    "django_ratelimit",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "consulta.submissions.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "consulta.middleware.BusyDatabaseMiddleware",
]

ROOT_URLCONF = "consulta.urls"
WSGI_APPLICATION = "consulta.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {"default": _database(os.environ.get("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Internationalisation: the six UN languages. Django spells Chinese "zh-hans"; everything outside the
# web layer (codebooks, imports, the API) uses the UN code "zh" (see consulta.languages).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", "العربية"),
    ("zh-hans", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_time_zone("TIME_ZONE", "Europe/Zurich")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The admin's language tabs use jQuery UI, served from our own static files (no CDN).
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG  # development serves straight from the app folders
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads live outside the web root and are only ever served through permission-checked views.
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = None

globals().update(_email(os.environ.get("EMAIL_URL"), DATA_DIR, CONSULTA_PROFILE))
# Absolute links in e-mails (receipts, resume links) start with this address.
CONSULTA_BASE_URL = env_str("CONSULTA_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not CONSULTA_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "Environment variable CONSULTA_BASE_URL is required in production and must start with https://."
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Consulta <no-reply@consulta.invalid>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Submissions: attachments and request limits (documented in docs/operations.md).
CONSULTA_ATTACHMENT_KINDS = tuple(
    env_list("CONSULTA_ATTACHMENT_KINDS", ["pdf", "docx", "odt", "txt"])
)
CONSULTA_MAX_FILE_BYTES = env_int("CONSULTA_MAX_FILE_MB", 10, minimum=1) * 1024 * 1024
CONSULTA_MAX_SUBMISSION_BYTES = env_int("CONSULTA_MAX_SUBMISSION_MB", 25, minimum=1) * 1024 * 1024
CONSULTA_MAX_FILES_PER_SUBMISSION = env_int("CONSULTA_MAX_FILES", 5, minimum=1)
CONSULTA_RESUME_LINK_DAYS = env_int("CONSULTA_RESUME_LINK_DAYS", 14, minimum=1)
# A request larger than every file allowed plus the form itself is refused before it is read.
CONSULTA_MAX_REQUEST_BYTES = CONSULTA_MAX_SUBMISSION_BYTES + 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # form fields, files excluded
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
FILE_UPLOAD_TEMP_DIR = None

# Rate limits count in a cache every process shares: Redis when REDIS_URL is set, else the database.
_redis_url = os.environ.get("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "consulta.cache.AtomicDatabaseCache", "LOCATION": "consulta_cache"}
    )
}
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
CONSULTA_API_RATE = env_str("CONSULTA_API_RATE", "300/m")
# django-ratelimit only vouches for memcached and django-redis; Django's own Redis cache and the atomic
# database cache above both increment atomically, which is what the warning is about.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
RATELIMIT_VIEW = "consulta.submissions.views.rate_limited"
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None

# Security headers; the production profile turns on the HTTPS-only parts.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}
