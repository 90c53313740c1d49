"""DRF authenticates inside the view, after the audit middleware ran: tell the audit log who it is."""

import contextlib

from auditlog.context import auditlog_value
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


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
