"""The delivery note of a shipment: to the customer's shipping address, with the order it answers, the carrier,
what is in it per item with its lots and serial numbers (only this shipment's, when its request ships in parts),
and its packages; served as a PDF to whoever may see the shipment."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core.choices import Tracking
from core.models import Company, Currency, Partner, PartnerAddress
from core.roles import Role
from tests.pdf import font_of_each_string, fonts_drawn_with, has_code128, pdf_text
from wms.choices import LocationKind
from wms.documents import delivery_note_pdf
from wms.locations import virtual_location
from wms.models import Shipment, StockRequest
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship
from wms.services.requests import stock_request_create, stock_request_reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def company_letterhead(db):
    return Company.objects.create(code="SAC", name="SmartAppliance Co.", currency=Currency.objects.get(code="CNY"))


@pytest.fixture
def customer(db):
    customer = Partner.objects.create(code="MEDIAHOME", name="MediaHome", kind="customer", street="1 Market St")
    PartnerAddress.objects.create(
        partner=customer, kind="shipping", name="MediaHome DC Lyon", street="5 Quai des Docks", city="Lyon",
        postal_code="69002", country="FR", is_default=True,
    )  # fmt: skip
    return customer


@pytest.fixture
def goods(item, bin_, receive):
    """Heating elements in lots L1 (5, the older) and L2 (5); kettles by serial number, two on hand."""
    element, kettle = item("HE-2000", tracking=Tracking.LOT), item("KT-200", tracking=Tracking.SERIAL)
    receive(element, 5, bin_("A-01"), lot="L1")
    receive(element, 5, bin_("A-02"), lot="L2")
    for serial in ("SN-001", "SN-002"):
        receive(kettle, 1, bin_("B-01"), lot=serial)
    return {"element": element, "kettle": kettle}


def packed(request: StockRequest, **shipping) -> Shipment:
    """Pick what is reserved for the request and pack it in one package."""
    pick_list = pick_list_create(request=request)
    for line in pick_list.lines.select_related("from_location", "lot"):
        pick_confirm(line=line, location=line.from_location, quantity=line.quantity, lot=line.lot)
    return shipment_create(
        pick_list=pick_list, packages=[{"code": "P1", "weight_kg": Decimal("9.6"), "contents": "Kettles"}], **shipping
    )


@pytest.fixture
def request_(warehouse, customer, goods):
    """SO-2026-00042: 8 elements and 3 kettles, of which 2 are on hand."""
    request = stock_request_create(
        kind="shipment",
        warehouse=warehouse,
        destination=virtual_location(LocationKind.CUSTOMER),
        reference="SO-2026-00042",
        partner=customer,
        lines=[(goods["element"], Decimal(8), None), (goods["kettle"], Decimal(3), None)],
    )
    return stock_request_reserve(request=request)


def test_the_delivery_note_lists_items_lots_serials_packages_and_where_it_goes(
    client_as, company_letterhead, request_, django_assert_max_num_queries
):
    shipment = shipment_ship(shipment=packed(request_, carrier="SF Express"), tracking_number="SF1234567890")
    response = client_as(Role.WAREHOUSE).get(reverse("wms:shipment_pdf", args=[shipment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{shipment.number}.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        "SmartAppliance Co.",
        "DELIVERY NOTE",
        shipment.number,
        "SO-2026-00042",
        "Deliver to",
        "MediaHome",
        "MediaHome DC Lyon",
        "5 Quai des Docks",
        "69002 Lyon",
        "SF Express",
        "SF1234567890",
        "HE-2000",
        "8 ea",
        "L1 (5 ea)",
        "L2 (3 ea)",
        "KT-200",
        "2 ea",
        "SN-001, SN-002",
        "P1",
        "9.6",
        "Kettles",
        "Received in good order",
    ):
        assert expected in text, expected
    assert "1 Market St" not in text  # the shipping address, not the partner's own
    assert has_code128(response.content, shipment.number)
    with django_assert_max_num_queries(8):
        delivery_note_pdf(shipment)


def test_a_request_shipped_in_parts_has_one_note_per_part_and_a_packed_one_lists_what_waits(
    request_, goods, bin_, receive
):
    first = shipment_ship(shipment=packed(request_))
    receive(goods["kettle"], 1, bin_("B-01"), lot="SN-003")
    stock_request_reserve(request=request_)
    second = packed(request_)
    waiting = pdf_text(delivery_note_pdf(second))
    assert "not shipped yet" in waiting and "SN-003" in waiting and "1 ea" in waiting
    assert "SN-001" not in waiting and "HE-2000" not in waiting

    second = shipment_ship(shipment=second)
    text = pdf_text(delivery_note_pdf(second))
    assert "SN-003" in text and "SN-001" not in text and "HE-2000" not in text
    text = pdf_text(delivery_note_pdf(first))
    assert "SN-001, SN-002" in text and "SN-003" not in text and "L2 (3 ea)" in text


def test_the_delivery_note_is_for_who_sees_shipments(client_as, request_):
    shipment = packed(request_)
    url = reverse("wms:shipment_pdf", args=[shipment.pk])
    assert client_as(Role.PARTNER).get(url).status_code == 403
    page = client_as(Role.WAREHOUSE).get(shipment.get_absolute_url()).content.decode()
    assert url in page


def test_the_delivery_note_prints_in_chinese_and_a_chinese_customer_name_in_the_cjk_font(
    company_letterhead, request_, customer
):
    shipment = shipment_ship(shipment=packed(request_), tracking_number="SF1")
    with translation.override("zh-hans"):
        pdf = delivery_note_pdf(shipment)
    assert fonts_drawn_with(pdf) == {"STSong-Light", "Courier"}  # Courier: the code printed under the barcode
    assert "送货单" in pdf_text(pdf)

    customer.name = "美家电器"
    customer.save()
    fonts = font_of_each_string(delivery_note_pdf(shipment))
    assert fonts["美家电器"] == "STSong-Light" and fonts["DELIVERY NOTE"].startswith("Helvetica")
