"""Order tracking exports as the page shows it: the open orders unless a state is asked for, every page."""

import csv
import io

import pytest
from openpyxl import load_workbook

from core.roles import Role

pytestmark = pytest.mark.django_db


def test_order_tracking_exports_the_filtered_orders_to_csv_and_excel(tracked, client_as):
    client = client_as(Role.SALES)
    assert "export=xlsx" in client.get("/crm/orders/").content.decode()

    response = client.get("/crm/orders/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Order", "Customer", "Customer name")
    by_number = {row[0]: row for row in rows[1:]}
    open_orders = {tracked[name].number for name in ("making", "waiting", "theirs")}
    assert set(by_number) == open_orders  # the invoiced order is not open
    making = by_number[tracked["making"].number]
    assert making[6] == "In production" and making[7] == 40  # percent done, a number
    assert making[4].date() == tracked["making"].requested_date

    csv_text = b"".join(client.get("/crm/orders/", {"export": "csv", "state": "invoiced"}).streaming_content)
    [_header, shipped] = list(csv.reader(io.StringIO(csv_text.decode())))
    assert shipped[0] == tracked["shipped"].number and shipped[8] == "DHL JD-0001"
