"""One error body for every API failure: {"errors": [{"field", "code", "message"}]}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail, field=None):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else key
            yield from _flatten(value, f"{field}.{name}" if field and name else (name or field))
    elif isinstance(detail, list):
        for value in detail:
            yield from _flatten(value, field)
    else:
        yield {"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}


def _details(errors):
    return [ErrorDetail(message, error.code or "invalid") for error in errors for message in error.messages]


def _from_django(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: _details(errors) for field, errors in exc.error_dict.items()}
    return {"non_field_errors": _details(exc.error_list)}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):  # raised by services and full_clean()
        exc = exceptions.ValidationError(_from_django(exc))
    response = drf_exception_handler(exc, context)
    if response is not None:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
        response.data = {"errors": list(_flatten(detail))}
    return response
