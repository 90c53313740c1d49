from django.db.models import Count
from django.urls import include, path

from core import filtersets, forms, models, tables
from core.views.generic import ObjectScreens
from core.views.pages import TaskRunDetailView, TaskRunProgressView
from core.views.search import SearchView

app_name = "core"


def _screens(model, *, editable=True, **options) -> ObjectScreens:
    """Screens named by convention: `ItemTable`, `ItemFilterSet`, `ItemForm` for `Item`."""
    name = model.__name__
    return ObjectScreens(
        model=model,
        table=getattr(tables, f"{name}Table"),
        filterset=getattr(filtersets, f"{name}FilterSet"),
        form=getattr(forms, f"{name}Form") if editable else None,
        editable=editable,
        **options,
    )


SCREENS = [
    _screens(models.Company, select_related=("currency",)),
    _screens(models.Site, select_related=("company",)),
    _screens(models.UnitCategory, related=[("Units", tables.UnitTable, lambda c: c.units.all())]),
    _screens(models.Unit, select_related=("category",)),
    _screens(models.Currency, related=[("Exchange rates", tables.ExchangeRateTable, lambda c: c.rates.all())]),
    _screens(models.ExchangeRate, select_related=("currency",)),
    _screens(
        models.Partner,
        select_related=("currency", "parent"),
        related=[("Items supplied", tables.ItemTable, lambda p: p.supplied_items.select_related("uom", "category"))],
    ),
    _screens(models.ItemCategory, select_related=("parent",)),
    _screens(models.Item, select_related=("uom", "category", "default_supplier")),
    _screens(
        models.Area,
        select_related=("site",),
        related=[
            ("Work centers", tables.WorkCenterTable, lambda a: a.work_centers.annotate(machine_count=Count("machines")))
        ],
    ),
    _screens(
        models.WorkCenter,
        select_related=("area", "calendar"),
        annotate={"machine_count": Count("machines")},
        related=[("Machines", tables.MachineTable, lambda w: w.machines.select_related("calendar"))],
    ),
    _screens(models.Machine, select_related=("work_center", "calendar")),
    _screens(
        models.WorkCalendar,
        related=[
            ("Shifts", tables.ShiftTable, lambda c: c.shifts.all()),
            ("Exceptions", tables.CalendarExceptionTable, lambda c: c.exceptions.all()),
        ],
    ),
    _screens(models.Shift, select_related=("calendar",)),
    _screens(models.CalendarException, select_related=("calendar",)),
    _screens(models.TaskRun, editable=False, select_related=("created_by",), detail_view=TaskRunDetailView),
    _screens(models.DomainEvent, editable=False, select_related=("actor",)),
]

urlpatterns = [
    path("search/", SearchView.as_view(), name="search"),
    path("task-runs/<uuid:pk>/progress/", TaskRunProgressView.as_view(), name="taskrun_progress"),
    path("import/", include("core.dataio_urls")),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
