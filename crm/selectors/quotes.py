"""Reads of quotes: lists with their value, a quote's versions, and the document a quote is (its lines with
net and tax, totals as the sales order will compute them, the company)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core.documents.pdf import letterhead_company
from core.models import Company
from crm.models import Quote, QuoteLine
from erp.selectors.sales import Totals, line_tax, lines_totals

WIDE = DecimalField(max_digits=30, decimal_places=6)
# A quote's value before tax, in its currency: what lists show and sort by (rounded per line on the document).
NET_VALUE = Coalesce(
    Sum(
        ExpressionWrapper(
            F("lines__quantity") * F("lines__unit_price") * (Value(1) - F("lines__discount_pct") / Value(100)),
            output_field=WIDE,
        )
    ),
    Value(0),
    output_field=WIDE,
)


def quotes_listed() -> QuerySet[Quote]:
    """Quotes for lists, each with its net value."""
    return Quote.objects.select_related("account", "currency", "sales_order", "salesperson").annotate(
        net_value=NET_VALUE
    )


def quote_details() -> QuerySet[Quote]:
    """Quotes with their lines (item, unit, tax rate) and what their pages and answers show of them."""
    return Quote.objects.select_related(
        "account", "contact", "currency", "price_list", "warehouse", "opportunity", "salesperson", "sales_order"
    ).prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.select_related("item__uom", "tax_rate").order_by("position"))
    )


def quote_versions(*, quote: Quote) -> list[Quote]:
    """Every version of the quote's number, newest first."""
    return list(
        Quote.objects.filter(number=quote.number)
        .select_related("sales_order")
        .annotate(net_value=NET_VALUE)
        .order_by("-version")
    )


@dataclass(frozen=True)
class QuoteLineRow:
    line: QuoteLine
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class QuoteDocument:
    """What the quote says: to whom, from whom, its lines and its totals."""

    quote: Quote
    lines: list[QuoteLineRow]
    totals: Totals
    company: Company | None


def quote_document(*, quote: Quote) -> QuoteDocument:
    """The quote with its lines, read once: the page, the PDF and the API show the same figures."""
    quote = quote_details().get(pk=quote.pk)
    lines = list(quote.lines.all())
    return QuoteDocument(
        quote=quote,
        lines=[QuoteLineRow(line=line, net=line.net_amount, tax=line_tax(line)) for line in lines],
        totals=lines_totals(lines),
        company=letterhead_company(),
    )
