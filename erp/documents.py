"""ERP's printed documents, in the one layout of core.documents.pdf: the order confirmation of a sales order,
the customer invoice, and the production traveller that goes with an order's material through the shop.

Each reads what it prints in a fixed number of queries, however many lines the document has.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from core.documents.parties import partner_party
from core.documents.pdf import (
    SMALL,
    Column,
    Layout,
    barcode,
    day,
    heading,
    letterhead_company,
    lines_table,
    money,
    notes,
    price,
    quantity,
    render_pdf,
    text,
)
from core.formatting import format_quantity
from erp.choices import InvoiceKind, InvoiceState
from erp.models import (
    Invoice,
    InvoiceLine,
    ProductionComponent,
    ProductionOperation,
    ProductionOrder,
    SalesOrder,
    SalesOrderLine,
)
from erp.selectors.production import standard_minutes
from erp.selectors.sales import Totals, lines_totals
from wms.models import Reservation

# --- Lines sold: the quote's and the order confirmation's ------------------------------------------------------


def sales_lines_table(lines: Sequence, currency: str, totals: Totals, promised: date | None = None) -> Table:
    """Lines priced for a customer (a quote's or a sales order's: position, item, quantity, unit price,
    discount, tax rate, promised date, net amount) with the net, tax and total. A line promised for no day of
    its own is promised for the document's `promised` day."""
    columns = [
        Column(_("Pos"), 10 * mm),
        Column(_("Item")),
        Column(_("Quantity"), 22 * mm, numeric=True),
        Column(_("Unit price"), 21 * mm, numeric=True),
        Column(_("Disc. %"), 14 * mm, numeric=True),
        Column(_("Tax"), 19 * mm),
        Column(_("Promised"), 21 * mm),
        Column(_("Net %(currency)s") % {"currency": currency}, 25 * mm, numeric=True),
    ]
    rows = [
        [
            str(line.position),
            f"{line.item.code}\n{line.item.name}",
            quantity(line.quantity, line.item.uom.code),
            price(line.unit_price),
            format_quantity(line.discount_pct) if line.discount_pct else "",
            line.tax_rate.code if line.tax_rate_id else "",
            day(line.promised_date or promised),
            money(line.net_amount),
        ]
        for line in lines
    ]
    return lines_table(columns, rows, _totals(totals, currency))


def _totals(totals: Totals, currency: str) -> list[tuple[str, str]]:
    return [
        (_("Net"), money(totals.net)),
        (_("Tax"), money(totals.tax)),
        (_("Total %(currency)s") % {"currency": currency}, money(totals.total)),
    ]


def payment_term(days: int) -> str:
    return _("Payment: %(days)s days from the invoice date.") % {"days": days}


def salesperson_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- Order confirmation ----------------------------------------------------------------------------------------


def order_confirmation_pdf(order: SalesOrder) -> bytes:
    """What the customer ordered and what we promise: the lines with prices, tax and promised dates, the totals,
    the delivery dates and the payment terms."""
    order = (
        SalesOrder.objects.select_related("customer", "currency", "warehouse", "salesperson")
        .prefetch_related(
            Prefetch(
                "lines", queryset=SalesOrderLine.objects.select_related("item__uom", "tax_rate").order_by("position")
            )
        )
        .get(pk=order.pk)
    )
    lines = list(order.lines.all())
    currency = order.currency.code
    identity = [(_("Order"), order.number), (_("Order date"), day(order.order_date))]
    if order.customer_reference:
        identity.append((_("Your order"), order.customer_reference))
    if order.salesperson_id:
        identity.append((_("Your contact"), salesperson_name(order.salesperson)))
    layout = Layout(
        title=_("ORDER CONFIRMATION"),
        name=_("Order confirmation %(number)s") % {"number": order.number},
        company=letterhead_company(),
        identity=identity,
        party=partner_party(order.customer, heading=_("To")),
        terms=[
            (_("Customer"), order.customer.code),
            (_("Currency"), currency),
            (_("Requested delivery"), day(order.requested_date)),
            (_("Promised delivery"), day(order.promised_date) if order.promised_date else _("to be confirmed")),
        ],
        subject=order.customer.name,
        footer=f"{order.number} · {order.customer.name}",
    )
    terms = [
        _("We confirm your order at the prices, quantities and delivery dates above."),
        _("Prices are in %(currency)s per unit, before tax; tax is added at the rates shown.") % {"currency": currency},
        payment_term(order.customer.payment_terms_days),
    ]
    table = sales_lines_table(lines, currency, lines_totals(lines), order.promised_date)
    body = [table, *notes(_("Terms"), terms, order.notes)]
    return render_pdf(layout, body)


# --- Customer invoice ------------------------------------------------------------------------------------------


# What a customer is sent: its invoices once posted (a draft has no amounts yet, a cancelled one is void).
CUSTOMER_INVOICES = Invoice.objects.filter(
    kind=InvoiceKind.CUSTOMER, state__in=(InvoiceState.POSTED, InvoiceState.PAID)
)


def _invoice_line_text(line: InvoiceLine) -> str:
    """The item's code and name, if the line has one, then what the line says."""
    described = [line.item.code, line.item.name] if line.item_id else []
    return "\n".join(part for part in (*described, line.description) if part)


def invoice_pdf(invoice: Invoice) -> bytes:
    """A customer invoice: its lines with tax, the totals (and what is paid and still open), the due date and
    the reference to pay under."""
    invoice = (
        CUSTOMER_INVOICES.select_related("partner", "currency", "sales_order")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.select_related("item__uom", "tax_rate").order_by("position"))
        )
        .get(pk=invoice.pk)
    )
    currency = invoice.currency.code
    order = invoice.sales_order
    identity = [
        (_("Invoice"), invoice.number),
        (_("Invoice date"), day(invoice.invoice_date)),
        (_("Due date"), day(invoice.due_date)),
    ]
    if order is not None:
        identity.append((_("Our order"), order.number))
        if order.customer_reference:
            identity.append((_("Your order"), order.customer_reference))
    columns = [
        Column(_("Pos"), 10 * mm),
        Column(_("Item")),
        Column(_("Quantity"), 24 * mm, numeric=True),
        Column(_("Unit price"), 24 * mm, numeric=True),
        Column(_("Tax"), 22 * mm),
        Column(_("Tax %(currency)s") % {"currency": currency}, 22 * mm, numeric=True),
        Column(_("Net %(currency)s") % {"currency": currency}, 26 * mm, numeric=True),
    ]
    rows = [
        [
            str(line.position),
            _invoice_line_text(line),
            quantity(line.quantity, line.item.uom.code if line.item_id else ""),
            price(line.unit_price),
            f"{line.tax_rate.code}\n{format_quantity(line.tax_rate.rate_pct)}%" if line.tax_rate_id else "",
            money(line.tax_amount),
            money(line.net_amount),
        ]
        for line in invoice.lines.all()
    ]
    totals = _totals(Totals(net=invoice.net_amount, tax=invoice.tax_amount), currency)
    if invoice.paid_amount:
        totals += [(_("Paid"), money(invoice.paid_amount)), (_("Open"), money(invoice.open_amount))]
    layout = Layout(
        title=_("INVOICE"),
        name=_("Invoice %(number)s") % {"number": invoice.number},
        company=letterhead_company(),
        identity=identity,
        party=partner_party(invoice.partner, heading=_("Bill to")),
        terms=[(_("Customer"), invoice.partner.code), (_("Currency"), currency)],
        subject=invoice.partner.name,
        footer=f"{invoice.number} · {invoice.partner.name}",
    )
    terms = [
        _("Please pay %(amount)s %(currency)s by %(date)s, quoting %(reference)s as the payment reference.")
        % {
            "amount": money(invoice.open_amount),
            "currency": currency,
            "date": day(invoice.due_date),
            "reference": invoice.number,
        },
        payment_term(invoice.partner.payment_terms_days),
    ]
    return render_pdf(layout, [lines_table(columns, rows, totals), *notes(_("Payment"), terms)])


# --- Production traveller --------------------------------------------------------------------------------------


def operation_code(operation: ProductionOperation) -> str:
    """What an operation's barcode holds: the order's number and the operation's sequence, "MO-2026-00012/20",
    the two the floor's lists find an operation by."""
    return f"{operation.order.number}/{operation.seq}"


def _picking(order: ProductionOrder) -> dict[int, list[str]]:
    """Per component item, where its reserved stock is: "bin · lot (quantity)"."""
    if not order.material_request_id:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    reservations = (
        Reservation.objects.filter(line__request_id=order.material_request_id)
        .select_related("line__item__uom", "quant__location", "quant__lot")
        .order_by("quant__location__code", "pk")
    )
    for reservation in reservations:
        quant, item = reservation.quant, reservation.line.item
        where = " · ".join(filter(None, (quant.location.code, quant.lot.code if quant.lot else "")))
        found[item.pk].append(f"{where} ({quantity(reservation.quantity, item.uom.code)})")
    return found


def _operations_table(order: ProductionOrder, operations: Iterable[ProductionOperation]) -> Table:
    columns = [
        Column(_("Op"), 10 * mm),
        Column(_("Operation")),
        Column(_("Setup min"), 17 * mm, numeric=True),
        Column(_("Run min/unit"), 20 * mm, numeric=True),
        Column(_("Planned min"), 20 * mm, numeric=True),
        Column(_("Operation code"), 60 * mm),
    ]
    rows: list[list[str | Flowable]] = []
    for operation in operations:
        described = [operation.name, f"{operation.work_center.code} {operation.work_center.name}"]
        if operation.instructions:
            described.append(operation.instructions)
        rows.append(
            [
                str(operation.seq),
                "\n".join(filter(None, described)),
                format_quantity(operation.setup_minutes),
                format_quantity(operation.run_minutes_per_unit),
                format_quantity(standard_minutes(operation, order.quantity)),
                barcode(operation_code(operation), bar_height=8 * mm, bar_width=0.25 * mm),
            ]
        )
    return lines_table(columns, rows)


def _issue_state(component: ProductionComponent) -> str:
    """What a component with nothing reserved is waiting for."""
    return _("issued") if component.issued_qty >= component.required_qty else _("not reserved yet")


def _components_table(components: Iterable[ProductionComponent], picking: dict[int, list[str]]) -> Table:
    columns = [
        Column(_("Pos"), 10 * mm),
        Column(_("Component")),
        Column(_("Required"), 24 * mm, numeric=True),
        Column(_("Issued"), 24 * mm, numeric=True),
        Column(_("Bin · lot (reserved)"), 55 * mm),
    ]
    rows = [
        [
            str(component.position),
            f"{component.item.code}\n{component.item.name}",
            quantity(component.required_qty, component.item.uom.code),
            quantity(component.issued_qty, component.item.uom.code),
            "\n".join(picking.get(component.item_id, [])) or _issue_state(component),
        ]
        for component in components
    ]
    return lines_table(columns, rows)


def production_traveller_pdf(order: ProductionOrder) -> bytes:
    """The paper that travels with the order: its number as a barcode, the item and quantity, then each
    operation (work center, times, a barcode to open it on the floor) and the components to issue, with the
    bins and lots the warehouse reserved."""
    order = (
        ProductionOrder.objects.select_related(
            "item__uom", "warehouse", "bom_revision", "routing_revision", "sales_order_line__order"
        )
        .prefetch_related(
            Prefetch("operations", queryset=ProductionOperation.objects.select_related("work_center").order_by("seq")),
            Prefetch(
                "components", queryset=ProductionComponent.objects.select_related("item__uom").order_by("position")
            ),
        )
        .get(pk=order.pk)
    )
    identity = [
        (_("Order"), order.number),
        (_("Quantity"), quantity(order.quantity, order.item.uom.code)),
        (_("Start"), day(order.start_date)),
        (_("Due"), day(order.due_date)),
        (_("Warehouse"), order.warehouse.code),
    ]
    if order.sales_order_line_id:
        identity.append((_("Sales order"), order.sales_order_line.order.number))
    revisions = [
        label % {"revision": revision.revision}
        for label, revision in (
            (_("BOM rev %(revision)s"), order.bom_revision),
            (_("routing rev %(revision)s"), order.routing_revision),
        )
        if revision is not None
    ]
    layout = Layout(
        title=_("PRODUCTION TRAVELLER"),
        name=_("Production traveller %(number)s") % {"number": order.number},
        company=letterhead_company(),
        identity=identity,
        subject=f"{order.item.code} {order.item.name}",
        barcode=order.number,
        footer=f"{order.number} · {order.item.code}",
    )
    operations = list(order.operations.all())
    components = list(order.components.all())
    body: list[Flowable] = [
        heading(f"{order.item.code} {order.item.name}"),
        text(_("State: %(state)s") % {"state": order.get_state_display()}),
    ]
    if revisions:
        body.append(text(_("Made to %(revisions)s") % {"revisions": " · ".join(revisions)}, SMALL))
    body += [Spacer(1, 4 * mm), heading(_("Operations"))]
    body.append(_operations_table(order, operations) if operations else text(_("No routing copied yet."), SMALL))
    body += [Spacer(1, 4 * mm), heading(_("Components to issue"))]
    body.append(_components_table(components, _picking(order)) if components else text(_("No BOM copied yet."), SMALL))
    return render_pdf(layout, body)
