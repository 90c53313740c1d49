"""What the B2MML exports read: the published schedule's production orders and operations, items, lots with
what is on hand, and the equipment hierarchy, each in a fixed number of queries."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from aps.models import Schedule, ScheduleOperation
from aps.selectors.scheduling import published_schedule
from core.models import Area, Item, Machine, Site, WorkCenter
from erp.models import ProductionComponent
from mes.exchange.b2mml import OrderPlan
from wms.choices import LocationKind
from wms.models import Lot, Quant


def schedule_plans(schedule: Schedule) -> list[OrderPlan]:
    """The schedule's production orders in order of their first start, each with its placed operations in
    sequence (planned and what-if orders are not sent: the floor works production orders only)."""
    operations = (
        ScheduleOperation.objects.filter(
            job__schedule=schedule, job__production_order__isnull=False, operation__isnull=False, start__isnull=False
        )
        .select_related(
            "work_center",
            "machine",
            "operation",
            "job__production_order__item__uom",
            "job__production_order__routing_revision",
        )
        .prefetch_related(
            Prefetch(
                "job__production_order__components",
                queryset=ProductionComponent.objects.select_related("item__uom").order_by("position"),
            )
        )
        .order_by("job__production_order__number", "seq")
    )
    plans: dict[int, OrderPlan] = {}
    for operation in operations:
        order = operation.job.production_order
        plans.setdefault(order.pk, OrderPlan(order=order)).operations.append(operation)
    return sorted(plans.values(), key=lambda plan: (plan.operations[0].start, plan.order.number))


def published_schedule_plans() -> tuple[Schedule | None, list[OrderPlan]]:
    schedule = published_schedule()
    return schedule, schedule_plans(schedule) if schedule else []


def material_items() -> QuerySet[Item]:
    return Item.objects.filter(active=True).select_related("uom", "category").order_by("code")


def material_lots() -> QuerySet[Lot]:
    """Lots with what is on hand of each in the warehouses' bins (`on_hand`)."""
    on_hand = (
        Quant.objects.filter(lot=OuterRef("pk"), location__kind=LocationKind.INTERNAL)
        .values("lot")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=6))
    return (
        Lot.objects.select_related("item__uom")
        .annotate(on_hand=Coalesce(Subquery(on_hand, output_field=DecimalField(max_digits=18, decimal_places=6)), zero))
        .order_by("item__code", "code")
    )


def equipment_hierarchy() -> tuple[list[Site], list[WorkCenter], dict[int, list[Machine]]]:
    """Sites with their areas and work centers, the work centers in no area, and the active machines by
    work center id."""
    sites = list(
        Site.objects.order_by("code").prefetch_related(
            Prefetch(
                "areas",
                queryset=Area.objects.order_by("code").prefetch_related(
                    Prefetch("work_centers", queryset=WorkCenter.objects.order_by("code"))
                ),
            )
        )
    )
    loose = list(WorkCenter.objects.filter(area__isnull=True).order_by("code"))
    machines: dict[int, list[Machine]] = defaultdict(list)
    for machine in Machine.objects.filter(active=True).order_by("code"):
        machines[machine.work_center_id].append(machine)
    return sites, loose, dict(machines)
