"""Pick faces kept between their minimum and maximum, refilled from the other bins by tasks."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum

from wms.choices import LocationKind
from wms.models import Quant, ReplenishmentRule, StockTask, TaskPurpose, TaskState, Warehouse

ZERO = Decimal(0)


def replenishment_plan(*, warehouse: Warehouse) -> list[StockTask]:
    """Tasks that refill every pick face below its minimum up to its maximum, oldest stock first.

    Open replenishment tasks count as on their way, so planning twice does not ask twice.
    """
    created = []
    with transaction.atomic():
        # Stock promised to open tasks is no longer there to plan from.
        promised: dict[tuple, Decimal] = {
            (location, item, lot): quantity
            for location, item, lot, quantity in StockTask.objects.filter(warehouse=warehouse, state=TaskState.OPEN)
            .values_list("from_location", "item", "lot")
            .annotate(total=Sum("quantity"))
        }
        rules = ReplenishmentRule.objects.filter(location__warehouse=warehouse).select_related("location", "item")
        for rule in rules:
            face = rule.location
            here = Quant.objects.filter(item=rule.item, location=face).aggregate(q=Sum("quantity"))["q"] or ZERO
            coming = (
                StockTask.objects.filter(
                    purpose=TaskPurpose.REPLENISHMENT, state=TaskState.OPEN, item=rule.item, to_location=face
                ).aggregate(q=Sum("quantity"))["q"]
                or ZERO
            )
            if here + coming >= rule.min_qty:
                continue
            need = rule.max_qty - here - coming
            sources = (
                Quant.objects.filter(
                    item=rule.item,
                    location__warehouse=warehouse,
                    location__kind=LocationKind.INTERNAL,
                    location__quality_hold=False,
                    location__active=True,
                    quantity__gt=F("reserved"),
                )
                .exclude(location=face)
                .exclude(location__in=[warehouse.receiving_location_id, warehouse.output_location_id])
                .exclude(location__replenishment_rules__item=rule.item)  # never rob one pick face for another
                .order_by("in_date", "pk")
            )
            for quant in sources:
                if need <= 0:
                    break
                key = (quant.location_id, quant.item_id, quant.lot_id)
                take = min(need, quant.quantity - quant.reserved - promised.get(key, ZERO))
                if take <= 0:
                    continue
                promised[key] = promised.get(key, ZERO) + take
                created.append(
                    StockTask.objects.create(
                        purpose=TaskPurpose.REPLENISHMENT,
                        warehouse=warehouse,
                        item=rule.item,
                        lot=quant.lot,
                        quantity=take,
                        from_location=quant.location,
                        to_location=face,
                    )
                )
                need -= take
    return created
