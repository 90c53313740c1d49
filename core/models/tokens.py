"""API tokens a login makes for its integrations: scoped, expiring, revocable, each with its own rate (docs/api.md)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer key of one user, limited to some scopes. Only the key's SHA-256 is kept: it is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text=_("What the token is for, e.g. the integration using it."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False, help_text=_("SHA-256 of the key, hex."))
    prefix = models.CharField(max_length=8, editable=False, help_text=_("The key's first characters, to recognise it."))
    scopes = ArrayField(
        models.CharField(max_length=32), help_text=_('"read", "write", or narrowed to an app: "erp:read".')
    )
    rate = models.CharField(
        max_length=32, blank=True, help_text=_('Its own request rate, e.g. "60/minute"; empty: TAKT_API_RATE.')
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty: never expires."))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, help_text=_("To the minute."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
