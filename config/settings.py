"""Django settings for Gongjian. Every deploy-specific value comes from the environment (see
``.env.example``); nothing here needs editing to deploy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; production must set SECRET_KEY.
_DEV_SECRET_KEY = "gongjian-development-only-not-secret"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfiguredEnv("SECRET_KEY is required when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "gongjian.core.admin_config.GongjianAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "captcha",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "gongjian.core",
    "gongjian.organizations",
    "gongjian.accounts",
    "gongjian.api",
    "gongjian.inspections",
    "gongjian.assessments",
    "gongjian.participation",
    "gongjian.archives",
    "gongjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongjian.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "gongjian.participation.middleware.IdNumberKeyMiddleware",
    # Last, so that it sees failed logins from every view above it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "csp.context_processors.nonce",
                "gongjian.core.context_processors.navigation",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'gongjian.sqlite3'}"
if not env_str("DATABASE_URL", ""):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "gongjian.accounts.backends.AddressThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account for an address after repeated wrong passwords: the lockout is keyed on the
# username AND the address together, so a stranger failing from elsewhere cannot lock a real user
# out (the user still signs in from their own address). Wrong passwords from one address across
# any accounts (password spraying) are limited separately (LOGIN_FAILURES_PER_ADDRESS, below).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gongjian.accounts.lockout.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "gongjian.accounts.throttles.client_ip"
# The client's address: REMOTE_ADDR, or — behind PROXY_COUNT trusted reverse proxies — the address
# they appended to X-Forwarded-For (the same rule for axes, the throttles and DRF).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
# Wrong passwords from one address (any usernames, login page, API and admin together) within a
# window before the address must wait: higher than the per-account limit, since an office's
# computers share one address.
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
# API tokens (django-rest-knox: several per user, stored hashed, each with an expiry).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 7)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# Shared cache (rate limits, throttles): Redis when REDIS_URL is set (several app nodes); else
# memory of one process — enough for a single-process server, not shared between nodes.
REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongjian"}
}

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_FROM_BROWSER = env_bool("LANGUAGE_FROM_BROWSER", default=False)
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- files ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- inspections ------------------------------------------------------------------------
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_MB", 15) * 1024 * 1024
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_MEGAPIXELS", 40) * 1_000_000
PHOTO_MAX_COUNT = env_int("PHOTO_MAX_COUNT", 9)
# A new problem of the same category this close to a recently closed one is a relapse (回潮).
RELAPSE_DISTANCE_METERS = env_int("RELAPSE_DISTANCE_METERS", 50)
# The same reporter reporting the same unit, category and photo (SHA-256) again within this many
# minutes is told it was already reported (a double tap or a retried upload), not recorded twice.
PROBLEM_DUPLICATE_WINDOW_MINUTES = env_int("PROBLEM_DUPLICATE_WINDOW_MINUTES", 10)
# Map tiles: a URL template like https://tiles.example/{z}/{x}/{y}.png on the intranet. Empty:
# markers on a plain background (no outside tile server is ever contacted).
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
MAP_CENTER = [float(x) for x in env_list("MAP_CENTER", ["29.30", "120.08"])]
# Request bodies: photos are checked one by one; this bounds the whole multipart request.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_MB", 60) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- archives ---------------------------------------------------------------------------
ARCHIVE_FILE_MAX_BYTES = env_int("ARCHIVE_FILE_MAX_MB", 20) * 1024 * 1024
# A photo taken more than this many days away from its record's date (or span) is flagged.
ARCHIVE_PHOTO_DATE_TOLERANCE_DAYS = env_int("ARCHIVE_PHOTO_DATE_TOLERANCE_DAYS", 7)
# Two photos whose perceptual hashes differ in at most this many of 64 bits are "the same photo".
ARCHIVE_PHASH_DISTANCE = env_int("ARCHIVE_PHASH_DISTANCE", 6)
# How binders are built in the background: "thread" (inside the web process; enough for one
# office), "worker" (queued for `manage.py binder_worker`), or "inline" (in the request; tests).
# Background work goes through Django's task API (the django-tasks backport on 5.2). Default: the
# database queue, worked by `manage.py db_worker`; TASK_BACKEND=immediate runs tasks in the caller.
TASK_BACKENDS_BY_NAME = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASK_BACKEND = env_str("TASK_BACKEND", "database")
if TASK_BACKEND not in TASK_BACKENDS_BY_NAME:
    raise ImproperlyConfiguredEnv(f"TASK_BACKEND must be one of {sorted(TASK_BACKENDS_BY_NAME)}, not {TASK_BACKEND!r}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS_BY_NAME[TASK_BACKEND]}}

BINDER_RUNNER = env_str("BINDER_RUNNER", "thread")
# A running binder whose worker has shown no sign of life for this long is retried (once) or failed.
BINDER_STALE_SECONDS = env_int("BINDER_STALE_SECONDS", 120)
BINDER_MAX_ATTEMPTS = env_int("BINDER_MAX_ATTEMPTS", 2)
# The assessment's evidence items are scored by the archive's completeness (the assessments app
# does not import the archives, which build on it; empty: evidence items are scored by hand).
ASSESSMENT_EVIDENCE_SCORER = "gongjian.archives.scoring.losses"

# --- personal data -----------------------------------------------------------------------
# Fernet key that encrypts volunteers' ID numbers (and keys their duplicate-check hash), so a
# database dump alone does not reveal them. Required when DEBUG is off; generate one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Keep it safe: without it the stored ID numbers cannot be read back.
ID_NUMBER_KEY = env_str("ID_NUMBER_KEY", "")
# Import leftovers (`manage.py purge_imports`, also run after each upload): a sheet uploaded for
# preview and neither confirmed nor cancelled is deleted after this many hours; the sheet of rows
# that were not imported after this many days.
IMPORT_PREVIEW_TTL_HOURS = env_int("IMPORT_PREVIEW_TTL_HOURS", 24)
IMPORT_ERRORS_TTL_DAYS = env_int("IMPORT_ERRORS_TTL_DAYS", 7)

# --- security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind an HTTPS-terminating proxy set these (see .env.example).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
if env_bool("BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "gongjian.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        # Requests per address to the token endpoint (right or wrong passwords alike).
        "token": env_str("API_TOKEN_RATE", "20/min"),
        # Public volunteer sign-ups per address.
        "sign_up": env_str("SIGN_UP_RATE", "10/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "gongjian.api.schema.GongjianAutoSchema",
    "EXCEPTION_HANDLER": "gongjian.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gongjian API",
    "DESCRIPTION": "社区共建 — community co-construction platform for a city's 三创办.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its docs page need sign-in in production (they map every endpoint).
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny" if DEBUG else "rest_framework.permissions.IsAuthenticated"
    ],
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
