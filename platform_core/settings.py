"""Settings, read from the environment once (a `.env` file in the project root works too).

Every integration switches on by the presence of its configuration. In production
(`DJANGO_ENV=production`) the process refuses to start on an unsafe default; see
`platform_core.checks_env.assert_production_safe`.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab

from platform_core.checks_env import assert_production_safe
from platform_core.database import default_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production
DEV_FIELD_ENCRYPTION_KEY = "dev-insecure-field-key-change-me"

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default=DEV_FIELD_ENCRYPTION_KEY)
DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)

# Tenants live at <slug>.<PLATFORM_DOMAIN>; the vendor's public site at PLATFORM_DOMAIN itself.
PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost").lower()
PUBLIC_HOSTS = {PLATFORM_DOMAIN, f"www.{PLATFORM_DOMAIN}"}
PLATFORM_SCHEME = env.str("PLATFORM_SCHEME", default="https" if IS_PRODUCTION else "http")
PLATFORM_PORT = env.str("PLATFORM_PORT", default="" if IS_PRODUCTION else "8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

if IS_PRODUCTION:
    assert_production_safe(
        secret_key=SECRET_KEY,
        debug=DEBUG,
        field_encryption_key=FIELD_ENCRYPTION_KEY,
        dev_secret_key=DEV_SECRET_KEY,
        dev_field_key=DEV_FIELD_ENCRYPTION_KEY,
    )

# --- apps: the public schema holds vendor staff and municipalities; each tenant schema holds
# everything of one municipality, including its own users, sessions and tokens. -----------
SHARED_APPS = [
    "django_tenants",
    "platform_core",
    "tenants",
    "billing",
    "health",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "platform_core",
    "offices",
    "scheduling",  # the legacy app: only its migrations (they created the tables below)
    "scheduling.appointments",
    "scheduling.queue",
    "videoconf",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Municipality"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New municipalities are cloned from this template schema, kept current by `migrate_platform`.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "platform_core.urls_public"
ROOT_URLCONF = "platform_core.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
TENANT_LIMIT_SET_CALLS = True

AUTH_USER_MODEL = "platform_core.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"

MIDDLEWARE = [
    "health.middleware.HealthCheckMiddleware",  # probes answer before host routing
    "platform_core.middleware.HostTenantMiddleware",
    "platform_core.middleware.RequestInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
                "platform_core.context_processors.platform",
            ],
        },
    }
]
WSGI_APPLICATION = "platform_core.wsgi.application"
ASGI_APPLICATION = "platform_core.asgi.application"

# --- database: DATABASE_URL as is, else the embedded PostgreSQL under .data/postgres ----------
# (kept as a URL too: a child process gets the same server as DATABASE_URL, see
# platform_core.database.database_url_with_name)
DATABASE_URL = env.str("DATABASE_URL", default=default_database_url(DATA_DIR))
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is tested before a request reuses it: after a database restart the next
# request reconnects instead of failing once.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_vbb")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: tenant-aware keys everywhere ----------------------------------------------------
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"
CACHES["default"]["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"

# --- i18n: German by default, English available; times stored in UTC, shown in Berlin --------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Berlin"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

# --- e-mail: development writes every mail as a file under .data/mail/ ---------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Virtuelles Bürgerbüro <noreply@localhost>"
)

# --- security ------------------------------------------------------------------------------
SESSION_COOKIE_DOMAIN = None  # host-only: a municipality's cookie never reaches another host
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 31_536_000 if IS_PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if IS_PRODUCTION else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Everything is served by us: no CDN, no remote fonts, no third-party scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if env.bool("FAST_PASSWORD_HASHER", default=False):
    # Tests only: hashing with PBKDF2 at full strength would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "platform_core.authentication.HostBoundTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "platform_core.errors.api_exception_handler",
    # JSON through platform_core.request_input.json_loads: depth limit, no NUL, strict.
    "DEFAULT_PARSER_CLASSES": [
        "platform_core.request_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"auth": "20/min", "queue_join": "10/min", "booking": "60/min"},
    # Throttles key on the client address: REMOTE_ADDR, or the address NUM_PROXIES trusted
    # proxies put into X-Forwarded-For. Unset, DRF would trust a client-sent header as is.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Virtuelles Bürgerbüro API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each choice set after what it describes.
    "ENUM_NAME_OVERRIDES": {
        "OfficeStatusEnum": ["open", "busy", "closed"],
        "TicketStatusEnum": "scheduling.queue.models.Ticket.Status",
        "AppointmentStatusEnum": "scheduling.appointments.models.Appointment.Status",
        "PresenceEnum": "offices.models.StaffMember.Presence",
        "ModeEnum": "offices.models.Mode",
        "MunicipalityStatusEnum": "tenants.models.Municipality.Status",
    },
}

# Deepest JSON nesting a request body may have (Python's parser recurses once per level).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

# --- Celery (tenant-schemas-celery: every task runs in the schema it was sent from) ---------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# Folders of the filesystem broker (the default, needs no server).
CELERY_FILESYSTEM_DIR = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(DATA_DIR / "celery")))
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celery" / "beat-schedule")
# Entries without "tenant_schemas" run once in every municipality's schema
# (platform_core.beat.TenantBeatScheduler, used by `make run`).
# Readiness (/readyz): beat sends the worker a heartbeat task every HEARTBEAT_SECONDS; a worker
# or beat silent for HEARTBEAT_STALE_SECONDS makes the platform not ready.
HEARTBEAT_SECONDS = env.float("HEARTBEAT_SECONDS", default=15.0)
HEARTBEAT_STALE_SECONDS = env.float("HEARTBEAT_STALE_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE: dict = {
    "worker-heartbeat": {
        "task": "health.tasks.worker_heartbeat",
        "schedule": HEARTBEAT_SECONDS,
        "tenant_schemas": ["public"],
        "options": {"expires": HEARTBEAT_STALE_SECONDS},
    },
    "expire-stale-presence": {"task": "offices.tasks.expire_stale_presence", "schedule": 60.0},
    "queue-no-show-timeout": {"task": "scheduling.queue_tasks.expire_no_shows", "schedule": 60.0},
    "queue-expire-at-closing": {
        "task": "scheduling.queue_tasks.expire_at_closing",
        "schedule": 60.0,
    },
    "purge-personal-data": {
        "task": "scheduling.queue_tasks.purge_personal_data",
        "schedule": crontab(hour=3, minute=15),
    },
    "video-remote-cleanup": {"task": "videoconf.tasks.retry_remote_cleanup", "schedule": 300.0},
    "send-appointment-reminders": {
        "task": "scheduling.booking_tasks.send_appointment_reminders",
        "schedule": 300.0,
    },
    "open-appointment-video-sessions": {
        "task": "scheduling.booking_tasks.open_appointment_video_sessions",
        "schedule": 60.0,
    },
    # Billing: one task each in the public schema, scanning all billing accounts
    # (platform_core.beat.TenantBeatScheduler runs entries naming "public" there).
    "billing-suspend-overdue": {
        "task": "billing.tasks.suspend_overdue",
        "schedule": 3600.0,
        "tenant_schemas": ["public"],
    },
    "billing-sync-pending": {
        "task": "billing.tasks.sync_pending_accounts",
        "schedule": 600.0,
        "tenant_schemas": ["public"],
    },
    "billing-report-usage": {
        "task": "billing.tasks.report_usage",
        "schedule": crontab(day_of_month="1", hour=2, minute=30),
        "tenant_schemas": ["public"],
    },
}

# --- product defaults ------------------------------------------------------------------------
# An official whose console has not been seen for this long counts as away (no ghost "open").
PRESENCE_STALE_MINUTES = env.int("PRESENCE_STALE_MINUTES", default=10)
# No new video tickets for an official whose appointment starts within this many minutes.
QUEUE_APPOINTMENT_GUARD_MINUTES = env.int("QUEUE_APPOINTMENT_GUARD_MINUTES", default=10)
# A called citizen who has not joined the video after this long becomes a no-show.
QUEUE_NO_SHOW_MINUTES = env.int("QUEUE_NO_SHOW_MINUTES", default=5)
# Lifetime of the per-office queue snapshot behind the citizens' status polling (seconds).
QUEUE_SNAPSHOT_SECONDS = env.int("QUEUE_SNAPSHOT_SECONDS", default=1)
OFFICE_STATUS_CACHE_SECONDS = env.int("OFFICE_STATUS_CACHE_SECONDS", default=3)
QUEUE_DEFAULT_SESSION_MINUTES = env.int("QUEUE_DEFAULT_SESSION_MINUTES", default=10)
# Appointments: clean-up time after each one, the slot grid, bookings per e-mail and office,
# when the reminder goes out and when a video appointment's meeting is opened.
BOOKING_BUFFER_MINUTES = env.int("BOOKING_BUFFER_MINUTES", default=5)
BOOKING_SLOT_STEP_MINUTES = env.int("BOOKING_SLOT_STEP_MINUTES", default=15)
BOOKING_MAX_ACTIVE_PER_EMAIL = env.int("BOOKING_MAX_ACTIVE_PER_EMAIL", default=3)
BOOKING_REMINDER_HOURS = env.int("BOOKING_REMINDER_HOURS", default=24)
BOOKING_VIDEO_OPEN_MINUTES = env.int("BOOKING_VIDEO_OPEN_MINUTES", default=10)
# Appointment mails: retries after a failing mail server, the first after this many seconds,
# each further one after twice as long (60 s … 16 min: about half an hour in all).
BOOKING_MAIL_MAX_RETRIES = env.int("BOOKING_MAIL_MAX_RETRIES", default=5)
BOOKING_MAIL_RETRY_SECONDS = env.float("BOOKING_MAIL_RETRY_SECONDS", default=60.0)

# --- integrations --------------------------------------------------------------------------
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# German public bodies pay by invoice: `send_invoice`, due after STRIPE_DAYS_UNTIL_DUE days.
# A local fake (STRIPE_API_BASE set, e.g. localstripe) knows only `charge_automatically`, and
# onboarding then gives the customer the fake's accepting test card (see README, Stripe).
STRIPE_COLLECTION_METHOD = env.str(
    "STRIPE_COLLECTION_METHOD",
    default="charge_automatically" if STRIPE_API_BASE else "send_invoice",
)
STRIPE_DAYS_UNTIL_DUE = env.int("STRIPE_DAYS_UNTIL_DUE", default=30)
# The card a local fake's customers get (localstripe: 4242… pays, 4000000000000341 declines).
STRIPE_DEV_TEST_CARD = env.str("STRIPE_DEV_TEST_CARD", default="4242424242424242")
# Every Stripe call: timeout (s); retries of connection errors and 5xx inside the call (the
# library's, with our idempotency key); a 429's Retry-After is honoured up to this long, at
# most STRIPE_RATE_LIMIT_RETRIES times, before the Celery task retries later with backoff.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_MAX_RETRY_AFTER_SECONDS = env.float("STRIPE_MAX_RETRY_AFTER_SECONDS", default=10.0)
STRIPE_RATE_LIMIT_RETRIES = env.int("STRIPE_RATE_LIMIT_RETRIES", default=3)
# Days a municipality stays `past_due` (banner for its admins) before it is suspended.
BILLING_GRACE_PERIOD_DAYS = env.int("BILLING_GRACE_PERIOD_DAYS", default=14)
BILLING_VAT_PERCENT = env.int("BILLING_VAT_PERCENT", default=19)
# The vendor as seller on every invoice and e-invoice (XRechnung needs address, contact,
# VAT ID and the bank account for credit transfers).
BILLING_SELLER = env.json(
    "BILLING_SELLER",
    default={
        "name": "Virtuelles Bürgerbüro GmbH",
        "street": "Musterstraße 1",
        "postal_code": "93047",
        "city": "Regensburg",
        "country": "DE",
        "vat_id": "DE123456789",
        "contact_name": "Buchhaltung",
        "phone": "+49 941 000000",
        "email": "rechnung@example.org",
        "iban": "DE02120300000000202051",
        "bic": "BYLADEM1001",
    },
)
WEBEX_API_BASE = env.str("WEBEX_API_BASE", default="https://webexapis.com/v1")
# Every Webex call: timeout (s), retries of 5xx/connection errors with exponential backoff, and
# the longest Retry-After of a 429 we wait for inside a request before giving up.
WEBEX_TIMEOUT_SECONDS = env.float("WEBEX_TIMEOUT_SECONDS", default=10.0)
WEBEX_MAX_RETRIES = env.int("WEBEX_MAX_RETRIES", default=3)
WEBEX_BACKOFF_BASE_SECONDS = env.float("WEBEX_BACKOFF_BASE_SECONDS", default=0.5)
WEBEX_MAX_RETRY_AFTER_SECONDS = env.float("WEBEX_MAX_RETRY_AFTER_SECONDS", default=10.0)
# Hosts a municipality may enter as its Webex API base (empty = any; production: Webex only).
WEBEX_API_BASE_ALLOWED_HOSTS = env.list(
    "WEBEX_API_BASE_ALLOWED_HOSTS", default=["webexapis.com"] if IS_PRODUCTION else []
)
# Built-in video: ICE servers handed to RTCPeerConnection, e.g.
# [{"urls": "stun:stun.example.org"}, {"urls": "turn:turn.example.org", "username": "u",
# "credential": "p"}]. Empty = host candidates only, which is enough on localhost.
VIDEO_ICE_SERVERS = env.json("VIDEO_ICE_SERVERS", default=[])
SENTRY_DSN = env.str("SENTRY_DSN", default="")

# --- logging: every line carries its tenant --------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "platform_core.logging.TenantContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(schema_name)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tenant"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from platform_core.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=DJANGO_ENV)
