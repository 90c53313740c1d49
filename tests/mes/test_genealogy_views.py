"""The genealogy pages: find a lot by its code (a scan opens its trace), the trees backward and forward,
the recall list as a page and as a CSV file a spreadsheet cannot be tricked by."""

import csv
import io

import pytest
from django.urls import reverse

from core.roles import Role
from wms.models import Lot

pytestmark = pytest.mark.django_db


def test_a_scanned_serial_opens_its_trace_and_a_part_of_a_code_lists_the_lots(chain, client_as):
    client = client_as(Role.QUALITY)
    serial = chain.serials[0]
    response = client.get(reverse("mes:genealogy"), {"q": serial.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("mes:lot_backward", args=[serial.pk])

    page = client.get(reverse("mes:genealogy"), {"q": "s-"}).content.decode()
    assert 'id="lots"' in page
    assert reverse("mes:lot_forward", args=[chain.lots["S-A"].pk]) in page
    assert reverse("mes:lot_recall", args=[chain.unrelated[0].pk]) in page
    assert "No lot or serial number contains" in client.get(reverse("mes:genealogy"), {"q": "zzz"}).content.decode()


def test_a_code_two_items_share_is_listed_for_choosing(chain, client_as):
    Lot.objects.create(item=chain.lots["SHELL"].item, code="G-1")
    response = client_as(Role.QUALITY).get(reverse("mes:genealogy"), {"q": "G-1"})
    assert response.status_code == 200
    assert response.content.decode().count("/backward/") == 2


def test_the_backward_tree_shows_every_lot_of_the_chain_and_nothing_else(
    chain, client_as, django_assert_max_num_queries
):
    client = client_as(Role.OPERATOR)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("mes:lot_backward", args=[chain.serials[0].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("UNIT", "BODY", "SHELL", "BLANK", "S-A", "G-1"):
        assert f'id="lot-{chain.lots[name].pk}"' in page
    for lot in [*chain.serials[1:], *chain.unrelated]:
        assert f'id="lot-{lot.pk}"' not in page
    assert page.count("<details open>") == 7
    assert "from STEELCO" in page and "from HEATCO" in page
    assert chain.purchase_orders["S-A"] in page
    assert "Anna Berg" in page and "ASSY-1" in page and "IN-1" in page
    assert f"used on {chain.orders['BODY'].number}" in page


def test_the_forward_tree_reaches_the_customer(chain, client_as):
    page = client_as(Role.SALES).get(reverse("mes:lot_forward", args=[chain.lots["S-A"].pk])).content.decode()
    for lot in chain.serials:
        assert f'id="lot-{lot.pk}"' in page
    assert f'id="lot-{chain.lots["G-1"].pk}"' not in page
    assert page.count("shipped to MEDIAHOME") == 2
    assert chain.delivery_note in page and chain.sales_order in page


def test_the_recall_page_and_its_csv(chain, client_as):
    chain.customer.name = '=HYPERLINK("http://evil.example","Refund")'
    chain.customer.save()
    client = client_as(Role.QUALITY)
    url = reverse("mes:lot_recall", args=[chain.lots["S-A"].pk])
    page = client.get(url).content.decode()
    assert 'id="recall"' in page and "Customers to contact" in page
    assert all(serial.code in page for serial in chain.serials)

    response = client.get(url, {"export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="recall-steel-s-a.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:7] == ["Level", "Item", "Item name", "Lot / serial", "Made on", "Finished", "Status"]
    body = [(r[3], r[6], r[7], r[8], r[10], r[11], r[12], r[13]) for r in rows[1:]]
    bin_code = chain.floor["bin"].code
    evil = "'" + chain.customer.name  # kept as text, never run as a formula
    shipped = ("shipped", "", "1", "MEDIAHOME", evil, chain.sales_order, chain.delivery_note)
    assert body == [
        (chain.serials[0].code, *shipped),
        (chain.serials[1].code, *shipped),
        (chain.serials[2].code, "in stock", bin_code, "1", "", "", "", ""),
        (chain.serials[3].code, "in stock", bin_code, "1", "", "", "", ""),
    ]
    assert all(row[14] for row in rows[1:3])  # shipped at


def test_pages_need_the_genealogy_permission_and_an_unknown_lot_is_a_404(chain, client_as):
    assert client_as(Role.PARTNER).get(reverse("mes:genealogy")).status_code == 403
    client = client_as(Role.WAREHOUSE)
    assert client.get(reverse("mes:lot_forward", args=[0])).status_code == 404
    assert client.get(reverse("mes:lot_recall", args=[0])).status_code == 404


def test_the_menu_and_the_lot_page_lead_to_genealogy(chain, client_as):
    client = client_as(Role.WAREHOUSE)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("mes:genealogy")}"' in home
    lot_page = client.get(chain.lots["S-A"].get_absolute_url()).content.decode()
    assert f'href="{reverse("mes:lot_backward", args=[chain.lots["S-A"].pk])}"' in lot_page
