"""Firming: a planner turns MRP's planned orders into real orders, which the next run then keeps.

Make orders become firm ERP production orders (the BOM and routing effective on their start are
copied onto them); buy orders become draft purchase orders, one per supplier with a line per planned
order, for a buyer to check and send, priced at the supplier's SRM price break for the quantity (the
standard cost where the supplier has no price for it). All or nothing: one refusal firms none.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.choices import DemandKind, PlannedOrderKind, PlannedOrderState
from aps.events import PLANNED_ORDER_FIRMED
from aps.models import Pegging, PlannedOrder
from aps.services.mrp import plant_plan_lock
from core.models import Currency
from core.selectors.currencies import company_currency, convert_amount
from core.services.events import event_publish
from erp.models import ProductionOrder, PurchaseOrder, SalesOrderLine
from erp.services.production import production_order_create, production_order_firm
from erp.services.purchasing import purchase_order_create
from srm.models import SupplierItem
from srm.selectors.sources import price_at, supplier_items_for
from wms.selectors.stock import default_warehouse


def _messages(number: str, exc: ValidationError) -> list[str]:
    return [f"{number}: {message}" for message in exc.messages]


def _sales_order_line(order: PlannedOrder) -> SalesOrderLine | None:
    """The customer line a make order was planned for, when it covers that one line and nothing else:
    the production order then carries it (make-to-order)."""
    pegs = list(Pegging.objects.filter(planned_order=order).select_related("demand__sales_order_line"))
    if len(pegs) == 1 and pegs[0].demand.kind == DemandKind.SALES_ORDER:
        return pegs[0].demand.sales_order_line
    return None


def _make(order: PlannedOrder, warehouse, user: Any) -> ProductionOrder:
    production = production_order_create(
        item=order.item,
        quantity=order.quantity,
        # A plan firmed days after its run does not start in the past either.
        start_date=max(order.start_date, timezone.localdate()),
        due_date=order.due_date,
        warehouse=warehouse,
        sales_order_line=_sales_order_line(order),
        user=user,
    )
    return production_order_firm(order=production, user=user)


def _unit_price(order: PlannedOrder, supplier_item: SupplierItem | None, currency: Currency, on) -> Decimal:
    """The supplier's price break for the order's quantity on that day (SRM), else the item's standard cost;
    in the purchase order's currency."""
    price = price_at(supplier_item=supplier_item, quantity=order.quantity, on=on) if supplier_item else None
    if price is None:
        price, price_currency = order.item.standard_cost, company_currency()
    else:
        price_currency = supplier_item.currency
    return convert_amount(amount=price, from_currency=price_currency, to_currency=currency, on=on)


def _buy(supplier, orders: list[PlannedOrder], warehouse, user: Any) -> PurchaseOrder:
    today = timezone.localdate()
    currency = supplier.currency or company_currency()
    terms = supplier_items_for(supplier=supplier, items=[order.item for order in orders])
    lines = [
        {
            "item": order.item,
            "quantity": order.quantity,
            "unit_price": _unit_price(order, terms.get(order.item_id), currency, today),
            "expected_date": order.due_date,
        }
        for order in orders
    ]
    return purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        lines=lines,
        order_date=today,
        expected_date=min(order.due_date for order in orders),
        currency=currency,
        buyer=user,
    )


def planned_orders_firm(*, orders: Iterable[PlannedOrder], user: Any = None) -> list[ProductionOrder | PurchaseOrder]:
    """Firm planned orders into production and purchase orders; answers the orders created."""
    ids = [order.pk for order in orders]
    if not ids:
        raise ValidationError({"orders": _("Choose at least one planned order to firm.")}, code="empty")
    with plant_plan_lock(wait=True), transaction.atomic():
        locked = list(
            PlannedOrder.objects.select_for_update(of=("self",))
            .select_related("item", "supplier__currency")
            .filter(pk__in=ids)
            .order_by("due_date", "id")
        )
        errors = []
        if len(locked) != len(set(ids)):
            errors.append(_("Some planned orders are gone: a newer MRP run replaced them. Reload the plan."))
        for order in locked:
            if order.state == PlannedOrderState.FIRMED:
                errors.append(_("%(number)s is already firmed.") % {"number": order.number})
            elif order.kind == PlannedOrderKind.BUY and order.supplier is None:
                errors.append(
                    _(
                        "%(number)s: %(item)s has no supplier; approve a source (SRM) "
                        "or set the item's default supplier first."
                    )
                    % {"number": order.number, "item": order.item.code}
                )
        warehouse = default_warehouse()
        if warehouse is None:
            errors.append(_("There is no default warehouse (MAIN, or a single one) to order into."))
        if errors:
            raise ValidationError({"orders": errors})
        created: list[ProductionOrder | PurchaseOrder] = []
        firmed_at = timezone.now()
        by_supplier: dict[Any, list[PlannedOrder]] = defaultdict(list)
        for order in locked:
            if order.kind == PlannedOrderKind.MAKE:
                try:
                    order.production_order = _make(order, warehouse, user)
                except ValidationError as exc:
                    errors += _messages(order.number, exc)
                    continue
                created.append(order.production_order)
            else:
                by_supplier[order.supplier].append(order)
        for supplier, orders_of_supplier in by_supplier.items():
            try:
                purchase = _buy(supplier, orders_of_supplier, warehouse, user)
            except ValidationError as exc:
                errors += _messages(", ".join(order.number for order in orders_of_supplier), exc)
                continue
            created.append(purchase)
            for order in orders_of_supplier:
                order.purchase_order = purchase
        if errors:
            raise ValidationError({"orders": errors})
        for order in locked:
            order.state = PlannedOrderState.FIRMED
            order.firmed_at = firmed_at
            order.firmed_by = user if getattr(user, "is_authenticated", False) else None
            order.save(
                update_fields=["state", "production_order", "purchase_order", "firmed_at", "firmed_by", "updated_at"]
            )
            event_publish(name=PLANNED_ORDER_FIRMED, payload=_firmed_payload(order), aggregate=order, actor=user)
        return created


def _firmed_payload(order: PlannedOrder) -> dict[str, Any]:
    return {
        "planned_order": order.number,
        "kind": order.kind,
        "item": order.item.code,
        "quantity": str(order.quantity),
        "start_date": order.start_date.isoformat(),
        "due_date": order.due_date.isoformat(),
        "production_order": order.production_order.number if order.production_order else None,
        "purchase_order": order.purchase_order.number if order.purchase_order else None,
        "firmed_at": order.firmed_at.isoformat(),
    }
