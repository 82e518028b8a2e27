"""heatblog settings, read from the environment in this one module.

DEBUG is off unless the environment turns it on (`make run` and `make test` do).
With DEBUG off, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are required, start-up
fails with a clear message without them, and the security settings below default
to their strict values. Reading these settings starts nothing: in development the
database is the one `make db` started (heatblog/database.py). Every variable is
documented in the README's configuration table.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from heatblog.database import database_config, database_url
from heatblog.environment import env_bool, env_int, env_list
from heatblog.logging_config import logging_config, start_sentry
from heatblog.mail import mailer_config
from heatblog.security import UNUSED_BROWSER_FEATURES, content_security_policy
from heatblog.storage import origin_of, s3_media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off it is required: export a long random "
            "value, e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "django-insecure-development-only-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, list the site's host names, "
        "e.g. ALLOWED_HOSTS=blog.example.com"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = os.environ.get("SITE_NAME", "heatblog")
# The public address, for links in mail and feeds (requests know their own host).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Who hears of new comments besides each article's author: "Name <a@b>, c@d".
MANAGERS = env_list("MANAGERS", [])
# Who gets a mail with the traceback of each server error (production only).
ADMINS = env_list("ADMINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "markdownx",
    "reversion",
    "axes",
    "django_tasks_db",
    "operations",
    "articles",
    "comments",
    "followers",
    "transfer",
    "analytics",
]

MIDDLEWARE = [
    "operations.request_ids.RequestIdMiddleware",
    "operations.health.HealthCheckMiddleware",
    # A request in a charset other than UTF-8 gets the 400 page (operations/charsets.py).
    "operations.charsets.Utf8OnlyMiddleware",
    # A form too big to read gets the 413 page, DEBUG or not (operations/errors.py).
    "operations.errors.TooBigMiddleware",
    # Readers' view reports (/a/view), before everything they don't need (analytics/beacon.py).
    "analytics.beacon.BeaconMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Fetch Metadata for the public forms, Django's token CSRF for the admin.
    "operations.cross_origin.CrossOriginProtectionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "heatblog.urls"
CSRF_FAILURE_VIEW = "operations.errors.csrf_failure"
WSGI_APPLICATION = "heatblog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "heatblog.context_processors.site",
            ],
            # {% url %} with addresses worked out once per process (operations/routes.py)
            "builtins": ["operations.routes"],
        },
    },
]

# Database: DATABASE_URL; in development without it, the embedded PostgreSQL that
# `make db` started under .data/ (heatblog/database.py).
pooling = {
    "pool": env_bool("DATABASE_POOL", True),
    "pool_timeout": env_int("DATABASE_POOL_TIMEOUT", 3),
}
DATABASES = {"default": database_config(database_url(BASE_DIR, debug=DEBUG), **pooling)}
# A read replica: public pages read from it, writes and the admin use the primary
# (operations/replicas.py). In tests it mirrors the primary.
if DATABASE_REPLICA_URL := os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **database_config(DATABASE_REPLICA_URL, **pooling),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["operations.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("operations.health.HealthCheckMiddleware") + 1,
                      "operations.replicas.ReplicaMiddleware")  # fmt: skip
# After a reader writes, their reads stay on the primary this long, so they see
# their own comment even if the replica lags.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory unless REDIS_URL is set. With Redis, every app server
# shares rate-limit counters, the page cache's generation and sessions.
if REDIS_URL := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "heatblog"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Admin logins: django-axes counts failures per (username, IP address) in the
# database, so every app server sees them, and locks that pair out for a while.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Counted per IPv4 address or IPv6 /64, like every other limit (operations/network.py).
AXES_CLIENT_IP_CALLABLE = "operations.network.client_network"
AXES_LOCKOUT_CALLABLE = "operations.errors.login_locked_out"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["heatblog.formats"]  # one way of writing dates in the admin

# Static files: hashed, compressed and served with far-future headers by WhiteNoise.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "operations.static_files.StaticFiles"  # WhiteNoise's, addresses remembered
        )
    },
}
# Uploads in S3-compatible object storage (django-storages) when a bucket is named.
if media_storage := s3_media_storage(os.environ):
    STORAGES["default"], MEDIA_URL = media_storage

# Public pages never touch the session: messages live in a signed cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# Security. Production defaults are strict; each can be relaxed from the
# environment (e.g. SECURE_SSL_REDIRECT=false behind a proxy that already does it).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Proxies in front of the site that append to X-Forwarded-For; the client's
# address is that many entries from the end. 0 trusts only REMOTE_ADDR.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1 if BEHIND_PROXY else 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features nobody reading an essay needs, switched off (django-permissions-policy).
PERMISSIONS_POLICY = {feature: [] for feature in UNUSED_BROWSER_FEATURES}
# This site only, scripts by nonce; images also from the bucket when there is one.
SECURE_CSP = content_security_policy(image_origins=origin_of(MEDIA_URL))

# Editor: django-markdownx previews and uploads go through our own staff-only
# views, rendered by the same function as the public page (CVE-2024-2319).
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.rendering.render_preview"
MARKDOWNX_URLS_PATH = f"/{ADMIN_URL}articles/article/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = f"/{ADMIN_URL}articles/article/upload/"
MARKDOWNX_SERVER_CALL_LATENCY = 400

# Background work (mail): Django's Tasks, queued in PostgreSQL (django-tasks-db) and
# run by `manage.py db_worker`, which `make run` starts beside the server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Periodic jobs, run by the same worker: task path -> seconds between runs (operations/periodic.py).
PERIODIC_TASKS = {
    "comments.privacy.forget_old_network_details": 24 * 60 * 60,
    "operations.tasks.sweep_rate_limits": 24 * 60 * 60,
    "followers.tasks.forget_unconfirmed_followers": 24 * 60 * 60,
    # Scheduled articles reaching their time, and mailings whose worker stopped.
    "followers.tasks.send_due_mailings": 60,
    "analytics.tasks.roll_up_readers": 10 * 60,
}

# Development prints mail to the terminal; production hands it to the local MTA
# unless EMAIL_URL says otherwise.
MAILERS = {
    "default": mailer_config(
        os.environ.get("EMAIL_URL", "console:" if DEBUG else "smtp://localhost:25?tls=0")
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "heatblog <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

# Logging: one line per record on stdout, tagged with its request's id; server errors
# also go to ADMINS by mail and, when SENTRY_DSN is set, to Sentry (heatblog/logging_config.py).
LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"))
# Error reports leave out local variables when the database is what failed.
DEFAULT_EXCEPTION_REPORTER = "operations.logs.ErrorReporter"
if SENTRY_DSN := os.environ.get("SENTRY_DSN"):
    start_sentry(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"))

# Anonymous readers' pages are served from memory for up to this long (operations/pagecache.py),
# and with Redis from there too, so every worker and server shares each page rendered.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 10)
PAGE_CACHE_SHARED = env_bool("PAGE_CACHE_SHARED", bool(REDIS_URL))
# How long a proxy or CDN may serve an anonymous page (s-maxage), then serve it stale
# while it asks again, or while the site is down (operations/pagecache.py).
PAGE_SHARED_SECONDS = env_int("PAGE_SHARED_SECONDS", 10)
PAGE_STALE_SECONDS = env_int("PAGE_STALE_SECONDS", 30)
PAGE_STALE_IF_ERROR_SECONDS = env_int("PAGE_STALE_IF_ERROR_SECONDS", 24 * 60 * 60)

# Feeds carry whole articles; false for summaries only.
FEEDS_FULL_CONTENT = env_bool("FEEDS_FULL_CONTENT", True)

# Comments: the rules readers and moderators live by (README, "Comments").
COMMENTS_MAX_DEPTH = env_int("COMMENTS_MAX_DEPTH", 5)
COMMENTS_FIRST_TIME_HELD = env_bool("COMMENTS_FIRST_TIME_HELD", True)
COMMENTS_MAX_LINKS = env_int("COMMENTS_MAX_LINKS", 2)
COMMENTS_CLOSE_AFTER_DAYS = env_int("COMMENTS_CLOSE_AFTER_DAYS", 0)
COMMENTS_MIN_SECONDS = env_int("COMMENTS_MIN_SECONDS", 3)
COMMENTS_FORM_MAX_AGE = env_int("COMMENTS_FORM_MAX_AGE", 24 * 60 * 60)
COMMENTS_FLOOD_SECONDS = env_int("COMMENTS_FLOOD_SECONDS", 15)
COMMENTS_HOURLY_LIMIT = env_int("COMMENTS_HOURLY_LIMIT", 30)
COMMENTS_ATTEMPTS_PER_MINUTE = env_int("COMMENTS_ATTEMPTS_PER_MINUTE", 20)
# Households, offices and mobile carriers share an address: enough for several people,
# too few to make the blog a mail cannon (each inbox has its own cap besides).
COMMENTS_CONFIRMATIONS_PER_DAY = env_int("COMMENTS_CONFIRMATIONS_PER_DAY", 10)
COMMENTS_EDIT_MINUTES = env_int("COMMENTS_EDIT_MINUTES", 15)
COMMENTS_PER_PAGE = env_int("COMMENTS_PER_PAGE", 50)
COMMENTS_IP_RETENTION_DAYS = env_int("COMMENTS_IP_RETENTION_DAYS", 90)

# Readers, counted without cookies or personal data (analytics/, README "What we count").
# Raw events (with that day's visitor codes) are kept this many days, then only daily totals.
ANALYTICS_EVENT_DAYS = env_int("ANALYTICS_EVENT_DAYS", 7)
# What readers searched for (daily totals, with their text) is kept this many days.
ANALYTICS_SEARCH_DAYS = env_int("ANALYTICS_SEARCH_DAYS", 90)
# Each worker writes the events it collected at most this many seconds later (one INSERT).
ANALYTICS_FLUSH_SECONDS = env_int("ANALYTICS_FLUSH_SECONDS", 5)
# Events one network may add per worker and minute (0: no limit); the rest are ignored.
ANALYTICS_EVENTS_PER_MINUTE = env_int("ANALYTICS_EVENTS_PER_MINUTE", 60)
