"""The scorecard list: one row per supplier and month."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from srm.models import Scorecard, ScorecardRating

RATING_STYLES = {ScorecardRating.OK: "success", ScorecardRating.WARN: "warning", ScorecardRating.BLOCK: "danger"}


class RatingColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge text-bg-{}" title="{}">{}</span>',
            RATING_STYLES[record.rating],
            record.rating_reason,
            record.get_rating_display(),
        )

    def value(self, value, record):
        return record.rating


class ScorecardTable(TaktTable):
    period = tables.Column(accessor="period_start", verbose_name=_("Month"), linkify=True, order_by=("period_start",))
    supplier = tables.Column(
        accessor="supplier__code",
        verbose_name=_("Supplier"),
        linkify=lambda record: reverse("srm:supplier_scorecards", args=[record.supplier_id]),
        order_by=("supplier__code",),
    )
    supplier_name = tables.Column(accessor="supplier__name", verbose_name=_("Name"), orderable=False)
    on_time_pct = DecimalColumn(verbose_name=_("On time %"))
    quantity_accuracy_pct = DecimalColumn(verbose_name=_("Quantity accuracy %"))
    reject_rate_pct = DecimalColumn(verbose_name=_("Reject rate %"))
    price_variance_pct = DecimalColumn(verbose_name=_("Price variance %"))
    score = DecimalColumn(verbose_name=_("Score"))
    rating = RatingColumn(verbose_name=_("Rating"))

    class Meta(TaktTable.Meta):
        model = Scorecard
        fields = (
            "period",
            "supplier",
            "supplier_name",
            "deliveries",
            "on_time_pct",
            "quantity_accuracy_pct",
            "reject_rate_pct",
            "price_variance_pct",
            "score",
            "rating",
        )

    def render_period(self, value):
        return f"{value:%Y-%m}"

    def value_period(self, value):
        return f"{value:%Y-%m}"
