"""Settings, read from the environment (and a `.env` file in the working directory).

Every variable is documented in docs/configuration.md.
"""

import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url
from dotenv import load_dotenv

from ventanilla.core.catalogs import compiled_locale_paths
from ventanilla.core.job_serializer import JsonSerializer

load_dotenv(Path.cwd() / ".env")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return float(value)


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("VENTANILLA_DATA_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    try:
        DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
    except OSError as error:
        if DEBUG:
            return "insecure-debug-key-" + "x" * 40
        raise RuntimeError(
            f"SECRET_KEY is not set and {key_file} cannot be written: set SECRET_KEY."
        ) from error


SECRET_KEY = _secret_key()

HOST = env_str("HOST", "127.0.0.1")
PORT = int(env_number("PORT", 8000))
WEB_CONCURRENCY = int(env_number("WEB_CONCURRENCY", 1))  # processes of `ventanilla web`
ACCESS_LOG = env_bool("ACCESS_LOG", True)  # one line per HTTP request from uvicorn
WEBHOOK_BATCH_MAX = int(env_number("WEBHOOK_BATCH_MAX", 20))  # webhooks stored in one transaction
PUBLIC_URL = env_str("PUBLIC_URL", f"http://{HOST}:{PORT}").rstrip("/")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (IPs or CIDRs; docs/adr/0004)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ventanilla.core",
    "ventanilla.accounts",
    "ventanilla.contacts",
    "ventanilla.providers",
    "ventanilla.quickreplies",
    "ventanilla.integrations",
    "ventanilla.conversations",
    "ventanilla.schedules",
    "ventanilla.routing",
    "ventanilla.flows",
    "ventanilla.surveys",
    "ventanilla.inbound",
    "ventanilla.web",
    "ventanilla.runtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ventanilla.core.middleware.AuditContextMiddleware",  # who and from where, for the audit trail
    "ventanilla.accounts.middleware.SessionSeenMiddleware",  # the account screen's "last seen"
    # Django's LocaleMiddleware plus the user's own language (accounts.User.language)
    "ventanilla.accounts.middleware.UserLocaleMiddleware",
    "ventanilla.api.nul_guard.RejectNulInJson",  # a 422, in the user's language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ventanilla.core.middleware.NoStoreMiddleware",  # pages and answers carry personal data
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ventanilla.config.urls"
ASGI_APPLICATION = "ventanilla.config.asgi.application"
WSGI_APPLICATION = "ventanilla.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI, persistent per-thread connections pile up: PostgreSQL uses a pool instead.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "ventanilla.sqlite3",
            # kept per thread (the job threads, the webhook batcher, the request thread): opening
            # one (its PRAGMAs and functions) for every job was a tenth of an embedded desk's time
            "CONN_MAX_AGE": None,
        }
    }

_engine = DATABASES["default"]["ENGINE"]
if _engine == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
elif _engine == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "pool": {
                "min_size": 2,
                "max_size": int(env_number("DATABASE_POOL_SIZE", 10)),
                "timeout": 20,
            },
            # parameters travel apart from the SQL: no quoting in Python, prepared statements
            "server_side_binding": True,
            # a statement run this many times on a connection is prepared on it: PostgreSQL
            # then skips parsing and planning the webhook path's few statements (0: never)
            "prepare_threshold": int(env_number("DATABASE_PREPARE_THRESHOLD", 5)) or None,
        }
    )
elif _engine == "django.db.backends.mysql":
    import pymysql

    # PyMySQL stands in for mysqlclient, which would need C headers on every machine.
    pymysql.version_info = (2, 2, 1, "final", 0)
    pymysql.install_as_MySQLdb()
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"charset": "utf8mb4", "isolation_level": "read committed"}
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis (scaled mode) --------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
# Pub/sub channels ignore Redis's database number: installations sharing one Redis server would
# hear each other's events. Everything this one puts in Redis is named under this prefix.
REDIS_PREFIX = env_str(
    "REDIS_PREFIX",
    "ventanilla-" + hashlib.sha256((DATABASE_URL or str(DATA_DIR)).encode()).hexdigest()[:10],
)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {
            # the default capacity (100 per socket) silently drops events in a burst
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 5000, "expiry": 120},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Jobs (Huey) ----------------------------------------------------------------------------

SCHEDULER_INTERVAL_SECONDS = env_number("SCHEDULER_INTERVAL_SECONDS", 60)
# The outbox (docs/adr/0017): how long a claimed send may take before its outcome is unknown; how
# long then to wait for WhatsApp's status of a tagged send before sending it again; how long a
# queued reply waits for its job before the sweep enqueues another.
OUTBOX_CLAIM_SECONDS = env_number("OUTBOX_CLAIM_SECONDS", 120)
OUTBOX_UNKNOWN_OUTCOME_SECONDS = env_number("OUTBOX_UNKNOWN_OUTCOME_SECONDS", 300)
OUTBOX_REQUEUE_SECONDS = env_number("OUTBOX_REQUEUE_SECONDS", 30)
# Replies leave from the process that queued them, right after commit (docs/adr/0034): threads per
# process that send them (each waits on WhatsApp's answer), and how many replies may wait for one
# before the next go through the job queue instead.
OUTBOX_SEND_THREADS = max(0, int(env_number("OUTBOX_SEND_THREADS", 16)))
OUTBOX_SEND_BACKLOG = max(1, int(env_number("OUTBOX_SEND_BACKLOG", 1000)))

# Outgoing webhooks (docs/integrations.md#outgoing-webhooks, docs/adr/0028): how long one request
# may take, for how long a delivery is retried, and whether a subscription may point at a
# private, loopback or link-local address (off: such targets are refused, SSRF).
WEBHOOKS_TIMEOUT_SECONDS = env_number("WEBHOOKS_TIMEOUT_SECONDS", 10)
WEBHOOKS_RETRY_HOURS = env_number("WEBHOOKS_RETRY_HOURS", 24)
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)

if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": REDIS_PREFIX,
        "url": REDIS_URL,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "ventanilla",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
    }
HUEY["immediate"] = False  # djhuey would follow DEBUG; tests switch it on themselves
HUEY["serializer"] = JsonSerializer()  # never pickle: docs/operations.md "Job payloads"
# job threads per process: a reply's send waits on WhatsApp's answer, so threads are what let one
# process send many at once (the clients are pooled per line and thread-safe)
JOB_THREADS = max(1, int(env_number("JOB_THREADS", 8)))
HUEY["consumer"] = {
    "workers": JOB_THREADS,
    "worker_type": "thread",
    "max_delay": 0.2,
    "periodic": True,
}

# --- Auth and sessions ----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ventanilla.accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "name", "email"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_NAME = env_str("SESSION_COOKIE_NAME", "ventanilla_session")
SESSION_COOKIE_AGE = int(env_number("SESSION_MAX_AGE", 43200))
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_SAMESITE = env_str("SESSION_COOKIE_SAMESITE", "Lax")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE
CSRF_COOKIE_NAME = "ventanilla_csrftoken"

LOGIN_THROTTLE_MAX_FAILURES = int(env_number("LOGIN_THROTTLE_MAX_FAILURES", 5))
LOGIN_THROTTLE_WINDOW_SECONDS = int(env_number("LOGIN_THROTTLE_WINDOW_SECONDS", 900))
# API tokens: calls per token in a fixed window (docs/integrations.md)
API_TOKEN_RATE_LIMIT = max(1, int(env_number("API_TOKEN_RATE_LIMIT", 120)))
API_TOKEN_RATE_WINDOW_SECONDS = max(1, int(env_number("API_TOKEN_RATE_WINDOW_SECONDS", 60)))
# two-factor sign-in (TOTP, recovery codes): required of admins when true
TWO_FACTOR_REQUIRED_FOR_ADMINS = env_bool("TWO_FACTOR_REQUIRED_FOR_ADMINS", False)
OTP_TOTP_ISSUER = "Ventanilla"
# one throttle for codes, the sign-in's own (ADR 0004): django-otp's per-device back-off is off
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# the audit trail keeps this many days (the scheduler's purge deletes older entries)
AUDIT_RETENTION_DAYS = max(1, int(env_number("AUDIT_RETENTION_DAYS", 365)))

VENTANILLA_ADMIN_USERNAME = env_str("VENTANILLA_ADMIN_USERNAME", "admin")
VENTANILLA_ADMIN_PASSWORD = env_str("VENTANILLA_ADMIN_PASSWORD")

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "es")
LANGUAGES = [("es", "Español"), ("en", "English")]
TIME_ZONE = env_str("TIME_ZONE", "America/Argentina/Buenos_Aires")
USE_I18N = True
USE_TZ = True
# the .mo files compiled now when `make` has not (docs/adr/0014-languages.md)
LOCALE_PATHS = compiled_locale_paths(BASE_DIR / "locale", fallback=DATA_DIR / "locale")

# --- Static and media -----------------------------------------------------------------------

STATIC_URL = "/static/"
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600  # customers' pictures and documents: for this user alone
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024  # contact imports take up to 5 MB
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Desk behaviour -------------------------------------------------------------------------

PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "AR")
AUTO_CLOSE_MINUTES = env_number("AUTO_CLOSE_MINUTES", 30)
AUTO_CLOSE_MESSAGE = env_str(
    "AUTO_CLOSE_MESSAGE",
    "Cerramos esta conversación por inactividad. Escribinos cuando quieras.",
)

# hours after a close during which its agent (or anyone who may see the contact) may reopen it
# or write to the customer; admins change it on the Settings screen (conversations.FollowUpSetting)
REOPEN_WINDOW_HOURS = env_number("REOPEN_WINDOW_HOURS", 72)

WHATSAPP_PROVIDER = env_str("WHATSAPP_PROVIDER", "sandbox")
WHATSAPP_CLOUD_PHONE_NUMBER_ID = env_str("WHATSAPP_CLOUD_PHONE_NUMBER_ID")
WHATSAPP_CLOUD_ACCESS_TOKEN = env_str("WHATSAPP_CLOUD_ACCESS_TOKEN")
WHATSAPP_CLOUD_APP_SECRET = env_str("WHATSAPP_CLOUD_APP_SECRET")
WHATSAPP_CLOUD_VERIFY_TOKEN = env_str("WHATSAPP_CLOUD_VERIFY_TOKEN")
WHATSAPP_CLOUD_WABA_ID = env_str("WHATSAPP_CLOUD_WABA_ID")  # where the message templates live
WHATSAPP_CLOUD_API_URL = env_str("WHATSAPP_CLOUD_API_URL", "https://graph.facebook.com/v23.0")
WPPCONNECT_URL = env_str("WPPCONNECT_URL")
WPPCONNECT_SECRET_KEY = env_str("WPPCONNECT_SECRET_KEY")
WPPCONNECT_SESSION = env_str("WPPCONNECT_SESSION", "ventanilla")
WPPCONNECT_WEBHOOK_TOKEN = env_str("WPPCONNECT_WEBHOOK_TOKEN")
# the sandbox line beside a real one (WHATSAPP_PROVIDER=sandbox has it anyway): ADR 0018
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", False)

# --- Security headers -----------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
# Scripts and styles only from the desk's own static files: no inline script, no style attribute.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# HSTS once cookies are https-only (then the desk is served over https): a year
SECURE_HSTS_SECONDS = int(
    env_number("SECURE_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
