"""DRF authenticates inside the view, after the audit middleware ran: tell the audit log who it is."""

import contextlib

from auditlog.context import auditlog_value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from core.models import ApiToken
from core.services.tokens import api_token_touch, key_hash


def _record_actor(result):
    if result is not None:
        with contextlib.suppress(LookupError):  # no audit context outside a request
            auditlog_value.get()["actor"] = result[0]
    return result


class AuditedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        return _record_actor(super().authenticate(request))


class AuditedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        return _record_actor(super().authenticate(request))


class ScopedTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <key>` with an ApiToken's key: `request.auth` is the token, whose scopes
    TokenScopePermission checks. An expired or revoked token is a 401 that says so."""

    keyword = "Bearer"

    def authenticate(self, request):
        return _record_actor(super().authenticate(request))

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."), code="token_revoked")
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("This token has expired."), code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_touch(token=token)
        return token.user, token


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    """The schema names the Bearer tokens apart from the DRF Token ones (both are TokenAuthentication)."""

    target_class = ScopedTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=ScopedTokenAuthentication.keyword
        )
