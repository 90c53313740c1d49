"""The pipeline screens: the CRM dashboard, the kanban board (drag a card to another stage; without a mouse,
the stage select on the card), the opportunity list, page and forms, the won/lost/reopen buttons, the
forecast, and the pipeline's settings (stages, lost reasons, sales targets).

Every change of an opportunity is a call to crm.services.opportunities: a refusal is shown on the page (or,
for a drop on the board, sent back as JSON so the card returns to its column) and nothing is written.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.forms import form_errors_message
from core.selectors.currencies import company_currency
from core.views.generic import ObjectDetailView, ObjectScreens, ServiceFormView, ServiceScreens
from crm.filtersets import opportunities as filtersets
from crm.forms import opportunities as forms
from crm.models import LostReason, Opportunity, SalesTarget, Stage
from crm.selectors.cases import service_case_summary
from crm.selectors.pipeline import (
    CompanyMoney,
    add_months,
    month_start,
    open_stages,
    pipeline_board,
    pipeline_by_stage,
    sales_forecast,
    win_rate,
)
from crm.services import opportunities as services
from crm.tables import opportunities as tables

VIEWERS = ("crm.view_opportunity",)
MANAGERS = ("crm.change_opportunity",)
DASHBOARD_MONTHS = 6


def _money(value: Decimal) -> str:
    return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, opportunity: Opportunity) -> str:
    """Where a button returns to: the page it was pressed on (`next`, this site's only), else the opportunity."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return opportunity.get_absolute_url()


def _owner_of(data) -> Any:
    """The salesperson a page is filtered by (`owner`), or None for everyone (also for an unknown one)."""
    form = forms.OwnerFilterForm(data)
    return form.cleaned_data.get("owner") if form.is_valid() else None


def _company_money(request: HttpRequest) -> CompanyMoney | None:
    """The converter to the company currency, or None (with a message) while no company is set up."""
    try:
        return CompanyMoney()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None


class PipelinePermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = VIEWERS


# --- Changing an opportunity from the board and its page ----------------------------------------------------------


def _column_totals(owner: Any) -> list[dict[str, Any]]:
    return [
        {
            "stage": summary.stage.pk,
            "count": summary.count,
            "value": _money(summary.value),
            "weighted": _money(summary.weighted),
        }
        for summary in pipeline_by_stage(owner=owner)
    ]


def _opportunity_command(run, success: str):
    """A POST endpoint that changes one opportunity with `run(request, opportunity)`: back to the page it came
    from with the outcome as a message, or, asked for JSON (a drop on the board), the outcome and the new
    column totals; a refusal is a 400 and nothing is written."""

    @login_required
    @permission_required(VIEWERS, raise_exception=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        opportunity = get_object_or_404(Opportunity, pk=pk)
        as_json = _wants_json(request)
        if not request.user.has_perms(MANAGERS):
            message = _("Your role cannot do this.")
            if as_json:
                return JsonResponse({"message": message}, status=403)
            messages.error(request, message)
            return redirect(_back(request, opportunity))
        try:
            with transaction.atomic():
                changed = run(request, opportunity)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            if as_json:
                return JsonResponse({"message": message}, status=400)
            messages.error(request, message)
            return redirect(_back(request, opportunity))
        message = success % {"opportunity": changed.number, "stage": changed.stage.name}
        if as_json:
            owner = _owner_of(request.POST)
            return JsonResponse(
                {
                    "message": message,
                    "stage": changed.stage_id,
                    "probability": formats.number_format(changed.probability_pct, 0),
                    "columns": _column_totals(owner),
                }
            )
        messages.success(request, message)
        return redirect(_back(request, changed))

    return view


def _valid(form_class, request: HttpRequest, **kwargs):
    """The posted form's cleaned data; its errors refuse the command as a service would."""
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        raise ValidationError(form_errors_message(form), code="invalid")
    return form.cleaned_data


def _move(request: HttpRequest, opportunity: Opportunity) -> Opportunity:
    data = _valid(forms.StageMoveForm, request)
    reason = None
    if request.POST.get("lost_reason"):
        reason = _valid(forms.LoseForm, request)["lost_reason"]
    return services.opportunity_move(
        opportunity=opportunity,
        stage=data["stage"],
        lost_reason=reason,
        lost_note=request.POST.get("lost_note", ""),
        user=request.user,
    )


def _lose(request: HttpRequest, opportunity: Opportunity) -> Opportunity:
    data = _valid(forms.LoseForm, request)
    return services.opportunity_lose(
        opportunity=opportunity, lost_reason=data["lost_reason"], lost_note=data["lost_note"], user=request.user
    )


def _reopen(request: HttpRequest, opportunity: Opportunity) -> Opportunity:
    data = _valid(forms.ReopenForm, request)
    return services.opportunity_reopen(opportunity=opportunity, stage=data["stage"], user=request.user)


opportunity_move = _opportunity_command(_move, gettext_lazy("Moved %(opportunity)s to %(stage)s."))
opportunity_win = _opportunity_command(
    lambda request, opportunity: services.opportunity_win(opportunity=opportunity, user=request.user),
    gettext_lazy("Won %(opportunity)s."),
)
opportunity_lose = _opportunity_command(_lose, gettext_lazy("Lost %(opportunity)s."))
opportunity_reopen = _opportunity_command(_reopen, gettext_lazy("Reopened %(opportunity)s in %(stage)s."))


# --- The board --------------------------------------------------------------------------------------------------


class PipelineBoardView(PipelinePermissionMixin, generic.TemplateView):
    """One column per open stage, the cards soonest-closing first, filtered by owner."""

    template_name = "crm/pipeline/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filter_form = forms.OwnerFilterForm(self.request.GET or None)
        owner = filter_form.cleaned_data.get("owner") if filter_form.is_valid() else None
        try:
            board = pipeline_board(owner=owner)
        except ValidationError as exc:  # no company yet: nothing to value the pipeline in
            messages.error(self.request, " ".join(exc.messages))
            board = None
        context.update(
            board=board,
            filter_form=filter_form,
            owner=owner,
            can_manage=self.request.user.has_perms(MANAGERS),
            stages=[column.stage for column in board.columns] if board else [],
            lost_reasons=LostReason.objects.filter(active=True).order_by("name"),
        )
        return context


# --- The dashboard and the forecast -----------------------------------------------------------------------------


def _forecast_chart(forecast) -> dict[str, Any]:
    return {
        "labels": [month.month.strftime("%Y-%m") for month in forecast.months],
        "won": [float(month.total.won) for month in forecast.months],
        "weighted": [float(month.total.weighted) for month in forecast.months],
        "target": [float(month.total.target) for month in forecast.months],
        "titles": {"won": _("Won"), "weighted": _("Weighted pipeline"), "target": _("Target")},
    }


class DashboardView(PipelinePermissionMixin, generic.TemplateView):
    """Pipeline value by stage, the win rate of the last twelve months, the coming months against target,
    and after-sales service: open cases and SLA breaches."""

    template_name = "crm/pipeline/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_see_cases = user.has_perm("crm.view_servicecase")
        context["cases"] = service_case_summary() if can_see_cases else None
        money = _company_money(self.request)
        if money is None:
            return context
        by_stage = pipeline_by_stage(money=money)
        forecast = sales_forecast(start=timezone.localdate(), months=DASHBOARD_MONTHS)
        context.update(
            currency=money.currency,
            by_stage=by_stage,
            total=_sum_summaries(by_stage),
            win_rate=win_rate(money=money),
            forecast=forecast,
            unconverted=sorted({*money.unconverted, *forecast.unconverted}),
            charts={
                "stages": {
                    "labels": [summary.stage.name for summary in by_stage],
                    "value": [float(summary.value) for summary in by_stage],
                    "weighted": [float(summary.weighted) for summary in by_stage],
                    "titles": {"value": _("Pipeline value"), "weighted": _("Weighted value")},
                },
                "forecast": _forecast_chart(forecast),
            },
        )
        return context


def _sum_summaries(summaries) -> dict[str, Any]:
    return {
        "count": sum(summary.count for summary in summaries),
        "value": sum((summary.value for summary in summaries), Decimal(0)),
        "weighted": sum((summary.weighted for summary in summaries), Decimal(0)),
    }


class ForecastView(PipelinePermissionMixin, generic.TemplateView):
    """By month of close date and owner: pipeline, weighted and won value against target."""

    template_name = "crm/pipeline/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ForecastForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        start = data.get("start") or month_start(timezone.localdate())
        months = data.get("months") or 6
        context.update(form=form, start=start, end=add_months(start, months) - datetime.timedelta(days=1))
        try:
            forecast = sales_forecast(start=start, months=months, owner=data.get("owner"))
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return context
        context.update(forecast=forecast, chart=_forecast_chart(forecast))
        return context


# --- Opportunities: list, page, forms --------------------------------------------------------------------------


class OpportunityDetailView(ObjectDetailView):
    """An opportunity with its stage select and won/lost/reopen buttons, its activities and its quotes."""

    template_name = "crm/pipeline/opportunity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity, user = self.object, self.request.user
        can_manage = user.has_perms(MANAGERS)
        context.update(
            can_manage=can_manage,
            can_change=context["can_change"],
            stages=list(open_stages()) if can_manage and opportunity.is_open else [],
            lost_reasons=LostReason.objects.filter(active=True).order_by("name") if can_manage else [],
            overdue=opportunity.is_open and opportunity.close_date < timezone.localdate(),
            activities=(
                opportunity.activities.select_related("owner", "contact").order_by("-occurred_at", "-created_at")
                if user.has_perm("crm.view_activity")
                else None
            ),
            quotes=(
                opportunity.quotes.select_related("currency").order_by("-number", "-version")
                if user.has_perm("crm.view_quote")
                else None
            ),
        )
        return context


class OpportunityCreateView(ServiceFormView):
    form_class = forms.OpportunityForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def save(self, form) -> Opportunity:
        data = form.cleaned_data
        account = data["account"]
        return services.opportunity_create(
            account=account,
            name=data["name"],
            owner=data["owner"],
            expected_revenue=data["expected_revenue"],
            currency=_currency(data, account),
            close_date=data["close_date"],
            stage=data["stage"],
            contact=data["contact"],
            user=self.request.user,
            probability_pct=data["probability_pct"],
            description=data["description"],
        )


def _currency(data: dict, account):
    """The currency chosen, else the account's, else the company's."""
    if data.get("currency"):
        return data["currency"]
    if account.currency_id:
        return account.currency
    return company_currency()


class OpportunityUpdateView(ServiceFormView):
    """An open opportunity's fields; a won or lost one's description and contact only."""

    action = "change"
    form_class = forms.OpportunityForm

    @cached_property
    def object(self) -> Opportunity:  # looked up after the sign-in and permission checks
        return get_object_or_404(Opportunity.objects.select_related("account", "stage"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["opportunity"] = self.object
        return kwargs

    def save(self, form) -> Opportunity:
        data = form.cleaned_data
        changes = {name: value for name, value in data.items() if not form.fields[name].disabled}
        if "currency" in changes:
            changes["currency"] = _currency(data, data["account"])
        if "probability_pct" in changes and changes["probability_pct"] is None:
            changes["probability_pct"] = self.object.stage.probability_pct
        return services.opportunity_update(opportunity=self.object, user=self.request.user, **changes)


SCREENS = [
    ServiceScreens(
        model=Opportunity,
        table=tables.OpportunityTable,
        filterset=filtersets.OpportunityFilterSet,
        editable=False,
        select_related=("account", "stage", "currency", "owner"),
        detail_view=OpportunityDetailView,
        add_view=OpportunityCreateView,
        edit_view=OpportunityUpdateView,
    ),
    ObjectScreens(model=Stage, table=tables.StageTable, filterset=filtersets.StageFilterSet, form=forms.StageForm),
    ObjectScreens(
        model=LostReason,
        table=tables.LostReasonTable,
        filterset=filtersets.LostReasonFilterSet,
        form=forms.LostReasonForm,
    ),
    ObjectScreens(
        model=SalesTarget,
        table=tables.SalesTargetTable,
        filterset=filtersets.SalesTargetFilterSet,
        form=forms.SalesTargetForm,
        select_related=("owner", "currency"),
    ),
]

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("pipeline/", PipelineBoardView.as_view(), name="pipeline"),
    path("forecast/", ForecastView.as_view(), name="forecast"),
    *[url for screens in SCREENS for url in screens.urls()],
    path("opportunities/<int:pk>/move/", opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/win/", opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/lose/", opportunity_lose, name="opportunity_lose"),
    path("opportunities/<int:pk>/reopen/", opportunity_reopen, name="opportunity_reopen"),
]
