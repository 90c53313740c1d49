"""drf-spectacular extensions for Takt's own authentication classes (loaded in CoreConfig.ready)."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class AuditedSessionScheme(SessionScheme):
    target_class = "core.api.authentication.AuditedSessionAuthentication"


class AuditedTokenScheme(TokenScheme):
    target_class = "core.api.authentication.AuditedTokenAuthentication"
