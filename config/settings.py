"""Django settings for Gongjian. Every deploy-specific value comes from the environment (see
``.env.example``); nothing here needs editing to deploy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str, load_dotenv
from config.maptiles import tile_origins

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
    "gongjian.documents",
    "gongjian.residents",
    "gongjian.surveys",
    "gongjian.demo",
    "gongjian.dashboard",
    "gongjian.suggestions",
    "gongjian.plans",
    "gongjian.notices",
    "gongjian.boards",
    "gongjian.selections",
    "gongjian.materials",
    "gongjian.campaigns",
    "gongjian.funds",
    "gongjian.creation",
    "gongjian.competitions",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id. Then a body over REQUEST_MAX_BYTES is
    # refused (413) before anything reads it; /healthz answers before the host check, the HTTPS
    # redirect, sessions and users (gongjian/core/health.py).
    "gongjian.core.request_id.RequestIdMiddleware",
    "gongjian.core.middleware.RequestSizeLimitMiddleware",
    "gongjian.core.health.HealthCheckMiddleware",
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
                "gongjian.notices.context_processors.inbox",
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
# Argon2id first (docs/decisions/0004-password-hasher.md); the others verify older hashes, which
# are re-hashed with Argon2id at the user's next sign-in.
PASSWORD_HASHERS = [
    "gongjian.accounts.hashers.GongjianArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
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
# Failures are counted in the database (axes' database handler), so every app node sees the same count.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gongjian.accounts.lockout.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "gongjian.accounts.throttles.client_ip"
# The client's address: REMOTE_ADDR, or — behind PROXY_COUNT trusted reverse proxies — the address
# they appended to X-Forwarded-For (the same rule for axes, the throttles and DRF). BEHIND_PROXY /
# BEHIND_HTTPS_PROXY (below) make it 1 unless PROXY_COUNT says otherwise.
PROXY_COUNT = env_int(
    "PROXY_COUNT", 1 if env_bool("BEHIND_PROXY", default=env_bool("BEHIND_HTTPS_PROXY", default=False)) else 0
)
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
# Uploaded and generated files: local disk (MEDIA_ROOT) for one machine, or an S3-compatible
# bucket shared by every node and worker (STORAGE_BACKEND=s3). Files are private either way: they
# are streamed by views after the reader's scope check, never linked to (gongjian/core/storage.py).
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "gongjian.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            # Empty: boto3's own chain (AWS_* variables, instance role).
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            # "path" for most self-hosted servers (MinIO, Ceph), "virtual" for AWS and most clouds.
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "") or None,
            "location": env_str("S3_PREFIX", "").strip("/"),
            "verify": env_str("S3_CA_BUNDLE", "") or None,
        },
    }
else:
    raise ImproperlyConfiguredEnv(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
if STORAGE_BACKEND == "s3" and _default_storage["OPTIONS"]["addressing_style"] not in (None, "path", "virtual", "auto"):
    raise ImproperlyConfiguredEnv("S3_ADDRESSING_STYLE must be path, virtual or auto.")
# The CJK fonts documents are set in, laid out here from npm by scripts/copy_fonts.py (gongjian/core/fonts.py).
FONT_DIR = Path(env_str("FONT_DIR", str(BASE_DIR / "fonts")))
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Backups (manage.py backup / restore): where pg_dump and pg_restore of the server's major version
# live when the ones on PATH are another version, e.g. /usr/lib/postgresql/15/bin.
PG_BIN_DIR = env_str("PG_BIN_DIR", "")

# --- inspections ------------------------------------------------------------------------
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_MB", 15) * 1024 * 1024
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_MEGAPIXELS", 40) * 1_000_000
PHOTO_MAX_COUNT = env_int("PHOTO_MAX_COUNT", 9)
# Open311 discovery (gongjian/residents/open311.py): who to contact, where applications ask for keys.
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "三创办 (city office)")
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "Ask the city office for a key: /residents/office/open311-keys/")
# A new problem of the same category this close to a recently closed one is a relapse (回潮).
RELAPSE_DISTANCE_METERS = env_int("RELAPSE_DISTANCE_METERS", 50)
# The same reporter reporting the same unit, category and photo (SHA-256) again within this many
# minutes is told it was already reported (a double tap or a retried upload), not recorded twice.
PROBLEM_DUPLICATE_WINDOW_MINUTES = env_int("PROBLEM_DUPLICATE_WINDOW_MINUTES", 10)
# Map tiles (docs/map.md, docs/deployment.md): a Leaflet URL template like
# https://tiles.example/{z}/{x}/{y}.png on the intranet, or the city's 天地图 with its key. Empty:
# boundaries and markers on a plain background (no outside tile server is ever contacted).
# MAP_TILE_OVERLAY_URL: a second, transparent layer drawn above (天地图's place names, cva_w).
# {s} in a host is replaced by MAP_TILE_SUBDOMAINS; the tile hosts are added to the CSP's img-src.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_OVERLAY_URL = env_str("MAP_TILE_OVERLAY_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
MAP_TILE_MAX_ZOOM = env_int("MAP_TILE_MAX_ZOOM", 18)
MAP_TILE_SUBDOMAINS = env_list("MAP_TILE_SUBDOMAINS", [])
MAP_CENTER = [float(x) for x in env_list("MAP_CENTER", ["29.30", "120.08"])]
# At most this many problems (the most recent) and unit boundaries on the map at once.
MAP_MAX_PROBLEMS = env_int("MAP_MAX_PROBLEMS", 3000)
MAP_MAX_BOUNDARIES = env_int("MAP_MAX_BOUNDARIES", 3000)
MAP_TILE_ORIGINS = list(
    dict.fromkeys(
        tile_origins(MAP_TILE_URL, MAP_TILE_SUBDOMAINS) + tile_origins(MAP_TILE_OVERLAY_URL, MAP_TILE_SUBDOMAINS)
    )
)
# Request bodies (gongjian/core/middleware.py, gongjian/api/parsers.py): a whole request larger than
# UPLOAD_MAX_MB is refused with 413 before it is read; form fields and JSON are read into memory up
# to FORM_MAX_MB; an uploaded file larger than FILE_UPLOAD_MAX_MEMORY_SIZE streams to a temporary
# file instead of memory. Photos and archive files are then checked one by one.
REQUEST_MAX_BYTES = env_int("UPLOAD_MAX_MB", 60) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FORM_MAX_MB", 10) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [  # Django's own, with every file name shortened safely
    "gongjian.core.uploads.ShortNameMemoryFileUploadHandler",
    "gongjian.core.uploads.ShortNameTemporaryFileUploadHandler",
]
# JSON nested deeper than this is a 400; text without a max_length of its own is bounded by this.
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32)
TEXT_MAX_LENGTH = env_int("TEXT_MAX_LENGTH", 10_000)

# --- archives ---------------------------------------------------------------------------
ARCHIVE_FILE_MAX_BYTES = env_int("ARCHIVE_FILE_MAX_MB", 20) * 1024 * 1024
# No form or API field accepts a single file larger than the largest any service accepts; checked
# from the upload's size before it is read (gongjian/core/inputs.py).
UPLOAD_FILE_MAX_BYTES = max(PHOTO_MAX_BYTES, ARCHIVE_FILE_MAX_BYTES)
# A photo taken more than this many days away from its record's date (or span) is flagged.
ARCHIVE_PHOTO_DATE_TOLERANCE_DAYS = env_int("ARCHIVE_PHOTO_DATE_TOLERANCE_DAYS", 7)
# Two photos whose perceptual hashes differ in at most this many of 64 bits are "the same photo".
ARCHIVE_PHASH_DISTANCE = env_int("ARCHIVE_PHASH_DISTANCE", 6)
# Background work goes through Django's task API (the django-tasks backport on 5.2). Default: the
# database queue, worked by `manage.py db_worker`; TASK_BACKEND=immediate runs tasks in the caller;
# TASK_BACKEND=rq queues them in Redis (REDIS_URL) for `manage.py rqworker` (docs/deployment.md).
TASK_BACKENDS_BY_NAME = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASK_BACKEND = env_str("TASK_BACKEND", "database")
if TASK_BACKEND not in TASK_BACKENDS_BY_NAME:
    raise ImproperlyConfiguredEnv(f"TASK_BACKEND must be one of {sorted(TASK_BACKENDS_BY_NAME)}, not {TASK_BACKEND!r}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS_BY_NAME[TASK_BACKEND]}}
# The Redis queue (TASK_BACKEND=rq): django-rq holds the connection, `manage.py rqworker
# --job-class django_tasks_rq.Job default` works it.
TASK_REDIS_URL = env_str("TASK_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": TASK_REDIS_URL}}
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
# A job (gongjian.core.jobs) that fails or whose worker dies is run again until it has been tried
# this many times, then failed with a message; retries after an error wait JOB_RETRY_DELAY_SECONDS
# × the attempt number (on backends that can defer). A running job with no sign of life (progress
# report) for JOB_STALE_SECONDS is taken as lost even when its worker still lives.
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 2)
JOB_RETRY_DELAY_SECONDS = env_int("JOB_RETRY_DELAY_SECONDS", 10)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 1800)
# An export (problems, volunteers, activities) of more rows than this is made in the background.
EXPORT_JOB_ROWS = env_int("EXPORT_JOB_ROWS", 5000)
# The assessment's evidence items are scored by the archive's completeness (the assessments app
# does not import the archives, which build on it; empty: evidence items are scored by hand).
ASSESSMENT_EVIDENCE_SCORER = "gongjian.archives.scoring.losses"
# satisfaction_rate items: the residents' surveys (gongjian/surveys/feed.py).
ASSESSMENT_SURVEY_RATES = "gongjian.surveys.feed.rates"
# Counts archive records changed since a moment (a month's computation is then stale).
ASSESSMENT_EVIDENCE_CHANGES = "gongjian.archives.scoring.changes_since"
# positions_fresh_rate items: the propaganda positions (宣传阵地) updated on time as of the month's
# end, and the updates recorded or removed since a computation (gongjian/materials/feed.py).
ASSESSMENT_POSITION_FRESHNESS = "gongjian.materials.feed.freshness"
ASSESSMENT_POSITION_CHANGES = "gongjian.materials.feed.changes_since"

# --- documents (公文) ------------------------------------------------------------------------
# The issuing organ's prefix in a bulletin's document number (发文机关代字), e.g. 青三创办 gives
# 青三创办〔2026〕12号; empty: the city's name without 市, then 三创办.
DOCUMENT_ORGAN_PREFIX = env_str("DOCUMENT_ORGAN_PREFIX", "")
# Whom a bulletin is copied to (抄送, in its 版记), e.g. 市委办公室，市政府办公室; empty: no 抄送 line.
DOCUMENT_COPY_TO = env_str("DOCUMENT_COPY_TO", "")

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
# Behind a reverse proxy (deploy/nginx/gongjian.conf): trust the Host it forwards
# (X-Forwarded-Host); the client address is the one it appended to X-Forwarded-For (PROXY_COUNT).
# BEHIND_HTTPS_PROXY also trusts X-Forwarded-Proto, so Django knows the request came over HTTPS.
# Never turn these on when clients can reach the app directly: they could forge the headers.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", default=False)
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=BEHIND_HTTPS_PROXY)
if BEHIND_PROXY:
    USE_X_FORWARDED_HOST = True
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # blob: the field app previews a photo on the phone before (or without) sending it.
        "img-src": [SELF, "data:", "blob:", *MAP_TILE_ORIGINS],
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
    # JSON bounded in size and depth (a form body and a multipart upload are bounded by Django).
    "DEFAULT_PARSER_CLASSES": [
        "gongjian.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        # Requests per address to the token endpoint (right or wrong passwords alike).
        "token": env_str("API_TOKEN_RATE", "20/min"),
        # Public volunteer sign-ups per address.
        "sign_up": env_str("SIGN_UP_RATE", "10/hour"),
        # Residents' reports (gongjian/residents/limits.py): per address, per device, per phone.
        "resident_report": env_str("RESIDENT_REPORT_RATE", "20/hour"),
        "resident_device": env_str("RESIDENT_DEVICE_RATE", "10/hour"),
        "resident_phone": env_str("RESIDENT_PHONE_RATE", "10/day"),
        "resident_support": env_str("RESIDENT_SUPPORT_RATE", "60/hour"),
        # Satisfaction survey answers per network address (gongjian/surveys/views.py).
        "survey_answer": env_str("SURVEY_ANSWER_RATE", "30/hour"),
        "open311_read": env_str("OPEN311_READ_RATE", "120/min"),
        "open311_key": env_str("OPEN311_KEY_RATE", "60/min"),
        # Public votes of a selection (gongjian/selections), per address.
        "selection_vote": env_str("SELECTION_VOTE_RATE", "30/hour"),
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

# --- cache and sessions ----------------------------------------------------------------------
# Several app nodes share one Redis (REDIS_URL, e.g. redis://127.0.0.1:6379/0): the cache, and
# the sessions read through it (cached_db: written to the database too, so a Redis restart signs
# nobody out). Without Redis: a per-process memory cache, and sessions in the database only (a
# per-process cache in front of them would keep a signed-out session alive in other processes).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "gongjian"),
            "TIMEOUT": 300,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongjian"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Per process on purpose: each user's grants, kept under the access stamp read with the user on
# every request (gongjian/accounts/access.py), so it is never stale and never needs sharing.
CACHES["access"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "gongjian-access",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# --- logs -------------------------------------------------------------------------------------
# One line per event on standard error; LOG_FORMAT=json for one JSON object per line (for a log
# collector). Every line carries the request id (X-Request-ID) of the request or task it belongs to.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfiguredEnv(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gongjian.core.request_id.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "gongjian.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One line per request comes from gongjian.request; Django's own would repeat 4xx/5xx.
        "django.request": {"level": "ERROR"},
    },
}


# --- notifications (gongjian/notices, docs/plans.md) ------------------------------------------------
# Besides the in-app inbox: a group-robot webhook (企业微信/钉钉 style, a JSON POST) and email, each
# only when configured. SITE_URL makes the links in them absolute.
NOTIFY_WEBHOOK_URL = env_str("NOTIFY_WEBHOOK_URL", "")
NOTIFY_EMAIL = env_bool("NOTIFY_EMAIL", False)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
SITE_URL = env_str("SITE_URL", "").rstrip("/")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gongjian@localhost")

# --- 评选 (gongjian/selections, docs/residents.md) -------------------------------------------------
# A burst: at least this many votes from one address, or from one /24 network, within the window.
SELECTION_BURST_MINUTES = env_int("SELECTION_BURST_MINUTES", 10)
SELECTION_BURST_PER_ADDRESS = env_int("SELECTION_BURST_PER_ADDRESS", 20)
SELECTION_BURST_PER_NETWORK = env_int("SELECTION_BURST_PER_NETWORK", 50)
# --- materials and propaganda positions (gongjian/materials, docs/materials.md) -----------------------
MATERIAL_AUDIO_MAX_BYTES = env_int("MATERIAL_AUDIO_MAX_MB", 30) * 1024 * 1024
# Days within which each kind of propaganda position must be updated (defaults in materials/stale.py).
POSITION_UPDATE_DAYS: dict[str, int] = {}
UPLOAD_FILE_MAX_BYTES = max(UPLOAD_FILE_MAX_BYTES, MATERIAL_AUDIO_MAX_BYTES)  # a recording may be larger than a photo

# --- activity plans (方案, gongjian/participation/activity_plans.py, docs/participation.md) ----------
# On: an activity planned in advance from now on cannot be held before the level above approved its
# plan. Activities planned before this setting existed, and activities recorded after the fact, are
# not held back.
ACTIVITY_PLAN_REQUIRED = env_bool("ACTIVITY_PLAN_REQUIRED", True)
# Days ahead an activity without an approved plan is reminded (gongjian/notices/reminders.py).
ACTIVITY_PLAN_REMIND_DAYS = env_int("ACTIVITY_PLAN_REMIND_DAYS", 3)
