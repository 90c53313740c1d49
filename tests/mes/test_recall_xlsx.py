"""The recall list as a workbook: the CSV's rows, user text kept from running as a formula."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role

pytestmark = pytest.mark.django_db


def trimmed(cells) -> list[str]:
    cells = list(cells)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def test_the_recall_list_exports_to_a_workbook_with_the_csv_rows(chain, client_as):
    chain.customer.name = '=HYPERLINK("http://evil.example","Refund")'
    chain.customer.save()
    client = client_as(Role.QUALITY)
    url = reverse("mes:lot_recall", args=[chain.lots["S-A"].pk])
    assert f"{url}?export=xlsx" in client.get(url).content.decode()

    response = client.get(url, {"export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="recall-steel-s-a.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    workbook = [trimmed("" if cell is None else str(cell) for cell in row) for row in sheet.iter_rows(values_only=True)]
    csv_rows = [trimmed(row) for row in csv.reader(io.StringIO(client.get(url, {"export": "csv"}).content.decode()))]
    assert workbook == csv_rows  # empty cells at the end of a row are no cells in a workbook
    assert any(row[11] == "'" + chain.customer.name for row in workbook[1:])
