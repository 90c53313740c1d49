"""Safe retries of API writes: a write sent again with the same `Idempotency-Key` is answered as the first
time and not done again.

A middleware on /api/v1/ rather than a viewset mixin, so that it covers every endpoint (viewsets, actions
and plain views alike) without touching them. Keys belong to a user, so the middleware first asks DRF's
own authenticators (the ones every API view uses) who is calling; a caller they cannot identify goes on
to the view, which refuses it, and nothing is recorded.

The request runs in one transaction with its record: a transaction-scoped PostgreSQL advisory lock on
(user, key) makes a concurrent retry a 409 instead of a second run, and the record is written only once
the answer is known, in the same transaction as the request's writes. A 5xx rolls both back, so a retry
runs again; a process that dies mid-request leaves no record and no lock (PostgreSQL drops both with the
connection), so a retry after a timeout is never refused for a request that did not finish.
"""

import hashlib
import json
import re

from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from core.api.concurrency import API_PREFIX
from core.models import IdempotencyRecord
from core.services.idempotency import idempotency_expiry_cutoff

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The answer's headers that a replay repeats (the rest are made again by the server).
REPLAYED_HEADERS = ("ETag", "Location")


def _error(status_code: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "code": code, "message": message}]}, status=status_code)


def _api_user(request):
    """The caller as the API's authenticators see it, or None when they cannot say (the view answers)."""
    authenticators = [authenticator() for authenticator in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    try:
        user = Request(request, authenticators=authenticators).user
    except exceptions.APIException:  # a bad token, a session write without its CSRF token
        return None
    return user if user.is_authenticated else None


def _try_lock(user_id: int, key: str) -> bool:
    """Take the (user, key) lock until the transaction ends, or False when another request holds it."""
    digest = hashlib.sha256(f"takt.idempotency:{user_id}:{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])
        return cursor.fetchone()[0]


# A NUL escaped in JSON text: "\u0000" not preceded by an escaped backslash (text that merely reads
# "\u0000" is stored and replayed like any other).
NUL_IN_JSON = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _json_body(response) -> tuple[bool, object]:
    """(storable, body): an empty answer is stored as None, a JSON one as its value; others are not stored."""
    if response.streaming:
        return False, None
    if not response.content:
        return True, None
    if not response.get("Content-Type", "").startswith("application/json"):
        return False, None
    if NUL_IN_JSON.search(response.content):
        # PostgreSQL's jsonb holds no NUL character (an error naming a field sent with one): answered afresh.
        return False, None
    return True, json.loads(response.content)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    if record.response_body is None:
        response = HttpResponse(status=record.status)
    else:
        response = JsonResponse(record.response_body, status=record.status, safe=False)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            message = _("An Idempotency-Key is 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH}
            return _error(400, "invalid", message, field=HEADER)
        user = _api_user(request)
        if user is None:
            return self.get_response(request)
        try:
            fingerprint = hashlib.sha256(request.body).hexdigest()
        except RequestDataTooBig:
            return _error(413, "too_large", _("This request is too large to be sent with an Idempotency-Key."))
        path = request.get_full_path()

        with transaction.atomic():
            if not _try_lock(user.pk, key):
                message = _("A request with this Idempotency-Key is still running: retry when it has finished.")
                return _error(409, "idempotency_key_in_progress", message)
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is not None and record.created_at < idempotency_expiry_cutoff():
                record.delete()  # expired: the key starts afresh
                record = None
            if record is not None:
                if (record.method, record.path, record.fingerprint) != (request.method, path, fingerprint):
                    message = _("This Idempotency-Key was used for another request: use a new key for a new request.")
                    return _error(422, "idempotency_key_reused", message)
                return _replay(record)

            # The request's own writes in a savepoint: an error answer undoes them (a view that caught a
            # database error may have left the transaction unusable otherwise).
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
            storable, body = _json_body(response)
            if response.status_code >= 500 or not storable:
                return response
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=request.method,
                path=path,
                fingerprint=fingerprint,
                status=response.status_code,
                response_body=body,
                response_headers={name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
            )
        return response
