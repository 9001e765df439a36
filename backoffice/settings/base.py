"""Settings shared by every environment.

Secrets and deployment choices come from the environment only. With nothing set, the
project runs on the embedded defaults: SQLite, the django-q2 ORM broker and local media.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "catalog",
    "channels",
    "imports",
    "workflows",
    "kpis",
    "backoffice",
    "wagtail.contrib.settings",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_q",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backoffice.middleware.ApiConditionalGetMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

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

# SQLite by default; PostgreSQL (or any database dj-database-url knows) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Japanese first: the admin speaks Japanese unless a user picks English in their account.
# No LocaleMiddleware on purpose, so a browser's Accept-Language never overrides it.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
# Ours first; then Japanese for the Wagtail admin strings Wagtail 8.0's catalog lacks.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-wagtail"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

LOGIN_URL = "wagtailadmin_login"
WAGTAILADMIN_USER_LOGIN_FORM = "backoffice.forms.LoginForm"

WAGTAIL_SITE_NAME = _("Cashless back office")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "xlsx", "csv", "docx", "png", "jpg"]


def q_cluster_config(environ):
    """Return django-q2's settings: the ORM broker by default, Redis when REDIS_URL is set.

    With Redis, any number of ``qcluster`` workers on any number of hosts share the queue.
    ``retry`` must exceed ``timeout`` so a slow task is never handed to a second worker;
    an hour covers the longest task, a print batch of 100,000 slips with their images.
    """
    config = {
        "name": "backoffice",
        "workers": int(environ.get("Q_WORKERS", "2")),
        "timeout": 3600,
        "retry": 3720,
        "max_attempts": 3,
        "catch_up": True,
        "label": _("Background tasks"),
    }
    if environ.get("REDIS_URL"):
        config["redis"] = environ["REDIS_URL"]
    else:
        config["orm"] = "default"
    return config


Q_CLUSTER = q_cluster_config(os.environ)

# Shared by the web processes (the integrator API's rate limit counts in it): Redis when
# REDIS_URL is set, otherwise each process's memory (the embedded default, one server).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

# Requests per token and period for the integrator API; more answer 429.
INTEGRATOR_API_RATE = os.environ.get("INTEGRATOR_API_RATE", "600/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Wagtail logs every revision and reference-index task at INFO: too chatty for a
        # console, and the admin's history already records who changed what.
        "django": {"level": "INFO"},
        "django_q": {"level": "WARNING"},
    },
}
