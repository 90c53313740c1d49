"""API tokens: made with a key shown once, scoped, revoked; and what scope a request needs (docs/api.md)."""

import enum
import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import ApiToken

# The first path segment under /api/v1/: a scope may be narrowed to one of them ("erp:read").
API_APPS = tuple(settings.TAKT_APPS)
LEVELS = ("read", "write")  # in order: "write" holds "read"
KNOWN_SCOPES = frozenset(LEVELS) | {f"{app}:{level}" for app in API_APPS for level in LEVELS}
DEFAULT_LIFETIME = timedelta(days=90)
PREFIX_LENGTH = 8
# DRF's rate syntax (SimpleRateThrottle.parse_rate reads the period's first letter).
RATE = re.compile(r"^[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)$")
# last_used_at is written at most this often per token: not a write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


class Expiry(enum.Enum):
    DEFAULT = "default"  # DEFAULT_LIFETIME from now


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split(scope: str) -> tuple[str | None, str]:
    app, _colon, level = scope.rpartition(":")
    return app or None, level


def scope_needed(*, app: str | None, write: bool) -> str:
    """The scope a request needs: "erp:read" for a read under /api/v1/erp/, "write" for a write outside the apps."""
    level = "write" if write else "read"
    return f"{app}:{level}" if app in API_APPS else level


def scopes_allow(scopes: Iterable[str], needed: str) -> bool:
    """Whether any of `scopes` holds `needed`: as wide an app (all, or the same one) and as high a level."""
    needed_app, needed_level = _split(needed)
    for scope in scopes:
        app, level = _split(scope)
        if (app is None or app == needed_app) and LEVELS.index(level) >= LEVELS.index(needed_level):
            return True
    return False


def _check(*, name: str, scopes: list[str], expires_at: datetime | None, rate: str) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = ValidationError(_("Name what the token is for."), code="required")
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if not scopes:
        errors["scopes"] = ValidationError(_("Give the token at least one scope."), code="required")
    elif unknown:
        message = _("Unknown scopes: %(scopes)s. Known: read, write, or <app>:read and <app>:write for %(apps)s.")
        errors["scopes"] = ValidationError(
            message % {"scopes": ", ".join(unknown), "apps": ", ".join(API_APPS)}, code="unknown_scope"
        )
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ValidationError(_("The expiry must be in the future."), code="in_past")
    if rate and not RATE.match(rate):
        errors["rate"] = ValidationError(
            _('A rate is a number of requests per second, minute, hour or day, e.g. "60/minute".'), code="invalid"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def api_token_create(
    *,
    user: Any,
    name: str,
    scopes: list[str],
    expires_at: datetime | Expiry | None = Expiry.DEFAULT,
    rate: str = "",
    created_by: Any = None,
) -> tuple[ApiToken, str]:
    """A new token of `user` and its key: the caller shows the key once, only its hash is kept.

    `expires_at` None never expires; by default the token expires DEFAULT_LIFETIME from now.
    """
    if expires_at is Expiry.DEFAULT:
        expires_at = timezone.now() + DEFAULT_LIFETIME
    scopes = sorted(set(scopes))
    _check(name=name, scopes=scopes, expires_at=expires_at, rate=rate)
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        key_hash=key_hash(key),
        prefix=key[:PREFIX_LENGTH],
        scopes=scopes,
        rate=rate,
        expires_at=expires_at,
        created_by=created_by,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    """Stop the token from authenticating from now on; revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note the token's use, once per LAST_USED_PRECISION at most (one conditional UPDATE, no lock)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - LAST_USED_PRECISION).update(last_used_at=now)
    token.last_used_at = now
