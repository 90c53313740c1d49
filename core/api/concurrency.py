"""Optimistic concurrency on the API: a record's `ETag` and the `If-Match` precondition on writes.

A record's entity tag is derived from its `updated_at` (every business model has one, see
core.models.base.TaktModel), so it changes with each save. Every viewset reaches its record through
`get_object()`, which runs the object permissions: `IfMatchPrecondition` is one, listed in the default
permission classes (and by the viewsets that name their own), so it covers every viewset without each one
inheriting something. It refuses a write whose `If-Match` names another version with a 412, and leaves the
record on the request for `ETagMiddleware`, which puts the tag of the record as it is after the write on
the answer. `If-Match` is optional: a write without it behaves as before.
"""

import datetime
import hashlib

from django.db import models, transaction
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS, BasePermission

API_PREFIX = "/api/v1/"

# Where the precondition leaves the record for ETagMiddleware (on Django's request, which it sees).
_RECORD_ATTRIBUTE = "_takt_etag_record"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = _("The record was changed since you read it: read it again (its ETag) and retry.")


def record_etag(record: models.Model, updated_at: datetime.datetime | None = None) -> str | None:
    """The record's strong entity tag (quoted), or None for a model without `updated_at`."""
    if updated_at is None:
        updated_at = getattr(record, "updated_at", None)
    if updated_at is None:
        return None
    version = f"{record._meta.label_lower}:{record.pk}:{updated_at.isoformat()}"
    digest = hashlib.sha256(version.encode()).hexdigest()[:32]
    return f'"{digest}"'


def _current_etag(record: models.Model, *, lock: bool) -> str | None:
    """The tag of the record as stored now; `lock` holds its row until the request's transaction ends, so
    a concurrent write with the same If-Match waits, then sees the new version and gets its 412."""
    if not hasattr(record, "updated_at"):
        return None
    # No Meta.ordering: ordering by a nullable relation joins it, and FOR UPDATE refuses an outer join.
    rows = type(record)._base_manager.filter(pk=record.pk).order_by()
    if lock:
        rows = rows.select_for_update(of=("self",))
    updated_at = rows.values_list("updated_at", flat=True).first()
    return record_etag(record, updated_at) if updated_at is not None else None


class IfMatchPrecondition(BasePermission):
    """A write on a record with `If-Match` goes ahead only if one of its tags (or `*`) is the record's
    current ETag (strong comparison, RFC 9110 13.1.1); otherwise 412 and nothing changes."""

    def has_object_permission(self, request, view, obj) -> bool:
        write = request.method not in SAFE_METHODS
        if write or getattr(view, "action", None) == "retrieve":
            setattr(request._request, _RECORD_ATTRIBUTE, obj)
        if_match = request.headers.get("If-Match")
        if not write or if_match is None:
            return True
        tags = parse_etags(if_match)
        current = _current_etag(obj, lock=transaction.get_connection().in_atomic_block)
        if "*" in tags or (current is not None and current in tags):
            return True
        raise PreconditionFailed


class ETagMiddleware:
    """For /api/v1/: runs a write carrying If-Match in one transaction (the precondition's row lock lasts
    until the write commits; an error answer changes nothing), and tags a successful answer about one
    record with that record's ETag as it is now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method not in SAFE_METHODS and "If-Match" in request.headers:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
                self._tag(request, response)
            return response
        response = self.get_response(request)
        self._tag(request, response)
        return response

    @staticmethod
    def _tag(request, response) -> None:
        record = getattr(request, _RECORD_ATTRIBUTE, None)
        # A deleted record answers 204; a DELETE of a document's line answers the document (200), tagged.
        if record is None or not 200 <= response.status_code < 300 or response.status_code == 204:
            return
        # A write changed the record (and may have saved another instance of it): read its version again.
        etag = record_etag(record) if request.method in SAFE_METHODS else _current_etag(record, lock=False)
        if etag is not None:
            response["ETag"] = etag
