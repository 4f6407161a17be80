"""Settings come from the environment; the defaults suit the project-local cluster under var/."""

import json
import os
import secrets
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)


def local_secret_key(path: Path) -> str:
    """A random key made once per checkout and kept in var/ (never committed)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(key)
            return key
        except FileExistsError:  # another process made it first
            return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if os.environ.get("GEO_REQUIRE_SECRET_KEY"):
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment")
    SECRET_KEY = local_secret_key(BASE_DIR / "var" / "secret_key")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

# Real data is read in place from here, never copied into the repository.
GEO_DATA_DIR = Path(os.environ.get("GEO_DATA_DIR", BASE_DIR.parent / "shared" / "data")).resolve()

# The project-local cluster listens on a Unix socket in var/pg/run (a URL-encoded path as the host).
_socket = quote(str(BASE_DIR / "var" / "pg" / "run"), safe="")
_default_db = f"postgis://geo@{_socket}:{os.environ.get('GEO_PGPORT', '54329')}/geo"
# Health checks: after a database restart a worker drops its dead connection instead of failing once.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=True
    )
}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Separate names let several test runs share one cluster (e.g. parallel work on one machine).
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEO_TEST_DB", "test_geo")}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "boundaries",
    "routing",
    "complaints",
    "photos",
    "access",
    "open311",
    "subscriptions",
    "ogc",
    "procrastinate.contrib.django",
    "delivery",
    "oversight",
    "web",
    "workspace",
    "api",
    "ops",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "corsheaders",
]

MIDDLEWARE = [
    "access.client.ClientAddress",
    "corsheaders.middleware.CorsMiddleware",
    "geo.http.timeouts.StatementTimeout",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.BodySizeLimit",
    "api.middleware.RejectNul",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "workspace.language.WorkspaceLanguage",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out admin login into a 429 page (the API's Basic auth answers its own 429).
    "axes.middleware.AxesMiddleware",
]

# People's sessions (workspace, admin): a working day at most, not beyond the browser's life.
LOGIN_URL = LOGOUT_REDIRECT_URL = "/work/signin/"
LOGIN_REDIRECT_URL = "/work/"
SESSION_COOKIE_AGE = int(os.environ.get("GEO_SESSION_HOURS", "12")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# A password link stays valid this long (the officer sets a password from the e-mail).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("GEO_PASSWORD_LINK_HOURS", "72")) * 3600

ROOT_URLCONF = "geo.urls"
WSGI_APPLICATION = "geo.wsgi.application"
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
            ]
        },
    }
]

LANGUAGE_CODE = "en"
# The workspace's languages: Thai by default, English by choice (workspace/language.py).
LANGUAGES = [("th", "ไทย"), ("en", "English")]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Static files (admin, API docs, map page) served by the app itself, straight from the packages.
WHITENOISE_USE_FINDERS = True
# Front-end libraries come from npm (web/package.json), installed by scripts/bootstrap.sh.
STATICFILES_DIRS = [
    ("vendor/maplibre-gl", BASE_DIR / "web" / "node_modules" / "maplibre-gl" / "dist"),
    ("vendor/htmx", BASE_DIR / "web" / "node_modules" / "htmx.org" / "dist"),
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A batch of 10,000 points as GeoJSON is about 2 MB; larger bodies get a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "geo.http.drf.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser", "api.parsers.GeoJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.auth.IntakeKeyAuthentication",
        "access.auth.GuardedBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["access.throttling.RateThrottle"],
    # The client address is settled once by access.client.ClientAddress; never read X-Forwarded-For.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "intake_key": os.environ.get("GEO_RATE_PER_KEY", "6000/min"),
        "ip": os.environ.get("GEO_RATE_PER_IP", "3000/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # `format=geojson` is ours to read, not DRF's renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Complaints' non-personal fields are readable by anyone unless this is off.
GEO_PUBLIC_READ = env_bool("GEO_PUBLIC_READ", True)

# Deadlines (complaints/deadlines.py): the first answer is due within GEO_RESPONSE_HOURS, the work
# within the category's target hours, or GEO_TARGET_HOURS_BY_KIND for an agency kind (JSON, e.g.
# {"province_hall": 120}); agencies are reminded GEO_REMINDER_HOURS before a deadline.
GEO_RESPONSE_HOURS = float(os.environ.get("GEO_RESPONSE_HOURS", "24"))
GEO_REMINDER_HOURS = float(os.environ.get("GEO_REMINDER_HOURS", "4"))
GEO_TARGET_HOURS_BY_KIND = json.loads(os.environ.get("GEO_TARGET_HOURS_BY_KIND") or "{}")
# Duplicate candidates (complaints/duplicates.py, docs/duplicates.md): per-category radius in metres
# and window in days, as JSON overriding the defaults, e.g. {"street_light": [80, 10]}; and how many
# candidates an answer carries at most.
GEO_DUPLICATE_WINDOWS = json.loads(os.environ.get("GEO_DUPLICATE_WINDOWS") or "{}")
GEO_DUPLICATE_LIMIT = int(os.environ.get("GEO_DUPLICATE_LIMIT", "10"))
# How often the workers run the escalation sweep, and look for subscription pushes nothing woke
# (changes still behind the feed's horizon when their nudge ran): cron lines, with seconds if six fields.
GEO_ESCALATION_CRON = os.environ.get("GEO_ESCALATION_CRON", "* * * * *")
GEO_SUBSCRIPTION_SWEEP_CRON = os.environ.get("GEO_SUBSCRIPTION_SWEEP_CRON", "* * * * * */10")

# "Is it fixed?" (complaints/confirmation.py): the reporter may answer within this many days of the
# complaint being finished; an agency is ranked by its ratings once it has at least this many.
GEO_CONFIRMATION_DAYS = float(os.environ.get("GEO_CONFIRMATION_DAYS", "14"))
GEO_RATING_MIN_COUNT = int(os.environ.get("GEO_RATING_MIN_COUNT", "5"))
# Personal data (complaints/retention.py, docs/personal-data.md): the reporter's name and contact, and
# phone and ID numbers in the text, are removed this many days after a complaint is closed; the
# workers look once a day.
GEO_RETENTION_DAYS = float(os.environ.get("GEO_RETENTION_DAYS", "365"))
GEO_RETENTION_CRON = os.environ.get("GEO_RETENTION_CRON", "17 3 * * *")
# The daily digest per agency (oversight/digest.py), UTC: 07:00 in Thailand; sent once a day.
GEO_DIGEST_CRON = os.environ.get("GEO_DIGEST_CRON", "0 0 * * *")

SPECTACULAR_SETTINGS = {
    "TITLE": "Thailand complaint routing engine",
    "DESCRIPTION": "Point -> jurisdictions -> responsible agency, with reasons; complaint intake and tracking.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets shared by several answers (api/shapes.py, complaints/representations/types.py).
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.lifecycle.STATES",
        "RouteStatusEnum": ["matched", "snapped", "unmatched"],
        "FeatureEnum": ["Feature"],
        "FeatureCollectionEnum": ["FeatureCollection"],
        "PointEnum": ["Point"],
    },
}

# GDAL 3.6 (Debian 12) cannot block file/network access from spatial reference strings; the
# API never passes user-supplied SRS text to GDAL (only EPSG codes chosen by operators on import).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Behind a TLS-terminating load balancer (GEO_HTTPS=1): secure cookies, HSTS, redirect to https,
# except the probes the balancer sends to each node over plain HTTP.
GEO_HTTPS = env_bool("GEO_HTTPS", False)
if GEO_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^api/v1/health$"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("GEO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GEO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("GEO_HSTS_PRELOAD", True)
else:
    # Plain HTTP on loopback (make run, the tests): the checks that presume TLS do not apply.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]

# Deliveries to agencies (delivery/): retried with back-off within a window, then dead.
GEO_PUBLIC_URL = os.environ.get("GEO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
GEO_DELIVERY_WINDOW_HOURS = float(os.environ.get("GEO_DELIVERY_WINDOW_HOURS", "24"))
GEO_DELIVERY_BACKOFF_BASE_S = float(os.environ.get("GEO_DELIVERY_BACKOFF_BASE_S", "10"))
GEO_DELIVERY_BACKOFF_CAP_S = float(os.environ.get("GEO_DELIVERY_BACKOFF_CAP_S", "1800"))
GEO_DELIVERY_CONNECT_TIMEOUT_S = float(os.environ.get("GEO_DELIVERY_CONNECT_TIMEOUT_S", "3"))
GEO_DELIVERY_TIMEOUT_S = float(os.environ.get("GEO_DELIVERY_TIMEOUT_S", "10"))
# How often the workers look for work nothing is queued for (a crashed job, a lost timer) and pull
# the agencies' Open311 status: cron lines with seconds (six fields).
GEO_DELIVERY_SWEEP_CRON = os.environ.get("GEO_DELIVERY_SWEEP_CRON", "* * * * * */30")
GEO_OPEN311_PULL_CRON = os.environ.get("GEO_OPEN311_PULL_CRON", "*/5 * * * *")
# A worker that sent no heartbeat for this long is taken for dead and its running jobs run again.
GEO_WORKER_STALLED_S = float(os.environ.get("GEO_WORKER_STALLED_S", "30"))
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": max(GEO_WORKER_STALLED_S / 3, 0.5),
    "stalled_worker_timeout": GEO_WORKER_STALLED_S,
    # Jobs due later (retries) are found by polling; new ones arrive at once by LISTEN/NOTIFY.
    "fetch_job_polling_interval": float(os.environ.get("GEO_WORKER_POLL_S", "1")),
    # On stop, a sender finishing a long queue hands the rest to the next worker after this long.
    "shutdown_graceful_timeout": 5.0,
    # Finished jobs leave the table (the Delivery and its Attempts are the record); failed ones stay.
    "delete_jobs": "successful",
}

# E-mail to agencies goes through this SMTP server; without EMAIL_HOST e-mail is not a usable
# channel (an agency reachable only by e-mail is then reported unreachable, not silently dropped).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "complaints@localhost")

# The front and shared state (docs/operations.md, "Scale and reliability"): nginx before gunicorn
# on a Unix socket, Redis on a Unix socket in the same run directory (geo/front.py).
GEO_RUN_DIR = Path(os.environ.get("GEO_RUN_DIR", BASE_DIR / "var" / "run"))
STATIC_ROOT = Path(os.environ.get("GEO_STATIC_ROOT", STATIC_ROOT))
# Whole collections as FlatGeobuf files (ogc/downloads.py), written once per generation.
# The matcher's index, one directory per boundary snapshot, memory-mapped by every process.
GEO_MATCHER_DIR = Path(os.environ.get("GEO_MATCHER_DIR", BASE_DIR / "var" / "matcher"))
GEO_DOWNLOADS_DIR = Path(os.environ.get("GEO_DOWNLOADS_DIR", BASE_DIR / "var" / "downloads"))
# X-Real-IP is believed only from these peers: "unix" is the front on gunicorn's Unix socket;
# add addresses or networks (comma-separated) when the front is on another machine.
GEO_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("GEO_TRUSTED_PROXIES", "unix").split(",") if p.strip()]
# Rate counters and cached tiles/pages live in Redis, shared by every process and node. Short
# socket timeouts: when Redis is away a request falls back to per-process counting at once.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("GEO_REDIS_URL", f"unix://{GEO_RUN_DIR / 'redis.sock'}"),
        "KEY_PREFIX": "geo",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.5},
    },
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "geo-fallback"},
}

# Browser security (docs/operations.md): a Content-Security-Policy on every HTML page (the map page,
# the OGC pages, the workspace, the API docs, the admin): everything from this origin only; MapLibre
# runs its workers from blob: URLs and draws images from data:/blob: URLs. The APIs that never
# answer with a page are left out (the OGC API answers JSON and pages at the same URLs: not them).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/", "/tiles/", "/open311/", "/livez"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The public read APIs may be used from browser apps on any origin (no cookies are sent with
# them cross-origin: CORS_ALLOW_CREDENTIALS stays off).
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(ogc(/.*)?|tiles/.*|open311/v2/.*)$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]

# Photos (photos/, docs/photos.md): stored re-encoded through Django's storage API, in the
# filesystem under GEO_MEDIA_ROOT (default var/media) or, with GEO_PHOTO_STORAGE=s3, in any
# S3-compatible store (django-storages; the bucket stays private: photos are served by the app).
GEO_MEDIA_ROOT = Path(os.environ.get("GEO_MEDIA_ROOT", BASE_DIR / "var" / "media"))


def _photo_storage() -> dict:
    if os.environ.get("GEO_PHOTO_STORAGE", "filesystem") == "s3":
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ.get("GEO_S3_BUCKET", ""),
                "endpoint_url": os.environ.get("GEO_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("GEO_S3_REGION") or None,
                "access_key": os.environ.get("GEO_S3_ACCESS_KEY") or None,
                "secret_key": os.environ.get("GEO_S3_SECRET_KEY") or None,
                "location": os.environ.get("GEO_S3_PREFIX", "photos"),
                "default_acl": "private",
                "file_overwrite": False,
            },
        }
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": GEO_MEDIA_ROOT / "photos", "file_permissions_mode": 0o640},
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": GEO_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "photos": _photo_storage(),
}
# Per photo: bytes as uploaded, pixels (checked from the header, before decoding), the long edge
# kept and the thumbnails' long edge; photos per request; Hamming distance (of 64 bits) under
# which an "after" photo is flagged as the same picture as another.
GEO_PHOTO_MAX_BYTES = int(os.environ.get("GEO_PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
GEO_PHOTO_MAX_PIXELS = int(os.environ.get("GEO_PHOTO_MAX_PIXELS", "50000000"))
GEO_PHOTO_MAX_EDGE = int(os.environ.get("GEO_PHOTO_MAX_EDGE", "2048"))
GEO_PHOTO_THUMBNAIL_EDGE = int(os.environ.get("GEO_PHOTO_THUMBNAIL_EDGE", "320"))
GEO_PHOTO_MAX_COUNT = int(os.environ.get("GEO_PHOTO_MAX_COUNT", "3"))
GEO_PHOTO_SIMILAR_BITS = int(os.environ.get("GEO_PHOTO_SIMILAR_BITS", "6"))
# A request with photos may be this large (nginx and api/middleware.BodySizeLimit allow it on
# the upload endpoints only): the photos at their limit plus 1 MB for the other fields.
GEO_UPLOAD_MAX_BODY = GEO_PHOTO_MAX_COUNT * GEO_PHOTO_MAX_BYTES + 1024 * 1024

from geo.settings_guards import *  # noqa: F403,E402
from geo.settings_heavy import *  # noqa: F403,E402
from geo.settings_outbound import *  # noqa: F403,E402
from geo.settings_stats import *  # noqa: F403,E402
