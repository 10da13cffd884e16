"""Settings, read from the environment (docs/interfaces.md lists the variables).

A bad value fails at start-up with the variable's name rather than later with
a confusing error. With no environment the project runs embedded: SQLite in the
project root, no broker, background work in-process.
"""

import ipaddress
import logging
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATABASE_URL_SET = "DATABASE_URL" in env
REDIS_URL = env.str("REDIS_URL", default="") or None
EMBEDDED = not DATABASE_URL_SET and not REDIS_URL

DEBUG = env.bool("DEBUG", default=EMBEDDED)
DEV_SECRET_KEY = "django-insecure-calexit-development-key-do-not-use-in-production"  # noqa: S105 - development only
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Plain HTTP on this machine with DEBUG off: the test suite's and the benchmarks' gunicorn only.
INSECURE_LOCAL_HTTP = env.bool("INSECURE_LOCAL_HTTP", default=False)


def _site_origin(url: str) -> str:
    """scheme://host[:port] of SITE_URL, the origin browsers send with a POST (CSRF_TRUSTED_ORIGINS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"SITE_URL must be an absolute address like https://petition.org, not {url!r}.")
    return f"{parts.scheme}://{parts.netloc}"


def _check_production_site(url: str, *, insecure_local_http: bool) -> None:
    """With DEBUG off the site is served over HTTPS at a public name, or deliberately over local plain HTTP."""
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if insecure_local_http:
        if not local:
            raise ImproperlyConfigured(f"INSECURE_LOCAL_HTTP=1 is for trials on this machine; SITE_URL is {url!r}.")
        logging.getLogger("calexit.settings").warning(
            "INSECURE_LOCAL_HTTP=1: DEBUG is off but the site runs over plain HTTP at %s, without HTTPS redirect, "
            "HSTS or secure cookies. Never use this in production.",
            url,
        )
    elif parts.scheme != "https" or local:
        raise ImproperlyConfigured(
            f"SITE_URL must be the site's public https:// address when DEBUG is off, not {url!r} "
            "(for a local trial over plain HTTP set INSECURE_LOCAL_HTTP=1)."
        )


CSRF_TRUSTED_ORIGINS = [_site_origin(SITE_URL), *env.list("CSRF_TRUSTED_ORIGINS", default=[])]
if not DEBUG:
    _check_production_site(SITE_URL, insecure_local_http=INSECURE_LOCAL_HTTP)

INSTALLED_APPS = [
    "petitions.admin_site.StaffAdminConfig",  # django.contrib.admin behind the TOTP step
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "petitions",
]

MIDDLEWARE = [
    "petitions.middleware.forwarded_headers_from_trusted_proxies_only",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language: the switcher's cookie, else Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # the lockout page for a locked user name or address
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "calexit.urls"
WSGI_APPLICATION = "calexit.wsgi.application"

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
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web requests and the in-process background work share one file: wait
    # for the lock instead of failing, and take it at the start of a write.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# Languages of the public site, its emails and the wet-ink form (docs/i18n.md says how to add one).
# The URLs carry no language prefix: the language comes from the switcher's cookie, else the
# browser's Accept-Language. The catalogues are compiled at build time (compilemessages).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("zh-hant", "繁體中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The wet-ink form in Chinese: a TrueType CJK font (reportlab cannot embed CFF fonts such as Noto CJK).
# The default is Debian's fonts-arphic-uming, face 2 of the .ttc ("AR PL UMing TW", Traditional forms).
PDF_CJK_FONT = env.str("PDF_CJK_FONT", default="/usr/share/fonts/truetype/arphic/uming.ttc")
PDF_CJK_FONT_INDEX = env.int("PDF_CJK_FONT_INDEX", default=2)
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if "EMAIL_FILE_PATH" in env:
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Calexit petition <petition@localhost>")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set only one of EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (implicit TLS).")
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds; a stuck SMTP server must not hold a worker
if not DEBUG and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend" and "EMAIL_BACKEND" not in env:
    raise ImproperlyConfigured(
        "EMAIL_BACKEND must be set when DEBUG is off: django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST "
        "etc. for real mail (the default prints mail to the log and no signer would get a confirmation link)."
    )

# --- Background work -------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # Short timeouts: the signing limits fail open, and must learn quickly that Redis is gone.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Embedded: tasks run in the process that sends them, right after commit.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A signature must be saved even when the broker is down: give up publishing
# quickly; the periodic sweep sends whatever was not sent.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_WORKER_PREFETCH_MULTIPLIER = 4

COUNT_INTERVAL = env.int("COUNT_INTERVAL", default=10)  # seconds between counting runs
SWEEP_INTERVAL = env.int("SWEEP_INTERVAL", default=60)  # seconds between sweeps for stuck work
SWEEP_GRACE = env.int("SWEEP_GRACE", default=120)  # seconds a signature may wait before the sweep resends it
PROJECTION_INTERVAL = env.int("PROJECTION_INTERVAL", default=300)  # seconds between random-sample projections
ODDS_INTERVAL = env.int("ODDS_INTERVAL", default=900)  # seconds between simulations of the odds of qualifying
# Background exports (petitions/services/exports.py): files written here by the exports worker and read
# by the web (compose shares a volume), never served as static files; deleted EXPORT_KEEP_HOURS after
# they are written, by export_expire every EXPORT_EXPIRE_INTERVAL seconds.
EXPORT_ROOT = Path(env.str("EXPORT_ROOT", default=str(BASE_DIR / "var" / "exports")))
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
EXPORT_EXPIRE_INTERVAL = env.int("EXPORT_EXPIRE_INTERVAL", default=900)
# Without a broker (tasks run in the process that sends them) an export runs on a thread of the web
# process, so that the page that asked for it answers at once and shows its progress.
EXPORT_ON_A_THREAD = not REDIS_URL
# Queues (petitions.queue.QUEUES; compose runs a worker for each): validation backlogs never hold up
# the public count, nor an SMTP outage the validation. Anything unrouted runs on `maintenance`.
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_TASK_ROUTES = {
    "petitions.tasks.validate_signature": {"queue": "validation"},
    "petitions.tasks.validate_signatures": {"queue": "validation"},
    "petitions.tasks.send_confirmation_email": {"queue": "email"},
    "petitions.tasks.send_form_email": {"queue": "email"},
    "petitions.tasks.sweep_stuck_work": {"queue": "email"},
    "petitions.tasks.check_notifications": {"queue": "email"},
    "petitions.tasks.notifications_daily": {"queue": "email"},
    "petitions.tasks.count_signatures": {"queue": "counting"},
    "petitions.tasks.recount_signatures": {"queue": "counting"},
    "petitions.tasks.project_signatures": {"queue": "counting"},
    "petitions.tasks.compute_qualification_odds": {"queue": "counting"},
    "petitions.tasks.prune_counting_runs": {"queue": "counting"},
    "petitions.tasks.export_*": {"queue": "exports"},
}
# Every task has a limit of its own (petitions.tasks); this is the ceiling for one that forgot.
CELERY_TASK_SOFT_TIME_LIMIT = 1500
CELERY_TASK_TIME_LIMIT = 1800
# Emails (petitions.services.outbox): a send holds its lease this long (keep it above the email
# tasks' hard time limit, 90 s, so that a slow send is never taken twice); a failed one waits
# EMAIL_RETRY_BASE seconds, doubling with each failure up to EMAIL_RETRY_MAX.
EMAIL_SEND_LEASE = env.int("EMAIL_SEND_LEASE", default=120)
EMAIL_RETRY_BASE = env.int("EMAIL_RETRY_BASE", default=30)
EMAIL_RETRY_MAX = env.int("EMAIL_RETRY_MAX", default=3600)
# A periodic task not started within its interval is dropped (`expires`): the next one does the same
# work, so a stalled worker does not come back to a pile of them.
CELERY_BEAT_SCHEDULE = {
    "count-signatures": {
        "task": "petitions.tasks.count_signatures",
        "schedule": timedelta(seconds=COUNT_INTERVAL),
        "options": {"expires": COUNT_INTERVAL},
    },
    "sweep-stuck-work": {
        "task": "petitions.tasks.sweep_stuck_work",
        "schedule": timedelta(seconds=SWEEP_INTERVAL),
        "options": {"expires": SWEEP_INTERVAL},
    },
    "project-signatures": {
        "task": "petitions.tasks.project_signatures",
        "schedule": timedelta(seconds=PROJECTION_INTERVAL),
        "options": {"expires": PROJECTION_INTERVAL},
    },
    "qualification-odds": {
        "task": "petitions.tasks.compute_qualification_odds",
        "schedule": timedelta(seconds=ODDS_INTERVAL),
        "options": {"expires": ODDS_INTERVAL},
    },
    "nightly-recount": {
        "task": "petitions.tasks.recount_signatures",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 3600},
    },
    "prune-counting-runs": {
        "task": "petitions.tasks.prune_counting_runs",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    "purge-unconfirmed": {
        "task": "petitions.tasks.purge_unconfirmed_signatures",
        "schedule": crontab(hour=3, minute=45),
        "options": {"expires": 3600},
    },
    "notifications-daily": {  # the organizers' daily summary (services.notifications), once per day
        "task": "petitions.tasks.notifications_daily",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 3600},
    },
    "expire-exports": {
        "task": "petitions.tasks.export_expire",
        "schedule": timedelta(seconds=EXPORT_EXPIRE_INTERVAL),
        "options": {"expires": EXPORT_EXPIRE_INTERVAL},
    },
}


def _parse_rate(value: str, *, name: str = "SIGN_RATE_LIMIT") -> tuple[int, int] | None:
    """'20/h' -> (20, 3600); 'off' -> None."""
    if value.strip().lower() == "off":
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*([smhd])\s*", value)
    if not match or int(match.group(1)) < 1:
        raise ImproperlyConfigured(f"{name} must look like '20/h' (per s, m, h or d) or 'off', not {value!r}.")
    return int(match.group(1)), {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _rate_setting(name: str, default: str) -> tuple[int, int] | None:
    return _parse_rate(env.str(name, default=default), name=name)


# Signing abuse (petitions/services/abuse.py): a signature over a limit is accepted and held for review.
SIGN_RATE_LIMIT = _rate_setting("SIGN_RATE_LIMIT", "30/h")  # per client address (IPv6: per /64)
SIGN_EMAIL_RATE_LIMIT = _rate_setting("SIGN_EMAIL_RATE_LIMIT", "3/d")  # per email address
CONFIRMATION_EMAIL_LIMIT = _rate_setting("CONFIRMATION_EMAIL_LIMIT", "3/d")  # emails one address may get


def _parse_proxies(entries: list[str]) -> list[str]:
    """Addresses or CIDR networks of the proxies in front of gunicorn; a typo fails at start-up."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES must be addresses or CIDR networks separated by commas, not {entry!r}."
            ) from None
    return entries


# The proxies whose X-Forwarded-For and X-Forwarded-Proto we believe (petitions/client_ip.py);
# empty: no proxy, the client is REMOTE_ADDR.
TRUSTED_PROXIES = _parse_proxies([e.strip() for e in env.list("TRUSTED_PROXIES", default=[]) if e.strip()])

if TRUSTED_PROXIES:
    # Only a trusted proxy's X-Forwarded-Proto reaches Django (petitions/middleware.py).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- HTTPS and browser protections -----------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not INSECURE_LOCAL_HTTP:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's healthcheck asks over plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo (browsers ship the list): the operator opts in.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp): scripts and <style> blocks only from the site or
# with the request's nonce (templates write nonce="{{ request.csp_nonce }}"). Style
# attributes (progress bar widths) are allowed, not <style> or scripts: style-src-attr.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Bootstrap draws form controls' icons as data: SVGs
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Privacy and retention (docs/architecture.md, "Retention") ----------------
UNCONFIRMED_RETENTION_DAYS = env.int("UNCONFIRMED_RETENTION_DAYS", default=7)  # then an unconfirmed one loses its data
CONFIRMATION_LINK_DAYS = env.int("CONFIRMATION_LINK_DAYS", default=7)  # a confirmation link works this long
COUNTY_COUNTS_REFRESH = env.int("COUNTY_COUNTS_REFRESH", default=3600)  # seconds: public per-county numbers' snapshot
COUNTY_COUNTS_SUPPRESS_BELOW = env.int(
    "COUNTY_COUNTS_SUPPRESS_BELOW", default=10
)  # public county counts under it: null
# The worker logs through LOGGING's handler (and its personal-data filter), not a handler of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "petitions.logging.PersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print its records unfiltered: they go to the root's.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django": {"handlers": [], "level": "INFO"}},
}

# --- Staff accounts ----------------------------------------------------------
# Failed logins (django-axes): after AXES_FAILURE_LIMIT failures a user name is
# locked, and so is the address they came from (each on its own), for the
# cool-off; the address is the one client_ip() finds behind trusted proxies.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "petitions.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Staff sessions: 8 hours (a working day) and gone when the browser closes; a
# Reviewer, Organizer or Admin also proves a TOTP code at each login
# (petitions/views/accounts.py).
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
OTP_TOTP_ISSUER = "Calexit petition"
# Password reset mails a link: offered only when mail really leaves the machine (calexit/urls.py).
PASSWORD_RESET_ENABLED = EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
