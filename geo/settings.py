"""Settings come from the environment; the defaults suit the project-local cluster under var/."""

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
    "access",
    "open311",
    "ogc",
    "web",
    "api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
]

MIDDLEWARE = [
    "access.client.ClientAddress",
    "corsheaders.middleware.CorsMiddleware",
    "api.timeouts.StatementTimeout",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Static files (admin, API docs, map page) served by the app itself, straight from the packages.
WHITENOISE_USE_FINDERS = True
# Front-end libraries come from npm (web/package.json), installed by scripts/bootstrap.sh.
STATICFILES_DIRS = [("vendor/maplibre-gl", BASE_DIR / "web" / "node_modules" / "maplibre-gl" / "dist")]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A batch of 10,000 points as GeoJSON is about 2 MB; larger bodies get a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "api.parsers.GeoJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.auth.IntakeKeyAuthentication",
        "rest_framework.authentication.BasicAuthentication",
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

SPECTACULAR_SETTINGS = {
    "TITLE": "Thailand complaint routing engine",
    "DESCRIPTION": "Point -> jurisdictions -> responsible agency, with reasons; complaint intake and tracking.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
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

# The front and shared state (docs/operations.md, "Scale and reliability"): nginx before gunicorn
# on a Unix socket, Redis on a Unix socket in the same run directory (geo/front.py).
GEO_RUN_DIR = Path(os.environ.get("GEO_RUN_DIR", BASE_DIR / "var" / "run"))
STATIC_ROOT = Path(os.environ.get("GEO_STATIC_ROOT", STATIC_ROOT))
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

# Browser security (docs/operations.md): a Content-Security-Policy on the HTML pages (the map page,
# the API docs, the admin): everything from this origin only; MapLibre runs its workers from blob:
# URLs and draws images from data:/blob: URLs. The JSON/GeoJSON/MVT APIs are left out: no page.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/", "/ogc", "/tiles/", "/open311/", "/livez"],
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
