"""The planning screens: the demand forecast (list with the coming months and the Generate button, an
item's history against its forecast with an adjust form per month), the master schedule grid (items x
weeks, editable, filled from the forecast) and the rough-cut capacity of the work centers per week.

Every write is a call to aps.services.forecast or aps.services.schedule: a refusal is shown on the page
and nothing is saved.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from aps.filtersets.planning import DemandForecastFilterSet
from aps.forms.planning import (
    ForecastAdjustForm,
    ForecastGenerateForm,
    ScheduleFillForm,
    ScheduleGridForm,
    WeeksForm,
)
from aps.models import DemandForecast, DemandForecastPeriod, MasterScheduleEntry
from aps.selectors.capacity import rough_cut_load
from aps.selectors.forecast import forecast_periods, month_add, month_start, monthly_demand
from aps.services.forecast import forecast_generate, forecast_period_adjust
from aps.services.schedule import schedule_entry_delete, schedule_entry_set, schedule_from_forecast
from aps.tables.planning import DemandForecastTable, month_columns
from core.formatting import format_quantity, trim_decimal
from core.forms import form_errors_message
from core.models import Item
from core.navigation import MenuItem
from core.views.generic import ModelPermissionMixin, ObjectDetailView, ObjectListView, ObjectScreens, run_service

GENERATE = "aps.change_demandforecast"
ADJUST = "aps.change_demandforecastperiod"
PLAN = "aps.change_masterscheduleentry"
LIST_MONTHS = 6
CHART_HISTORY_MONTHS = 24


# --- The forecast ----------------------------------------------------------------------------------------------


class ForecastListView(ObjectListView):
    """Items with their method, error and the coming months; planners (re)generate the forecast here."""

    template_name = "aps/planning/forecast_list.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(forecast_periods())

    def get_table_kwargs(self):
        current = month_start(timezone.localdate())
        return {"extra_columns": month_columns([month_add(current, k) for k in range(LIST_MONTHS)])}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            can_generate=self.request.user.has_perm(GENERATE),
            generate_form=ForecastGenerateForm(),
        )
        return context


@login_required
@require_POST
def forecast_generate_view(request):
    if not request.user.has_perm(GENERATE):
        raise PermissionDenied
    form = ForecastGenerateForm(request.POST)
    back = reverse("aps:demandforecast_list")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    try:
        count = forecast_generate(today=timezone.localdate(), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Forecast %(n)s sold item(s).") % {"n": count})
    return redirect(back)


def _chart(bars: list[dict], height: int = 160, width_per_bar: int = 30) -> dict:
    """SVG geometry of a bar chart: each bar's x, y and height (and a marker's y) scaled to the tallest."""
    top = max([bar["value"] for bar in bars] + [bar.get("marker") or 0 for bar in bars] + [Decimal(1)])
    scale = Decimal(height - 20) / top
    for index, bar in enumerate(bars):
        bar_height = int(bar["value"] * scale)
        bar.update(x=index * width_per_bar + 4, width=width_per_bar - 8, height=bar_height, y=height - bar_height)
        if bar.get("marker") is not None:
            bar["marker_y"] = height - int(bar["marker"] * scale)
        bar["text"] = format_quantity(bar["value"])
    return {"bars": bars, "width": len(bars) * width_per_bar, "height": height, "max": format_quantity(top)}


class ForecastDetailView(ObjectDetailView):
    """An item's monthly demand against its forecast (chart), the error of every method, and the months
    with their statistical and adjusted figures (an adjust form each for those who may)."""

    template_name = "aps/planning/forecast_detail.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(forecast_periods())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        forecast: DemandForecast = self.object
        periods = list(forecast.periods.all())
        current = month_start(timezone.localdate())
        first = month_add(current, -min(max(forecast.history_months, 1), CHART_HISTORY_MONTHS))
        end = month_add(periods[-1].month, 1) if periods else current
        demand = monthly_demand(first_month=first, end_month=max(end, current), items=[forecast.item])
        actual = demand[forecast.item_id] if forecast.item_id in demand.columns else None

        def ordered(month) -> Decimal:
            return Decimal(0) if actual is None else Decimal(str(actual.get(month, 0.0)))

        bars = [
            {"month": month, "value": ordered(month), "kind": "actual"} for month in demand.index if month < current
        ]
        bars += [
            {
                "month": period.month,
                "value": period.planned_qty,
                "kind": "adjusted" if period.adjusted_qty is not None else "forecast",
                "marker": period.statistical_qty if period.adjusted_qty is not None else None,
            }
            for period in periods
        ]
        can_adjust = self.request.user.has_perm(ADJUST)
        rows = [
            {
                "period": period,
                "ordered": ordered(period.month),
                "form": ForecastAdjustForm(
                    initial={"adjusted_qty": period.adjusted_qty, "note": period.note}, prefix=f"p{period.pk}"
                )
                if can_adjust
                else None,
            }
            for period in periods
        ]
        context.update(
            chart=_chart(bars),
            rows=rows,
            can_adjust=can_adjust,
            method_errors=[
                (label, forecast.method_errors.get(value), value == forecast.method)
                for value, label in type(forecast).method.field.choices
                if value in forecast.method_errors
            ],
        )
        return context


@login_required
@permission_required("aps.view_demandforecastperiod", raise_exception=True)
@require_POST
def forecast_period_adjust_view(request, pk):
    if not request.user.has_perm(ADJUST):  # before the lookup: a 404 would tell it exists
        raise PermissionDenied
    period = get_object_or_404(DemandForecastPeriod.objects.select_related("forecast"), pk=pk)
    form = ForecastAdjustForm(request.POST, prefix=f"p{period.pk}")
    back = period.forecast.get_absolute_url()
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    return run_service(
        request,
        lambda: forecast_period_adjust(
            period=period, quantity=form.cleaned_data["adjusted_qty"], note=form.cleaned_data["note"], user=request.user
        ),
        _("Saved the forecast of %(month)s.") % {"month": f"{period.month:%Y-%m}"},
        back,
    )


FORECASTS = ObjectScreens(
    model=DemandForecast,
    table=DemandForecastTable,
    filterset=DemandForecastFilterSet,
    editable=False,
    select_related=("item__uom",),
    detail_view=ForecastDetailView,
)


# --- The master schedule ----------------------------------------------------------------------------------------


def _weeks(params) -> tuple[list[datetime.date], WeeksForm]:
    form = WeeksForm(params)
    first_week, count = form.weeks_shown(timezone.localdate())
    return [first_week + datetime.timedelta(weeks=k) for k in range(count)], form


class ScheduleGridView(ModelPermissionMixin, generic.TemplateView):
    """Items x weeks: the scheduled items and the forecast ones, one editable cell per week. Posting saves
    the changed cells together, or none of them when one is wrong."""

    model = MasterScheduleEntry
    template_name = "aps/planning/schedule_grid.html"

    def grid(self, params, data=None) -> ScheduleGridForm:
        weeks, self.weeks_form = _weeks(params)
        self.search = (params.get("q") or "").strip()
        entries = {
            (entry.item_id, entry.week_start): entry.quantity
            for entry in MasterScheduleEntry.objects.filter(week_start__in=weeks)
        }
        scheduled = {item_id for item_id, _week in entries}
        items = Item.objects.filter(Q(pk__in=scheduled) | Q(demand_forecast__isnull=False, active=True)).select_related(
            "uom"
        )
        if self.search:
            items = items.filter(Q(code__icontains=self.search) | Q(name__icontains=self.search))
        return ScheduleGridForm(data, items=list(items.order_by("code")), weeks=weeks, entries=entries)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        form = form or self.grid(self.request.GET)
        weeks = form.weeks
        step = datetime.timedelta(weeks=len(weeks))
        kept = {"weeks": len(weeks), **({"q": self.search} if self.search else {})}

        def weeks_url(first: datetime.date) -> str:
            return f"{reverse('aps:schedule_grid')}?{urlencode({'first_week': first.isoformat(), **kept})}"

        totals = [
            sum((form.initial.get(field.name) or Decimal(0) for _week, field in cells), Decimal(0))
            for item, cells in form.rows()
            if item is not None
        ]
        context.update(
            form=form,
            rows=[(item, cells, total) for (item, cells), total in zip(form.rows(), [*totals, None], strict=True)],
            weeks=weeks,
            weeks_form=self.weeks_form,
            search=self.search,
            can_plan=self.request.user.has_perm(PLAN),
            fill_form=ScheduleFillForm(initial={"first_week": weeks[0], "weeks": len(weeks)}),
            previous_url=weeks_url(weeks[0] - step),
            next_url=weeks_url(weeks[0] + step),
            today_monday=timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday()),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(PLAN):
            raise PermissionDenied
        form = self.grid(request.POST, data=request.POST)
        if not form.is_valid():
            messages.error(request, _("Nothing was saved: correct the marked cells."))
            return self.render_to_response(self.get_context_data(form=form))
        changed = form.changed_cells()
        try:
            with transaction.atomic():
                for item, week, quantity in changed:
                    if quantity is not None:
                        schedule_entry_set(item=item, week_start=week, quantity=quantity, user=request.user)
                        continue
                    entry = MasterScheduleEntry.objects.filter(item=item, week_start=week).first()
                    if entry is not None:
                        schedule_entry_delete(entry=entry)
        except ValidationError as exc:
            form.add_error(None, _("Nothing was saved: %(reason)s") % {"reason": " ".join(exc.messages)})
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Saved %(n)s week(s).") % {"n": len(changed)})
        params = {"first_week": form.weeks[0].isoformat(), "weeks": len(form.weeks)}
        if self.search:
            params["q"] = self.search
        return redirect(f"{reverse('aps:schedule_grid')}?{urlencode(params)}")


@login_required
@require_POST
def schedule_fill_view(request):
    if not request.user.has_perm(PLAN):
        raise PermissionDenied
    form = ScheduleFillForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("aps:schedule_grid")
    data = form.cleaned_data
    try:
        written = schedule_from_forecast(first_week=data["first_week"], weeks=data["weeks"], user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("aps:schedule_grid")
    messages.success(request, _("Filled %(n)s item week(s) from the forecast.") % {"n": written})
    query = urlencode({"first_week": data["first_week"].isoformat(), "weeks": data["weeks"]})
    return redirect(f"{reverse('aps:schedule_grid')}?{query}")


# --- Rough-cut capacity ------------------------------------------------------------------------------------------


class RoughCutView(ModelPermissionMixin, generic.TemplateView):
    """Per work center and week: the hours the master schedule loads against the hours available, as bars
    (overloaded weeks in red) and as a table."""

    model = MasterScheduleEntry
    template_name = "aps/planning/rough_cut.html"
    chart_height = 120
    bar_width = 36

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        weeks, form = _weeks(self.request.GET)
        result = rough_cut_load(first_week=weeks[0], weeks=len(weeks))
        charts = []
        for row in result.work_centers:
            top = max(row.peak_hours, Decimal(1))
            scale = Decimal(self.chart_height - 14) / top
            bars = []
            for index, week in enumerate(row.weeks):
                load, available = int(week.load_hours * scale), int(week.available_hours * scale)
                bars.append(
                    {
                        "week": week,
                        "x": index * self.bar_width + 3,
                        "width": self.bar_width - 6,
                        "load_y": self.chart_height - load,
                        "load_height": load,
                        "available_y": self.chart_height - available,
                        "available_height": available,
                        "load": trim_decimal(week.load_hours),
                        "available": trim_decimal(week.available_hours),
                    }
                )
            charts.append({"row": row, "bars": bars, "top": trim_decimal(top)})
        step = datetime.timedelta(weeks=len(weeks))

        def weeks_url(first: datetime.date) -> str:
            return f"{reverse('aps:rough_cut')}?{urlencode({'first_week': first.isoformat(), 'weeks': len(weeks)})}"

        context.update(
            result=result,
            charts=charts,
            weeks_form=form,
            chart_width=len(weeks) * self.bar_width,
            chart_height=self.chart_height,
            previous_url=weeks_url(weeks[0] - step),
            next_url=weeks_url(weeks[0] + step),
        )
        return context


# --- URLs and menu -------------------------------------------------------------------------------------------------

urlpatterns = [
    path(
        "forecasts/",
        ForecastListView.as_view(
            model=DemandForecast,
            screens=FORECASTS,
            table_class=DemandForecastTable,
            filterset_class=DemandForecastFilterSet,
        ),
        name="demandforecast_list",
    ),
    path("forecasts/generate/", forecast_generate_view, name="forecast_generate"),
    path(
        "forecasts/<int:pk>/",
        ForecastDetailView.as_view(model=DemandForecast, screens=FORECASTS),
        name="demandforecast_detail",
    ),
    path("forecasts/periods/<int:pk>/adjust/", forecast_period_adjust_view, name="forecast_period_adjust"),
    path("master-schedule/", ScheduleGridView.as_view(), name="schedule_grid"),
    path("master-schedule/fill/", schedule_fill_view, name="schedule_fill"),
    path("rough-cut/", RoughCutView.as_view(), name="rough_cut"),
]

MENU = (
    MenuItem(gettext_lazy("Demand forecast"), "aps:demandforecast_list", "aps.view_demandforecast"),
    MenuItem(gettext_lazy("Master schedule"), "aps:schedule_grid", "aps.view_masterscheduleentry"),
    MenuItem(gettext_lazy("Rough-cut capacity"), "aps:rough_cut", "aps.view_masterscheduleentry"),
)
