"""The production variance report exports its summary per item and month, amounts as numbers."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from erp.models import ProductionVariance
from erp.services import production as p
from tests.erp.test_production import released
from tests.erp.test_production_views import plant  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_the_variance_summary_exports_to_excel(client_as, plant, bin_):  # noqa: F811
    order = released(plant, quantity="1")
    p.production_backflush(order=order, quantity=Decimal("1"))
    p.production_output_receive(order=order, quantity=Decimal("1"), location=bin_("B-01"))
    p.production_order_complete(order=order)
    p.production_order_close(order=order, date=datetime.date(2026, 11, 3))
    total = sum(ProductionVariance.objects.filter(order=order).values_list("amount", flat=True))

    query = {"date_from": "2026-11-01", "date_to": "2026-11-30", "export": "xlsx"}
    response = client_as(Role.FINANCE).get(reverse("erp:variance_report"), query)
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Item", "Item name", "Month", "Orders") and rows[0][-1] == "Total"
    [row] = rows[1:]
    assert row[0] == "KT-200" and row[2] == "2026-11" and row[3] == 1
    assert row[-1] == pytest.approx(float(total))
