"""One error body for every API failure: {"errors": [{"field", "code", "message"}]}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail, field=None):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            if name is None:
                yield from _flatten(value, field)
            else:
                yield from _flatten(value, f"{field}.{name}" if field else name)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            # A list of objects (request lines) keeps each one's position: "lines.2.item".
            position = f"{field}.{index}" if isinstance(value, dict) and field else field
            yield from _flatten(value, position)
    else:
        yield {"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}


def _details(errors):
    return [ErrorDetail(message, error.code or "invalid") for error in errors for message in error.messages]


def _from_django(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: _details(errors) for field, errors in exc.error_dict.items()}
    return {"non_field_errors": _details(exc.error_list)}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "protected"


def _as_api_exception(exc):
    """Django's own exceptions as the DRF ones that carry a status, a code and a message."""
    if isinstance(exc, DjangoValidationError):  # raised by services and full_clean()
        return exceptions.ValidationError(_from_django(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, ProtectedError):
        used_by = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        return Conflict(f"This record is used by {', '.join(used_by)} and cannot be deleted.")
    return exc


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"errors": list(_flatten(exc.detail))}
    return response


@csrf_exempt  # a POST to a wrong address is a 404, not a CSRF refusal: nothing is written either way
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown addresses under /api/ answer in the API's error format, not with an HTML page."""
    message = f"No API resource at {request.path}."
    return JsonResponse({"errors": [{"field": None, "code": "not_found", "message": message}]}, status=404)
