"""Settings shared by every environment. Every knob comes from the environment with a safe default."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)
# Local state: embedded servers, collected static files, uploads, the beat schedule.
VAR_DIR = Path(env("TAKT_VAR_DIR", default=str(BASE_DIR / "var")))

DEV_SECRET_KEY = "insecure-dev-key-change-me"  # noqa: S105 (production refuses to start with it)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

TAKT_APPS = ["core", "plm", "wms", "erp", "srm", "aps", "mes", "crm", "shopfloor"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes (docs/security.md)
    *TAKT_APPS,
]

MIDDLEWARE = [
    # First: every response, redirects too, carries X-Request-ID, and every log line the request id.
    "core.middleware.RequestIdMiddleware",
    "core.metrics.RequestMetricsMiddleware",  # requests per route for GET /metrics (docs/operations.md)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.two_factor.TwoFactorMiddleware",  # an enrolled user's session needs its code (docs/security.md)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # API writes (docs/api.md): Idempotency-Key replays, then If-Match and ETag; replays keep the ETag.
    "core.api.idempotency.IdempotencyMiddleware",
    "core.api.concurrency.ETagMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the locked-out page
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    },
]


# --- Services: PostgreSQL and Redis, embedded unless their URLs are set ---------------------------
def _service_url(name, start_embedded):
    url = env(name, default="")
    if url:
        return url
    if env("DJANGO_SETTINGS_MODULE", default="").endswith(".production"):
        raise ImproperlyConfigured(f"Set {name}: production does not start embedded servers.")
    return start_embedded()


DATABASE_URL = _service_url("DATABASE_URL", embedded.postgres_url)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = _service_url("REDIS_URL", embedded.redis_url)
CACHES = {
    "default": {
        # Redis down: reads miss and writes are dropped, pages go on (core/cache.py); never a hung request.
        "BACKEND": "core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "takt-cache",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("TAKT_PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in security (docs/security.md) -------------------------------------------------------------
# Failed sign-ins per user name and address (django-axes): the limit, then locked for the cool-off.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env.bool("TAKT_LOCKOUT_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("TAKT_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("TAKT_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.views.auth.locked_out"  # the page, or JSON for the API's token endpoint
# Behind TAKT_PROXY_COUNT reverse proxies the client's address is read from X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "core.views.auth.client_ip"
TAKT_PROXY_COUNT = env.int("TAKT_PROXY_COUNT", default=0)
# Office sessions end with the browser or after a shift and a bit; a shared tablet's (operator role only)
# lasts TAKT_TABLET_SESSION_HOURS: who works on it is their scanned badge, not the session.
SESSION_COOKIE_AGE = env.int("TAKT_SESSION_HOURS", default=9) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("TAKT_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
TAKT_TABLET_SESSION_HOURS = env.int("TAKT_TABLET_SESSION_HOURS", default=7 * 24)
# TOTP two-factor: optional for everyone, required (enrolment forced at sign-in) for these roles.
TAKT_REQUIRE_2FA_ROLES = frozenset(env.list("TAKT_REQUIRE_2FA_ROLES", default=[]))
OTP_TOTP_ISSUER = "Takt"
# Content-Security-Policy (django-csp), in every environment so the browser tests meet it. Scripts only
# from our own files. Styles allow 'unsafe-inline': templates set data-driven widths and indents with
# style="" attributes (progress bars, tree levels) and htmx injects its indicator <style>; CSS cannot run
# code, and script-src stays strict. Images allow data: (Bootstrap's icons in CSS, the 2FA QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],  # as X-Frame-Options: DENY; no page is framed
    }
}

LANGUAGE_CODE = "en"
# Names in their own language, so a reader of either finds theirs. The catalog: locale/, docs/i18n.md.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the picked language outlives the browser session
FORMAT_MODULE_PATH = ["config.formats"]  # ISO dates first in form inputs (config/formats/zh_Hans)
TIME_ZONE = env("TAKT_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("TAKT_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from it once collectstatic has run
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files a browser asks for at the site's root (favicon.ico), served by whitenoise without a URL route.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("TAKT_MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A token first: its WWW-Authenticate header makes a missing credential a 401, not a 403.
        "core.api.authentication.ScopedTokenAuthentication",  # Bearer: scoped ApiTokens (docs/api.md)
        "core.api.authentication.AuditedTokenAuthentication",
        "core.api.authentication.AuditedSessionAuthentication",
    ],
    # IfMatchPrecondition: a write's If-Match checked against the record's ETag (core/api/concurrency.py).
    "DEFAULT_PERMISSION_CLASSES": [
        "core.api.permissions.RoleModelPermissions",
        "core.api.concurrency.IfMatchPrecondition",
        "core.api.permissions.TokenScopePermission",  # an ApiToken's scopes narrow the role's permissions
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "core.api.fields.FieldSelectionFilter",  # ?fields=id,number,state
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.fields.FieldSelectingJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ModelAwareAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Password guessing against the token endpoint, per client address.
    "DEFAULT_THROTTLE_RATES": {"auth_token": env("TAKT_TOKEN_RATE", default="10/minute")},
    # Requests per API token (its own `rate`, else TAKT_API_RATE), or per login for the other authentications.
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.TokenRateThrottle"],
}
TAKT_API_RATE = env("TAKT_API_RATE", default="600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Takt API",
    "DESCRIPTION": "The partner and integration API of Takt, the open manufacturing suite.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_api_conventions",  # Idempotency-Key, If-Match, ETag
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields named "state" use different choices per model: name each enum after its choices.
    "ENUM_NAME_OVERRIDES": {
        "PlannedOrderKindEnum": "aps.choices.PlannedOrderKind",
        "PlannedOrderStateEnum": "aps.choices.PlannedOrderState",
        "ExceptionKindEnum": "aps.choices.ExceptionKind",
        "RevisionStateEnum": "plm.choices.RevisionState",
        "EcoStateEnum": "plm.choices.EcoState",
        "RequestStateEnum": "wms.choices.RequestState",
        "ScheduleStateEnum": "aps.choices.ScheduleState",
        "FixedReasonEnum": "aps.choices.FixedReason",
        # ... and fields named "kind" too.
        "PartnerKindEnum": "core.choices.PartnerKind",
        "CertificateKindEnum": "srm.models.suppliers.CertificateKind",
        "LocationKindEnum": "wms.choices.LocationKind",
        "MoveKindEnum": "wms.choices.MoveKind",
        "RequestKindEnum": "wms.choices.RequestKind",
        "MachineWindowKindEnum": "aps.choices.MachineWindowKind",
        "SalesOrderStateEnum": "erp.choices.SalesOrderState",
        "PurchaseOrderStateEnum": "erp.choices.PurchaseOrderState",
        "ProductionOrderStateEnum": "erp.choices.ProductionOrderState",
        "OperationStateEnum": "erp.choices.OperationState",
        "InvoiceStateEnum": "erp.choices.InvoiceState",
        "CostVersionStateEnum": "erp.choices.CostVersionState",
        "InvoiceKindEnum": "erp.choices.InvoiceKind",
        "AccountKindEnum": "erp.choices.AccountKind",
        "JournalSourceEnum": "erp.choices.JournalSource",
        "AttendanceSourceEnum": "erp.choices.AttendanceSource",
        "MachineStateEnum": "mes.choices.MachineState",
        "RunStateEnum": "mes.choices.RunState",
        "EventKindEnum": "mes.choices.EventKind",
        "EventSourceEnum": "mes.choices.EventSource",
        "DowntimeKindEnum": "mes.choices.DowntimeKind",
        "DowntimeCategoryEnum": "mes.choices.DowntimeCategory",
        "MaintenanceKindEnum": "mes.choices.MaintenanceKind",
        "MaintenanceStateEnum": "mes.choices.MaintenanceState",
        "MaintenanceTriggerEnum": "mes.choices.MaintenanceTrigger",
        "CharacteristicKindEnum": "mes.choices.CharacteristicKind",
        "NonconformanceStateEnum": "mes.choices.NonconformanceState",
        "DispositionEnum": "mes.choices.Disposition",
        "QuoteStateEnum": "crm.models.quotes.QuoteState",
        "TrackingStateEnum": "crm.selectors.tracking.TrackingState",
        # ... and fields named "role" (PLM's keeps the name it had before the shopfloor's came).
        "RoleEnum": "plm.choices.ApprovalRole",
        "TagRoleEnum": "shopfloor.choices.TagRole",
        # CRM accounts and leads.
        "ActivityKindEnum": "crm.models.activities.ActivityKind",
        "AddressKindEnum": "core.models.partners.AddressKind",
        "CandidateKindEnum": "crm.selectors.duplicates.CandidateKind",
        "LeadSourceEnum": "crm.models.leads.LeadSource",
        "LeadStatusEnum": "crm.models.leads.LeadStatus",
        # SRM sourcing's "state" fields.
        "RfqStateEnum": "srm.models.sourcing.RfqState",
        "SupplierQuoteStateEnum": "srm.models.sourcing.QuoteState",
        "SupplyContractStateEnum": "srm.models.contracts.ContractState",
        # CRM's after-sales service.
        "CaseStateEnum": "crm.models.service.CaseState",
        "CasePriorityEnum": "crm.models.service.CasePriority",
        "CaseUpdateKindEnum": "crm.models.service.CaseUpdateKind",
        "RmaStateEnum": "crm.models.service.RmaState",
        "SlaClockEnum": "crm.models.service.SlaClock",
        "SlaTimerStateEnum": "crm.selectors.cases.TimerState",
        "OpportunityStateEnum": "crm.models.opportunities.OpportunityState",
    },
}

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
# The soft limit raises inside the task, so a run that takes too long is recorded as failed.
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600, "socket_connect_timeout": 2}
# Redis down: a web request that queues a task gives up after about 2 s, not after minutes (docs/operations.md).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too: same format, with the task's id
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "dispatch-pending-domain-events": {
        "task": "core.tasks.dispatch_pending_events",
        "schedule": 60.0,
    },
    # Webhook deliveries whose retry is due (docs/webhooks.md); the first attempt is enqueued on commit.
    "send-due-webhooks": {
        "task": "core.tasks.send_due_webhooks",
        "schedule": 60.0,
    },
    # Runs whose worker died are failed within a minute, so their pages stop waiting (docs/operations.md).
    "fail-stale-task-runs": {
        "task": "core.tasks.fail_stale_task_runs",
        "schedule": 60.0,
    },
    # The stored answers of API writes sent with an Idempotency-Key, once expired (docs/api.md).
    "purge-idempotency-records": {
        "task": "core.tasks.purge_idempotency_records",
        "schedule": 3600.0,
    },
    "obsolete-expired-revisions": {
        "task": "plm.tasks.obsolete_expired_revisions",
        "schedule": 3600.0,
    },
    "mrp-nightly": {
        "task": "aps.tasks.mrp_nightly",
        "schedule": crontab(hour=env.int("TAKT_MRP_NIGHTLY_HOUR", default=2), minute=0),
    },
    # The finite schedule: re-planned every night after MRP, and watched against the shop floor.
    "schedule-nightly": {
        "task": "aps.tasks.schedule_nightly",
        "schedule": crontab(hour=env.int("TAKT_MRP_NIGHTLY_HOUR", default=2), minute=30),
    },
    "schedule-watch": {
        "task": "aps.tasks.schedule_watch",
        "schedule": 300.0,
    },
    "plan-replenishment": {
        "task": "wms.tasks.plan_replenishment",
        "schedule": 1800.0,
    },
    # MES books what running machines counted and ran to ERP (cost, quantities) every 5 minutes.
    "mes-runs-book": {
        "task": "mes.tasks.runs_book",
        "schedule": 300.0,
    },
    # SRM: a domain event for each supplier certificate expiring within TAKT_CERTIFICATE_WARNING_DAYS (once per expiry).
    "srm-certificates-expiry-warn": {
        "task": "srm.tasks.certificates_expiry_warn",
        "schedule": crontab(hour=env.int("TAKT_CERTIFICATE_WARNING_HOUR", default=6), minute=0),
    },
    # Preventive maintenance: due plans become planned orders, before the nightly schedule plans around them.
    "maintenance-plan": {
        "task": "mes.tasks.maintenance_plan",
        "schedule": crontab(hour=env.int("TAKT_MAINTENANCE_PLAN_HOUR", default=1), minute=30),
    },
    # Sent quotes past their validity expire, just after midnight.
    "crm-quotes-expire": {
        "task": "crm.tasks.quotes_expire",
        "schedule": crontab(hour=0, minute=15),
    },
    # Service cases that newly breached an SLA target are flagged (and their event published) every 15 minutes.
    "crm-sla-breaches": {
        "task": "crm.tasks.sla_breaches_flag",
        "schedule": 900.0,
    },
    # Blanket contracts whose period has ended are marked expired, just after midnight.
    "srm-contracts-expire": {
        "task": "srm.tasks.contracts_expire",
        "schedule": crontab(hour=0, minute=20),
    },
    # Last month's supplier scorecards, once its late deliveries have had the on-time tolerance to arrive.
    "srm-scorecards-monthly": {
        "task": "srm.tasks.scorecards_monthly",
        "schedule": crontab(day_of_month=env.int("TAKT_SCORECARD_DAY", default=3), hour=4, minute=0),
    },
}

# --- Audit trail: every business model is tracked unless excluded here -----------------------------
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_CID_GETTER = "core.logs.current_context_id"  # each change carries its request's X-Request-ID
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "admin",
    "auth.permission",
    "contenttypes",
    "sessions",
    "authtoken",
    "auditlog",
    "axes",  # failed sign-ins: a log of its own
    "core.domainevent",
    "core.taskrun",
    "core.numbersequence",
    "core.webhookdelivery",  # a delivery log of its own
    "core.idempotencyrecord",  # the stored answers of API writes, themselves audited
    # MRP's plan: replaced whole by every run (hundreds of thousands of rows written with COPY).
    "aps.mrprun",
    "aps.plandemand",
    "aps.plansupply",
    "aps.pegging",
    "aps.mrpexception",
    # A schedule's jobs and operations: copied from the orders and rewritten by every solve; the
    # schedule itself (who made, solved and published it) is audited.
    "aps.schedulejob",
    "aps.scheduleoperation",
    # Ledgers that are their own audit trail (immutable, each row names its source and who posted it):
    # logging them again would cost queries on every stock move.
    "erp.journalentry",
    "erp.journalline",
    "erp.valuationlayer",
    "erp.itemvaluation",
)
# "key": a TOTP device's secret (its enrolment and removal are logged, the secret is not).
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ("password", "last_login", "created_at", "updated_at", "secret", "key")

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# Logs go to the console, as text ("plain") or one JSON object a line ("json", production's default), each
# record with the id of its request or Celery task (core/logs.py, docs/operations.md "Logs").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "reserved_attrs": [*RESERVED_ATTRS, "context"],  # the text logs' field: JSON has both ids
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": env("TAKT_LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env("TAKT_LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# --- Data import (docs/import.md): the most a browser upload may hold, unpacked -----------------------
TAKT_IMPORT_MAX_BYTES = env.int("TAKT_IMPORT_MAX_MB", default=200) * 1_000_000

# --- Supplier certificates (SRM): how many days ahead their expiry is warned of -------------------------
TAKT_CERTIFICATE_WARNING_DAYS = env.int("TAKT_CERTIFICATE_WARNING_DAYS", default=30)

# --- Attachments (PLM): size and type limits ---------------------------------------------------------
TAKT_ATTACHMENT_MAX_BYTES = env.int("TAKT_ATTACHMENT_MAX_MB", default=25) * 1_000_000
TAKT_ATTACHMENT_TYPES = frozenset(
    env.list(
        "TAKT_ATTACHMENT_TYPES",
        default=[
            "pdf",
            "png",
            "jpg",
            "jpeg",
            "dxf",
            "dwg",
            "step",
            "stp",
            "igs",
            "iges",
            "stl",
            "txt",
            "csv",
            "xlsx",
            "docx",
            "zip",
        ],
    )
)

# --- Warehouse -----------------------------------------------------------------------------------------
# How much more than expected a receipt line may receive before it is refused, in percent.
TAKT_OVER_RECEIPT_TOLERANCE_PCT = env.int("TAKT_OVER_RECEIPT_TOLERANCE_PCT", default=10)
# Cycle-count differences above this share of the expected quantity need approval, in percent.
TAKT_COUNT_TOLERANCE_PCT = env.int("TAKT_COUNT_TOLERANCE_PCT", default=2)

# --- Supplier scorecards -------------------------------------------------------------------------------
# A delivery is on time when it arrives no later than this many days after the line's due date.
TAKT_SCORECARD_ON_TIME_TOLERANCE_DAYS = env.int("TAKT_SCORECARD_ON_TIME_TOLERANCE_DAYS", default=1)

# --- Webhooks (docs/webhooks.md) ----------------------------------------------------------------------
# Endpoints must be https unless this is set (true in DEBUG, dev and test settings).
TAKT_WEBHOOK_ALLOW_HTTP = env.bool("TAKT_WEBHOOK_ALLOW_HTTP", default=DEBUG)
TAKT_WEBHOOK_TIMEOUT_SECONDS = env.int("TAKT_WEBHOOK_TIMEOUT_SECONDS", default=10)
# Minutes to wait before each retry of a failed delivery; after the last one the delivery is given up.
TAKT_WEBHOOK_RETRY_MINUTES = env.list("TAKT_WEBHOOK_RETRY_MINUTES", cast=int, default=[1, 5, 30, 120, 720])

# --- API ------------------------------------------------------------------------------------------------
# How long the answer to a write sent with an Idempotency-Key is replayed to retries (docs/api.md).
TAKT_IDEMPOTENCY_TTL_HOURS = env.int("TAKT_IDEMPOTENCY_TTL_HOURS", default=24)

# --- Shopfloor -----------------------------------------------------------------------------------------
# The demo's PLCs (shopfloor/demo.py, served by `manage.py plc_simulator`) listen on 127.0.0.1 from this port up.
TAKT_PLC_SIM_PORT = env.int("TAKT_PLC_SIM_PORT", default=15020)

# --- Demo company (docs/demo.md) -------------------------------------------------------------------------
# Days of history `manage.py demo_load` replays before today: a year by default, four quarters of business.
TAKT_DEMO_HISTORY_DAYS = env.int("TAKT_DEMO_HISTORY_DAYS", default=365)
