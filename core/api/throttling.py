"""Request rates per API client: per ApiToken (its own `rate`, else TAKT_API_RATE), else per user."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """TAKT_API_RATE per token or per login (None: no limit but the tokens' own); anonymous calls are not
    counted here (they are refused, or throttled by their view's own scope, as the token exchange is)."""

    scope = "api"

    def get_rate(self):
        return settings.TAKT_API_RATE

    def allow_request(self, request, view):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and token.rate:
            self.rate = token.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
