"""Settings for the unlock desk, read once from the environment.

The defaults are the embedded set-up of `make run`: SQLite, tasks run in-process
after commit, the console email backend. Production sets UNLOCK_ENV=production and
must then provide SECRET_KEY, PIN_PEPPER, ALLOWED_HOSTS and DATABASE_URL.
"""

import ssl
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

UNLOCK_ENV = env("UNLOCK_ENV", default="development")
PRODUCTION = UNLOCK_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET = "dev-only-secret-key-not-for-production-use-0123456789abcdef"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET)
# Keyed into every PIN hash, kept outside the database (SPEC: the pepper).
PIN_PEPPER = env("PIN_PEPPER", default="dev-only-pin-pepper")

if PRODUCTION:
    # A blank value is as good as none: an empty pepper would leave PINs unpeppered.
    if SECRET_KEY.strip() in ("", _DEV_SECRET) or PIN_PEPPER.strip() in ("", "dev-only-pin-pepper"):
        raise ImproperlyConfigured(
            "UNLOCK_ENV=production needs SECRET_KEY and PIN_PEPPER set in the environment."
        )
    if DEBUG:
        raise ImproperlyConfigured("UNLOCK_ENV=production must not run with DEBUG=1.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address used in approval links sent to tenant admins.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The key that signs each tenant's audit checkpoints (audit/keys.py), never in the
# database: the base64 of a raw Ed25519 private key, or a PEM file (`make run` makes a
# development one). Retired keys' public halves, with their dates, are listed in a JSON
# file so that their checkpoints still verify. The signer's name is in every signature.
AUDIT_SIGNER_NAME = env(
    "AUDIT_SIGNER_NAME", default=f"{urlparse(SITE_URL).hostname or 'localhost'}/unlock-desk"
)
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = env(
    "AUDIT_SIGNING_KEY_FILE",
    default="" if PRODUCTION else str(BASE_DIR / "var" / "audit-signing-key.pem"),
)
AUDIT_SIGNING_KEY_SINCE = env("AUDIT_SIGNING_KEY_SINCE", default="")
AUDIT_RETIRED_KEYS_FILE = env("AUDIT_RETIRED_KEYS_FILE", default="")

INSTALLED_APPS = [
    # Django's admin, on a site whose home is the support console's work queue.
    "config.admin_site.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "csp",
    # Second factors: authenticator apps (TOTP), single-use recovery codes, passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "core",
    "accounts",
    "audit",
    "books",
    "unlocks",
    "notifications",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    # Log lines with the request's id, one line per answer, and the latency histogram.
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    # With STAFF_MFA_REQUIRED, a staff session of a password alone reaches only the
    # second-factor pages, never the console or the API.
    "accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Times in the reader's zone (their account's, else their browser's); the API in UTC.
    "accounts.middleware.TimeZoneMiddleware",
    # Sessions end after their person's limit, and after lying idle (production); after
    # the messages, which say why.
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the middleware that add the security headers, so its 411 carries them too.
    "config.middleware.LengthRequiredMiddleware",
    "config.middleware.UriTooLongMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# DATABASE_URL names PgBouncer in transaction mode (README: Past one machine): a server-side
# cursor cannot outlive its transaction there, so Django keeps none (the exports stream by
# keyset reads and need none).
DATABASE_POOLED = env.bool("DATABASE_POOLED", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLED
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent use as Django 5.1+ documents it: readers beside a writer (WAL), and every
    # transaction takes the write lock when it begins (IMMEDIATE), so a second writer waits
    # for the busy timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins for a locked-out email before the password is even checked.
    "accounts.backends.SignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Tenant users sign in on our own pages (accounts/urls.py); the admin keeps its own.
LOGIN_URL = "login"
# After signing in, the front door sends each person where their work is.
LOGIN_REDIRECT_URL = "front_door"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env("REDIS_URL", default="")
# For a rediss:// URL: the authority that signed Redis's certificate, if not the system's.
REDIS_CA_CERTS = env("REDIS_CA_CERTS", default=None)

# Redis answers in well under a millisecond; one that takes a second is down or frozen,
# and every client of it (the cache, the broker) gives up then instead of hanging.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=1.0)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "unlockdesk",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                # rediss://: redis-py checks the certificate; against this authority if set.
                **({"ssl_ca_certs": REDIS_CA_CERTS} if REDIS_CA_CERTS else {}),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Every date and time shown without a format of its own reads 2026-12-02 06:50 UTC.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="unlock-desk@support.example")
# How a tenant's people reach support, as the pages say it.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="support@support.example")
SUPPORT_PHONE = env("SUPPORT_PHONE", default="")
# Where django.core.mail.backends.filebased.EmailBackend writes, when chosen.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-emails"))
# A mail server that hangs fails the try after this, as a webhook receiver does.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT_SECONDS", default=10)

# The rules of an unlock (SPEC.md), configurable.
UNLOCK_REQUEST_TTL = timedelta(hours=env.int("UNLOCK_REQUEST_TTL_HOURS", default=24))
PIN_MAX_FAILURES = env.int("PIN_MAX_FAILURES", default=5)
PIN_FAILURE_WINDOW = timedelta(minutes=env.int("PIN_FAILURE_WINDOW_MINUTES", default=15))
PIN_LOCK_DURATION = timedelta(minutes=env.int("PIN_LOCK_MINUTES", default=15))
# Each lock within this long of the last one lasts twice as long as it (15 minutes, 30,
# 60, ...), up to PIN_LOCK_MAX: a day allows a few dozen guesses, not hundreds.
PIN_LOCK_GROWS_WITHIN = timedelta(hours=env.int("PIN_LOCK_GROWS_WITHIN_HOURS", default=24))
PIN_LOCK_MAX = timedelta(hours=env.int("PIN_LOCK_MAX_HOURS", default=24))
UNLOCK_MAX_TARGETS = env.int("UNLOCK_MAX_TARGETS", default=100)
# How long an approval unlocks for, unless the request names its own window (SPEC rule 11).
UNLOCK_WINDOW_HOURS = env.int("UNLOCK_WINDOW_HOURS", default=72)

# The customer's books: QuickBooks Online, read only (books/). No client id, no checks.
QUICKBOOKS_CLIENT_ID = env("QUICKBOOKS_CLIENT_ID", default="")
QUICKBOOKS_CLIENT_SECRET = env("QUICKBOOKS_CLIENT_SECRET", default="")
QUICKBOOKS_ENVIRONMENT = env("QUICKBOOKS_ENVIRONMENT", default="sandbox")
if QUICKBOOKS_ENVIRONMENT not in ("sandbox", "production"):
    raise ImproperlyConfigured("QUICKBOOKS_ENVIRONMENT is 'sandbox' or 'production'.")
# Another address for the accounting API and the token endpoint (a stand-in's).
QUICKBOOKS_API_BASE = env("QUICKBOOKS_API_BASE", default="")
QUICKBOOKS_TOKEN_URL = env("QUICKBOOKS_TOKEN_URL", default="")
QUICKBOOKS_AUTH_URL = env("QUICKBOOKS_AUTH_URL", default="")
# Fernet key sealing the grant's tokens at rest; derived from SECRET_KEY in development.
QUICKBOOKS_TOKEN_KEY = env("QUICKBOOKS_TOKEN_KEY", default="")
QUICKBOOKS_TIMEOUT_SECONDS = env.float("QUICKBOOKS_TIMEOUT_SECONDS", default=3.0)
QUICKBOOKS_CACHE_SECONDS = env.int("QUICKBOOKS_CACHE_SECONDS", default=60)
# After a failed check, the books are not asked again for this long.
QUICKBOOKS_RETRY_SECONDS = env.int("QUICKBOOKS_RETRY_SECONDS", default=30)
# A window's end statement asks the books of at most this many transactions.
QUICKBOOKS_MAX_RECORDS = env.int("QUICKBOOKS_MAX_RECORDS", default=500)
if PRODUCTION and QUICKBOOKS_CLIENT_ID and not QUICKBOOKS_TOKEN_KEY:
    raise ImproperlyConfigured(
        "QUICKBOOKS_CLIENT_ID is set: set QUICKBOOKS_TOKEN_KEY too (a Fernet key; "
        "Fernet.generate_key() of the cryptography package makes one)."
    )

# Background work: Celery on Redis, or in-process after commit without Redis.
CELERY_BROKER_URL = REDIS_URL or "memory://"
# kombu's Redis transport with a failed ack mended (config/broker.py).
CELERY_BROKER_TRANSPORT = "config.broker:Transport" if REDIS_URL else None
# A rediss:// Redis is reached over TLS with its certificate checked, against REDIS_CA_CERTS
# (a PEM file) or the system's authorities; kombu's own default for the scheme checks nothing.
CELERY_BROKER_USE_SSL = (
    {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": REDIS_CA_CERTS}
    if REDIS_URL.startswith("rediss://")
    else False
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task goes back to the queue after this; longer than any ETA retry.
    "visibility_timeout": 3600,
    # A dead or frozen Redis fails a publish within a second, and a consumer stuck on a
    # half-open connection is dropped and reconnected within seconds (kombu's checks).
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "health_check_interval": 5,
}
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
# Reconnect for ever, at start and after an outage: a worker outlives any Redis restart.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A delivery in flight when the broker goes away runs to its end and records its outcome
# in the database: whether a message went is known from its row, never from an ack, so a
# blip neither kills a send half-way nor sends it again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Queues by kind, each served by workers of its own (README): a receiver that hangs holds
# up only webhooks, never an admin's email or the expiry job.
CELERY_TASK_DEFAULT_QUEUE = "scheduled"
CELERY_TASK_ROUTES = {
    "unlocks.tasks.*": {"queue": "scheduled"},
    "audit.tasks.*": {"queue": "scheduled"},
    "notifications.tasks.dispatch_due_messages": {"queue": "scheduled"},
}
# A request whose broker is down waits about a second, not minutes; the sweep catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    "expire-pending-requests": {
        "task": "unlocks.tasks.expire_pending_requests",
        "schedule": env.float("EXPIRY_SWEEP_SECONDS", default=60.0),
        "options": {"expires": 55},
    },
    "end-unlock-windows": {
        "task": "unlocks.tasks.end_unlock_windows",
        "schedule": env.float("WINDOW_SWEEP_SECONDS", default=60.0),
        "options": {"expires": 55},
    },
    "dispatch-due-messages": {
        "task": "notifications.tasks.dispatch_due_messages",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30.0),
        "options": {"expires": 25},
    },
    "sign-audit-checkpoints": {
        "task": "audit.tasks.sign_checkpoints",
        "schedule": env.float("CHECKPOINT_SECONDS", default=300.0),
        "options": {"expires": 240},
    },
    "purge-idempotency-keys": {
        "task": "unlocks.tasks.purge_idempotency_keys",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}

# The outbox (notifications/) is generic: the project names what its messages are about.
# Webhook events are sent as "unlock_request.<event>"; a message's reference is an unlock
# request's id, shown in the admin by that page.
NOTIFICATIONS_WEBHOOK_EVENTS = (
    "created",
    "completed",
    "refused",
    "cancelled",
    "expired",
    "relocked",
    "approval_recorded",
    # A signed audit checkpoint covers the approval: its evidence bundle is complete.
    "covered",
)
NOTIFICATIONS_EVENT_PREFIX = "unlock_request."
NOTIFICATIONS_REFERENCE_ADMIN_URL = "admin:unlocks_unlockrequest_change"
# The outbox retries with backoff and jitter, then marks a message failed.
NOTIFICATIONS_BACKOFF_BASE = timedelta(seconds=env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=30))
NOTIFICATIONS_BACKOFF_CAP = timedelta(seconds=env.float("OUTBOX_BACKOFF_CAP_SECONDS", default=900))
NOTIFICATIONS_RETRY_FOR = timedelta(seconds=env.float("OUTBOX_RETRY_FOR_SECONDS", default=3 * 3600))
# How long a worker holds a claimed message: longer than the task's hard time limit.
NOTIFICATIONS_LEASE = timedelta(seconds=env.float("OUTBOX_LEASE_SECONDS", default=180))
# After a hand-over to the broker fails, how long this process leaves the broker alone (the
# sweep hands over what waits): a change waits on a dead or frozen Redis once, not per message.
NOTIFICATIONS_HANDOVER_PAUSE = timedelta(
    seconds=env.float("OUTBOX_HANDOVER_PAUSE_SECONDS", default=15)
)
WEBHOOK_TIMEOUT = timedelta(seconds=env.float("WEBHOOK_TIMEOUT_SECONDS", default=10))

# JSON lines (one object a line, with the request's id, tenant and actor) in production and
# wherever LOG_FORMAT=json; plain text otherwise, as `make run` prints (core/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.Context"}},
    "formatters": {
        "plain": {
            "()": "core.logs.Plain",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "core.logs.Json"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it serves nothing.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Sign-in throttling (django-axes): 5 failed sign-ins for one email from one address lock
# that email at that address for 15 minutes; the others who share the address (an office, a
# support centre) still sign in. An address that fails 30 times, for any emails, is locked
# for everyone at it (accounts.backends.SignInThrottle). Attempts live in the database, so
# a lock-out survives a cache flush and a restart. Behind a reverse proxy set NUM_PROXIES
# so the client's address, not the proxy's, is counted.
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = env.int("SIGN_IN_MAX_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_LOCK_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SIGN_IN_MAX_FAILURES_PER_ADDRESS = env.int("SIGN_IN_MAX_FAILURES_PER_ADDRESS", default=30)
AXES_CLIENT_IP_CALLABLE = "audit.actors.client_ip"
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
AXES_RESET_ON_SUCCESS = True
# A lock runs its 15 minutes: attempts while locked are refused without extending it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.backends.sign_in_email"
# A page that says what happened and what to do (AXES_COOLOFF_MESSAGE is its plain fallback).
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_COOLOFF_MESSAGE = (
    "Too many failed sign-ins with this email from your network address: signing in with it "
    "here is locked for a while. Wait 15 minutes and try again, or ask support to unlock it."
)

# Second factors (django-otp, django-otp-webauthn). Staff must pass one to reach the console
# or the API by session where STAFF_MFA_REQUIRED is on: always in production unless turned
# off, never in `make run` unless turned on, so the demo stays two commands.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=PRODUCTION)
# A staff member's first second factor is set up only through a single-use link emailed to
# their own address (issued when the account is made, and by a support lead), never with the
# password alone: on in production, off in `make run` so the demo stays two commands.
STAFF_ENROLMENT_BY_LINK = env.bool("STAFF_ENROLMENT_BY_LINK", default=PRODUCTION)
STAFF_ENROLMENT_LINK_LIFETIME = timedelta(hours=env.int("STAFF_ENROLMENT_LINK_HOURS", default=24))
# How long a session lasts, in all and idle (NIST SP 800-63B's figures at this level): staff,
# who can unlock any tenant's books, 12 hours and 30 minutes idle; a tenant's people 14 days
# and 12 hours idle. 0 means no limit; the limits are on in production, off otherwise.
STAFF_SESSION_HOURS = env.int("STAFF_SESSION_HOURS", default=12 if PRODUCTION else 0)
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30 if PRODUCTION else 0)
USER_SESSION_DAYS = env.int("USER_SESSION_DAYS", default=14 if PRODUCTION else 0)
USER_SESSION_IDLE_HOURS = env.int("USER_SESSION_IDLE_HOURS", default=12 if PRODUCTION else 0)
# The name an authenticator app shows beside the code.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Unlock desk")
# A wrong code makes the next try wait (1 s, 2 s, 4 s, ...) on the factor itself, so a
# password that is known cannot buy endless tries by signing in again.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Passkeys are a second factor here, never a sign-in of their own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "Unlock desk"
# A passkey is bound to a domain, never to an address: over plain HTTP browsers allow it
# on localhost only, so `make run` offers passkeys at http://localhost:<port>.
_SITE = urlparse(SITE_URL)
_PASSKEY_ORIGIN = (
    f"https://{_SITE.netloc}" if _SITE.scheme == "https" else f"http://localhost:{_SITE.port or 80}"
)
OTP_WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", default=urlparse(_PASSKEY_ORIGIN).hostname)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("WEBAUTHN_ORIGINS", default=[_PASSKEY_ORIGIN])

# Content-Security-Policy (django-csp): no inline script, no framing, nothing off-site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# No body we accept comes near this (100 targets and a 2,000-character reason are ~15 KiB);
# larger ones are refused before they are parsed: 413 on the API, a 400 page elsewhere.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=256 * 1024)
# The longest address (path and query) read: longer answers 414 uri_too_long. Below
# gunicorn's --limit-request-line of the README's command, so the app, not gunicorn, answers.
MAX_URL_LENGTH = env.int("MAX_URL_LENGTH", default=4096)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A page that says what happened and what to do (JSON under /api/), not Django's bare 403.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and the metrics scraper reach each host on its private address, past the proxy
    # that ends TLS: they are answered there, not sent to https://.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# REST API v1 (API.md): token or session auth, one error shape, per-client throttling.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["unlocks.api.access.IsApiClientOrSupportAgent"],
    "DEFAULT_THROTTLE_CLASSES": ["unlocks.api.access.ApiClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["unlocks.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "unlocks.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "unlocks.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Unlock desk API",
    "DESCRIPTION": (
        "REST API v1 for helpdesk tooling. Authenticate with `Authorization: Token <key>`. "
        'Every error is `{"error": {"code", "message", "details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI writes each as a link inside the operation's expand button,
    # a control nested in a control that screen readers cannot reach (axe-core).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "COMPONENT_SPLIT_REQUEST": True,
    # Enums stay inline: each operation's error codes are its own list, not a shared name.
    "POSTPROCESSING_HOOKS": [],
}
INSTALLED_APPS += ["drf_spectacular_sidecar"]
