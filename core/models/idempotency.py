from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The answer to an API write sent with an `Idempotency-Key`, replayed when the caller retries it.

    A row is written in the same transaction as the request's own writes, and only once the answer is known
    (2xx or 4xx): a request still running holds a lock instead (see core.api.idempotency), so there is no
    half-done row for a retry to find, and a request that failed with a 5xx or whose process died leaves none.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body, hex.")
    status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
