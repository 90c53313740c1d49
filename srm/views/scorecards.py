"""Supplier scorecards on screen: every supplier's months in a list, one month with the order lines it
judged (so its figures can be checked by hand), and a supplier's page: its months as a table and a trend
chart, its standing (a warning or a purchasing block, with the reason) and the quality events reported
against it. Buyers compute a month (again) from either page; the thresholds are set in the admin console."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.choices import PartnerKind
from core.forms import form_errors_message
from core.models import BlockPurpose, Partner, PartnerBlock
from core.navigation import model_item
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectScreens,
    PageTableExportMixin,
    command_view,
    commands_for,
)
from srm.filtersets.scorecards import ScorecardFilterSet
from srm.forms.scorecards import ScorecardComputeForm
from srm.models import Scorecard, ScorecardThreshold, SupplierQualityEvent
from srm.selectors.scorecards import latest_scorecard, line_deliveries, scorecard_trend, supplier_scorecards
from srm.services.scorecards import block_source, scorecard_compute
from srm.tables.scorecards import ScorecardTable

MANAGE = "srm.change_scorecard"
TREND_MONTHS = 12
SUPPLIER_KINDS = (PartnerKind.SUPPLIER, PartnerKind.BOTH)


def _computed_message(scorecard: Scorecard) -> str:
    return _("Computed %(scorecard)s: score %(score)s, %(rating)s.") % {
        "scorecard": scorecard,
        "score": scorecard.score if scorecard.score is not None else "—",
        "rating": scorecard.get_rating_display().lower(),
    }


def _recompute(request, scorecard: Scorecard) -> str:
    return _computed_message(scorecard_compute(supplier=scorecard.supplier, period=scorecard.period_start))


COMMANDS = {
    "recompute": Command(
        gettext_lazy("Compute again"), "outline-primary", (MANAGE,), lambda scorecard: True, _recompute
    )
}
scorecard_command = command_view(Scorecard, COMMANDS)


class ScorecardDetailView(ObjectDetailView):
    """One supplier's month: its figures, and each order line due in it as it was judged."""

    template_name = "srm/scorecards/scorecard_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scorecard = self.object
        context.update(
            deliveries=line_deliveries(
                supplier=scorecard.supplier,
                start=scorecard.period_start,
                end=scorecard.period_end,
                now=scorecard.computed_at,
            ),
            commands=commands_for(scorecard, self.request.user, COMMANDS),
            supplier_url=reverse("srm:supplier_scorecards", args=[scorecard.supplier_id]),
            can_change=False,
            can_delete=False,
        )
        return context


def _chart(scorecards: list[Scorecard]) -> dict:
    """The trend chart's data: the percentages on the left axis, rejects and price variance on the right."""
    trend = scorecard_trend(scorecards)
    return {
        "labels": trend["labels"],
        "series": [
            {"label": _("Score"), "data": trend["score"], "axis": "y"},
            {"label": _("On time %"), "data": trend["on_time"], "axis": "y"},
            {"label": _("Quantity accuracy %"), "data": trend["quantity_accuracy"], "axis": "y"},
            {"label": _("Reject rate %"), "data": trend["reject_rate"], "axis": "y2"},
            {"label": _("Price variance %"), "data": trend["price_variance"], "axis": "y2"},
        ],
        "axes": {"y": _("Score and %"), "y2": _("Rejects and price variance, %")},
    }


class SupplierScorecardsView(PageTableExportMixin, ModelPermissionMixin, generic.TemplateView):
    """A supplier's months: its standing, the trend of the last twelve, and the table of them all."""

    model = Scorecard
    template_name = "srm/scorecards/supplier_scorecards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supplier = get_object_or_404(Partner, pk=self.kwargs["pk"], kind__in=SUPPLIER_KINDS)
        scorecards = supplier_scorecards(supplier=supplier)
        user = self.request.user
        context.update(
            supplier=supplier,
            latest=latest_scorecard(supplier=supplier),
            purchasing_block=PartnerBlock.objects.filter(
                partner=supplier,
                purpose=BlockPurpose.PURCHASING,
                source=block_source(supplier),
                lifted_at__isnull=True,
            ).first(),
            table=ScorecardTable(list(reversed(scorecards)), exclude=("supplier", "supplier_name"), orderable=False),
            chart=_chart(scorecards[-TREND_MONTHS:]),
            quality_events=SupplierQualityEvent.objects.filter(supplier=supplier).select_related("item", "lot")[:20],
            thresholds=ScorecardThreshold.objects.filter(active=True),
            compute_form=ScorecardComputeForm(prefix="compute") if user.has_perm(MANAGE) else None,
            list_url=reverse("srm:scorecard_list"),
        )
        return context


@login_required
@permission_required("srm.view_scorecard", raise_exception=True)
@require_POST
def supplier_scorecard_compute(request, pk):
    supplier = get_object_or_404(Partner, pk=pk, kind__in=SUPPLIER_KINDS)
    back = reverse("srm:supplier_scorecards", args=[supplier.pk])
    if not request.user.has_perm(MANAGE):
        messages.error(request, _("Your role cannot do this."))
        return redirect(back)
    form = ScorecardComputeForm(request.POST, prefix="compute")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    try:
        scorecard = scorecard_compute(supplier=supplier, period=form.cleaned_data["month"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _computed_message(scorecard))
    return redirect(back)


SCREENS = ObjectScreens(
    model=Scorecard,
    table=ScorecardTable,
    filterset=ScorecardFilterSet,
    select_related=("supplier",),
    editable=False,
    detail_view=ScorecardDetailView,
)

urlpatterns = [
    *SCREENS.urls(),
    path("scorecards/supplier/<int:pk>/", SupplierScorecardsView.as_view(), name="supplier_scorecards"),
    path("scorecards/supplier/<int:pk>/compute/", supplier_scorecard_compute, name="supplier_scorecard_compute"),
    path("scorecards/<int:pk>/<slug:command>/", scorecard_command, name="scorecard_command"),
]

MENU = (model_item(gettext_lazy("Scorecards"), "srm.scorecard"),)
