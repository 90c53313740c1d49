"""Pieces the MES screens share."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import form_errors_message


def record_form_view(
    model: type[models.Model],
    form_class: type,
    permissions: tuple[str, ...],
    run: Callable[[Any, Any, dict[str, Any]], str],
    prefix: str,
):
    """The POST endpoint of a form on a record's page (`run(request, record, cleaned_data)` calls the service
    and says what it did): back to the page with the outcome, or the refusal, as a message. Who may not view
    the records gets a 403 before anything is looked up."""

    @login_required
    @permission_required(f"{model._meta.app_label}.view_{model._meta.model_name}", raise_exception=True)
    @require_POST
    def view(request, pk):
        record = get_object_or_404(model, pk=pk)
        if not request.user.has_perms(permissions):
            messages.error(request, _("Your role cannot do this."))
            return redirect(record)
        form = form_class(request.POST, prefix=prefix)
        if not form.is_valid():
            messages.error(request, form_errors_message(form))
            return redirect(record)
        try:
            with transaction.atomic():
                message = run(request, record, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect(record)

    return view
