"""The costing screens: cost versions (list, new, detail with their item costs and the Roll up and
Activate buttons), an item cost's contributions, the comparison of two versions, and the work center
rates the roll-up charges. Every change is a call to erp.services.costing: a refusal is shown on the
page and nothing is changed. The roll-up runs in the background; the version's page shows its progress.
"""

from dataclasses import dataclass
from decimal import Decimal

import django_tables2 as tables
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Count
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.formatting import trim_decimal
from core.views.generic import (
    Command,
    ObjectDetailView,
    ObjectScreens,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
)
from erp.choices import CostVersionState
from erp.filtersets.costing import CostVersionFilterSet, ItemCostFilterSet, WorkCenterRateFilterSet
from erp.forms.costing import CostCompareForm, CostVersionForm, WorkCenterRateForm
from erp.models import CostVersion, ItemCost, WorkCenterRate
from erp.selectors.costing import (
    PARTS,
    CostComparison,
    component_costs,
    cost_version_compare,
    cost_version_runs,
    item_costs_of,
)
from erp.services import costing
from erp.tables.costing import CostVersionTable, ItemCostTable, WorkCenterRateTable

MANAGE = ("erp.change_costversion",)
# Figures of the detail that are money (per unit): shown with at least two places, as the tables do.
MONEY_KEYS = ("unit_cost", "amount", "labor_rate", "machine_rate", "labor", "machine")


def money(value) -> str:
    """A cost as people read it: 24.2 -> 24.20, 0.000833 stays; nothing for None."""
    return "" if value is None or value == "" else trim_decimal(Decimal(value), min_places=2)


def _shown(row: dict) -> dict:
    return {**row, **{key: money(row[key]) for key in MONEY_KEYS if key in row}}


@dataclass
class CostScreens(ServiceScreens):
    """ServiceScreens whose lists may leave heavy columns unread."""

    defer: tuple[str, ...] = ()

    def get_queryset(self):
        return super().get_queryset().defer(*self.defer)


# --- Cost versions ------------------------------------------------------------------------------------------


class CostVersionCreateView(ServiceFormView):
    form_class = CostVersionForm
    model = CostVersion
    success_message = gettext_lazy("Created %(object)s: roll it up to cost its items.")

    def save(self, form) -> CostVersion:
        return costing.cost_version_create(**form.cleaned_data)


def _roll_up(request, version: CostVersion) -> str:
    costing.cost_version_roll_up_start(version=version, user=request.user)
    return _("The roll-up of %(version)s has started; its progress is shown below.") % {"version": version.code}


def _activate(request, version: CostVersion) -> str:
    costing.cost_version_activate(version=version, user=request.user)
    return _("%(version)s is active: its costs are now the items' standard costs.") % {"version": version.code}


# `offered(version, running)`: running, whether a roll-up of the version is under way.
COMMANDS = {
    "roll-up": Command(
        gettext_lazy("Roll up"),
        "primary",
        MANAGE,
        lambda version, running: version.state == CostVersionState.DRAFT and not running,
        _roll_up,
    ),
    "activate": Command(
        gettext_lazy("Activate"),
        "success",
        MANAGE,
        lambda version, running: (
            version.state == CostVersionState.DRAFT and version.rolled_up_at is not None and not running
        ),
        _activate,
    ),
}
cost_version_command = command_view(CostVersion, COMMANDS)


class CostVersionDetailView(ObjectDetailView):
    """A version's figures and item costs (top items first), its last roll-up run and its buttons."""

    template_name = "erp/costing/costversion_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version, user = self.object, self.request.user
        run = cost_version_runs(version=version).select_related("created_by").first()
        running = run is not None and not run.is_finished
        table = ItemCostTable(item_costs_of(version=version), exclude=("version",), prefix="costs-")
        tables.RequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        context.update(
            run=run,
            commands=commands_for(version, user, COMMANDS, running),
            costs_table=table,
            with_warnings=ItemCost.objects.filter(version=version, detail__contains=[{"kind": "warning"}]).count(),
            active=CostVersion.objects.filter(state=CostVersionState.ACTIVE).exclude(pk=version.pk).first(),
        )
        return context


# --- Item costs ----------------------------------------------------------------------------------------------------


class ItemCostDetailView(ObjectDetailView):
    """What makes up an item's cost: each component's and operation's contribution, and the warnings."""

    template_name = "erp/costing/itemcost_detail.html"

    def get_queryset(self):
        return super().get_queryset().defer(None)  # the contributions the list leaves unread

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cost = self.object
        rows = cost.detail or []
        linked = component_costs(cost=cost)
        components = [
            {**_shown(row), "cost": linked.get(row["item"])} for row in rows if row.get("kind") == "component"
        ]
        context.update(
            figures=[(ItemCost._meta.get_field(part).verbose_name, money(getattr(cost, part))) for part in PARTS],
            source=next((row for row in rows if row.get("kind") == "source"), {}),
            components=components,
            operations=[_shown(row) for row in rows if row.get("kind") == "operation"],
            warnings=[row for row in rows if row.get("kind") == "warning"],
            used_in=ItemCost.objects.filter(
                version_id=cost.version_id, detail__contains=[{"kind": "component", "item": cost.item.code}]
            )
            .select_related("item")
            .order_by("item__code"),
        )
        return context


# --- Comparing two versions -------------------------------------------------------------------------------------


def _compared(row: CostComparison) -> dict:
    """A comparison row with its figures formatted: (old, new) per part, the signed delta and percent."""
    signed = "" if row.delta is None else ("+" if row.delta > 0 else "") + money(row.delta)
    pct = "" if row.delta_pct is None else ("+" if row.delta_pct > 0 else "") + str(row.delta_pct)
    return {
        "row": row,
        "parts": [(money(getattr(row.old, part, None)), money(getattr(row.new, part, None))) for part in PARTS],
        "delta": signed,
        "delta_pct": pct,
    }


class CostVersionCompareView(LoginRequiredMixin, PermissionRequiredMixin, generic.TemplateView):
    """Per item: old and new unit cost, material, labor and machine, the delta and its percent."""

    permission_required = ("erp.view_costversion", "erp.view_itemcost")
    template_name = "erp/costing/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "old" in self.request.GET or "new" in self.request.GET:
            form = CostCompareForm(self.request.GET)
        else:
            # The usual question: what would activating the newest draft change against the active version?
            active = CostVersion.objects.filter(state=CostVersionState.ACTIVE).first()
            draft = CostVersion.objects.filter(state=CostVersionState.DRAFT).order_by("-as_of", "-code").first()
            form = CostCompareForm(initial={"old": active, "new": draft})
        rows = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            rows = [
                _compared(row)
                for row in cost_version_compare(old=data["old"], new=data["new"], changed_only=data["changed_only"])
            ]
        context.update(
            form=form,
            rows=rows,
            old=form.cleaned_data.get("old") if rows is not None else None,
            new=form.cleaned_data.get("new") if rows is not None else None,
            list_url=reverse("erp:costversion_list"),
        )
        return context


SCREENS = [
    CostScreens(
        model=CostVersion,
        table=CostVersionTable,
        filterset=CostVersionFilterSet,
        editable=False,
        select_related=("activated_by",),
        annotate={"item_count": Count("item_costs")},
        detail_view=CostVersionDetailView,
        add_view=CostVersionCreateView,
    ),
    CostScreens(
        model=ItemCost,
        table=ItemCostTable,
        filterset=ItemCostFilterSet,
        editable=False,
        select_related=("version", "item__uom"),
        defer=("detail",),
        detail_view=ItemCostDetailView,
    ),
    ObjectScreens(
        model=WorkCenterRate,
        table=WorkCenterRateTable,
        filterset=WorkCenterRateFilterSet,
        form=WorkCenterRateForm,
        select_related=("work_center",),
    ),
]

urlpatterns = [
    path("cost-versions/compare/", CostVersionCompareView.as_view(), name="costversion_compare"),
    path("cost-versions/<int:pk>/<slug:command>/", cost_version_command, name="costversion_command"),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
