from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (and saved under `filename`)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def document_pdf_view(
    queryset: QuerySet, render: Callable[[Any], bytes], filename: Callable[[Any], str] = lambda obj: f"{obj.number}.pdf"
) -> Callable:
    """The view of a record's PDF: for whoever may see its detail page (the model's view permission), else 403;
    a record outside `queryset` (a supplier's invoice has no customer invoice PDF) is not found."""
    meta = queryset.model._meta
    permission = f"{meta.app_label}.view_{meta.model_name}"

    @login_required
    def view(request, pk: int) -> HttpResponse:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        record: Model = get_object_or_404(queryset, pk=pk)
        return pdf_response(render(record), filename(record))

    return view
