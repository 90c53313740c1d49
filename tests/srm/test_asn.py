"""ASNs feed the purchase order's WMS receipt: it takes their number and date, each announced lot becomes a
receipt line of its own, and the dock receives against them through WMS (receipt_receive), which fills
the order in ERP. What is announced is bounded by what is open; the staff see ASNs in the API and on screen."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import DomainEvent
from core.roles import Role
from erp.choices import PurchaseOrderState
from erp.services.purchasing import purchase_order_cancel
from srm.events import ASN_ANNOUNCED
from srm.models import Asn, AsnLine
from srm.selectors.portal import announceable_quantities
from srm.services.portal import asn_create
from tests.srm.portal_fixtures import *  # noqa: F403
from tests.srm.portal_fixtures import receipt_lines, receive_line
from wms.models import Lot, ReceiptLine, StockMove
from wms.services.receipts import receipt_close, receipt_expect, receipt_receive

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
ARRIVES = TODAY + datetime.timedelta(days=4)


@pytest.fixture
def announce(supplier):
    def make(order, lines, asn_number="HC-ASN-1", **fields):
        return asn_create(
            supplier=fields.pop("supplier", supplier),
            order=order,
            asn_number=asn_number,
            ship_date=fields.pop("ship_date", TODAY),
            expected_date=fields.pop("expected_date", ARRIVES),
            lines=[{"po_line": order.lines.get(position=position), **rest} for position, rest in lines],
            **fields,
        )

    return make


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return {name: [e.code for e in errors] for name, errors in error.value.error_dict.items()}


def expecting(order, position) -> list[tuple[str, str, Decimal, Decimal]]:
    """(ASN, lot, expected, received) of the receipt lines of an order line."""
    return [
        (line.asn_number, line.lot_code, line.expected_qty, line.received_qty)
        for line in receipt_lines(order, position)
    ]


def test_an_asn_splits_the_receipt_line_by_lot_and_the_dock_receives_against_it(make_order, announce):
    order = make_order()
    asn = announce(
        order,
        [
            (1, {"quantity": Decimal(100)}),
            (2, {"quantity": Decimal(30), "lot_code": "CB-L1", "expiry_date": datetime.date(2028, 1, 31)}),
            (2, {"quantity": Decimal(20), "lot_code": "CB-L2"}),
        ],
        carrier="SF Express",
        tracking="SF1",
    )
    receipt = order.receipt
    receipt.refresh_from_db()
    assert (receipt.asn_number, receipt.expected_on) == ("HC-ASN-1", ARRIVES)
    # Partners and upper apps hear of it (webhooks subscribe to srm.asn.announced).
    event = DomainEvent.objects.get(name=ASN_ANNOUNCED)
    assert event.payload["asn"] == asn.number and event.payload["purchase_order"] == order.number
    assert [(line["position"], line["quantity"], line["lot_code"]) for line in event.payload["lines"]] == [
        (1, "100", ""),
        (2, "30", "CB-L1"),
        (2, "20", "CB-L2"),
    ]
    # Each line is announced whole or in lots: the element's line is announced as it is, the cables' line
    # is carved into one line per lot, the last lot taking what was left of it.
    assert expecting(order, 1) == [("HC-ASN-1", "", Decimal(100), Decimal(0))]
    assert expecting(order, 2) == [
        ("HC-ASN-1", "CB-L1", Decimal(30), Decimal(0)),
        ("HC-ASN-1", "CB-L2", Decimal(20), Decimal(0)),
    ]
    lot_line = ReceiptLine.objects.get(receipt=receipt, lot_code="CB-L1")
    assert lot_line.expiry_date == datetime.date(2028, 1, 31) and lot_line.unit_cost == Decimal("4.000000")
    assert [line.receipt_line.lot_code for line in asn.lines.order_by("pk")] == ["", "CB-L1", "CB-L2"]

    # The dock receives the lot as announced: the lot code comes from the line.
    receipt_receive(line=lot_line, quantity=Decimal(30))
    move = StockMove.objects.get(lot__code="CB-L1")
    assert move.quantity == 30 and move.reference == order.number
    assert Lot.objects.get(code="CB-L1").expiry_date == datetime.date(2028, 1, 31)
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.PARTIALLY_RECEIVED
    assert order.lines.get(position=2).received_qty == 30

    receive_line(order, 2, 20, lot_code="CB-L2")
    receive_line(order, 1, 100)
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.RECEIVED
    assert expecting(order, 2) == [
        ("HC-ASN-1", "CB-L1", Decimal(30), Decimal(30)),
        ("HC-ASN-1", "CB-L2", Decimal(20), Decimal(20)),
    ]


def test_each_asn_gets_its_own_lines_and_is_listed_on_the_receipt(make_order, announce):
    order = make_order()
    announce(
        order,
        [(2, {"quantity": Decimal(10), "lot_code": "CB-L1"}), (2, {"quantity": Decimal(5), "lot_code": "CB-L1"})],
        asn_number="A-1",
    )
    announce(order, [(2, {"quantity": Decimal(15), "lot_code": "CB-L1"})], asn_number="A-2")
    # The same lot twice on one ASN is one line; on the next ASN, it is that ASN's.
    assert expecting(order, 2) == [
        ("", "", Decimal(20), Decimal(0)),
        ("A-1", "CB-L1", Decimal(15), Decimal(0)),
        ("A-2", "CB-L1", Decimal(15), Decimal(0)),
    ]
    order.receipt.refresh_from_db()
    assert order.receipt.asn_number == "A-1, A-2"


def test_announcing_is_bounded_by_what_is_neither_received_nor_announced(make_order, announce):
    order = make_order()
    receive_line(order, 1, 70)
    element = order.lines.get(position=1)
    assert announceable_quantities(order=order)[element.pk] == 30

    errors = refused(announce, order, [(1, {"quantity": Decimal(31)})])
    assert errors == {"lines.0.quantity": ["over_open"]}
    # Two lines of one ASN count together.
    errors = refused(announce, order, [(1, {"quantity": Decimal(20)}), (1, {"quantity": Decimal(11)})])
    assert errors == {"lines.1.quantity": ["over_open"]}

    announce(order, [(1, {"quantity": Decimal(30)})])
    assert announceable_quantities(order=order)[element.pk] == 0
    assert expecting(order, 1) == [("", "", Decimal(70), Decimal(70)), ("HC-ASN-1", "", Decimal(30), Decimal(0))]
    # The 30 on their way are not announced twice.
    assert refused(announce, order, [(1, {"quantity": Decimal(1)})], asn_number="A-9") == {
        "lines.0.quantity": ["over_open"]
    }
    assert Asn.objects.count() == 1


def test_bad_asns_are_refused_whole(make_order, announce, other_supplier):
    order = make_order()
    cable_without_lot = refused(announce, order, [(2, {"quantity": Decimal(5)})])
    assert cable_without_lot == {"lines.0.lot_code": ["required"]}
    arrives_before_shipping = refused(
        announce, order, [(1, {"quantity": Decimal(5)})], expected_date=TODAY - datetime.timedelta(days=1)
    )
    assert arrives_before_shipping == {"expected_date": ["before_shipping"]}
    assert refused(announce, order, [(1, {"quantity": Decimal(0)})]) == {"lines.0.quantity": ["not_positive"]}
    assert refused(announce, order, [], asn_number=" ") == {"asn_number": ["required"], "lines": ["required"]}
    not_theirs = refused(announce, order, [(1, {"quantity": Decimal(5)})], supplier=other_supplier)
    assert not_theirs == {"purchase_order": ["does_not_exist"]}
    other_order = make_order()
    wrong_order = refused(
        asn_create,
        supplier=order.supplier,
        order=order,
        asn_number="X",
        ship_date=TODAY,
        expected_date=TODAY,
        lines=[{"po_line": other_order.lines.get(position=1), "quantity": Decimal(1)}],
    )
    assert wrong_order == {"lines.0.po_line": ["wrong_order"]}

    announce(order, [(1, {"quantity": Decimal(5)})], asn_number="HC-7")
    assert refused(announce, order, [(1, {"quantity": Decimal(5)})], asn_number="hc-7") == {"asn_number": ["duplicate"]}
    assert Asn.objects.count() == 1 and AsnLine.objects.count() == 1
    assert expecting(order, 2) == [("", "", Decimal(50), Decimal(0))]  # untouched by the refused ones


def test_orders_that_take_no_more_goods_refuse_asns(make_order, announce):
    draft = make_order(send=False)
    assert refused(announce, draft, [(1, {"quantity": Decimal(5)})]) == {"purchase_order": ["order_not_open"]}
    cancelled = purchase_order_cancel(order=make_order())
    assert refused(announce, cancelled, [(1, {"quantity": Decimal(5)})]) == {"purchase_order": ["order_not_open"]}
    closed_short = make_order()
    receive_line(closed_short, 1, 10)
    receipt_close(receipt=closed_short.receipt)
    closed_short.refresh_from_db()
    assert closed_short.state == PurchaseOrderState.RECEIVED
    assert refused(announce, closed_short, [(2, {"quantity": Decimal(5), "lot_code": "L"})]) == {
        "purchase_order": ["order_not_open"]
    }


def test_the_wms_service_refuses_what_its_receipt_does_not_expect(make_order):
    order = make_order()
    receipt = order.receipt
    with pytest.raises(ValidationError) as error:
        receipt_expect(
            receipt=receipt,
            asn_number="Z",
            lines=[
                {"order_line_ref": f"{order.number}/9", "quantity": Decimal(1)},
                {"order_line_ref": f"{order.number}/2", "quantity": Decimal(51), "lot_code": "L"},
            ],
        )
    assert [e.code for e in error.value.error_dict["lines"]] == ["unknown_line", "over_announced"]
    receipt.refresh_from_db()
    assert receipt.asn_number == "" and receipt.lines.count() == 2
    receipt_close(receipt=receipt)
    with pytest.raises(ValidationError) as error:
        receipt_expect(
            receipt=receipt, asn_number="Z", lines=[{"order_line_ref": f"{order.number}/1", "quantity": Decimal(1)}]
        )
    assert error.value.code == "receipt_closed"


# --- The staff's side ------------------------------------------------------------------------------------------


def test_buyers_and_the_warehouse_read_asns_in_the_api(api_as, make_order, announce):
    order = make_order()
    asn = announce(order, [(2, {"quantity": Decimal(10), "lot_code": "CB-L1"})], carrier="DHL")
    for role in (Role.BUYER, Role.WAREHOUSE):
        body = api_as(role).get(f"/api/v1/srm/asns/?purchase_order={order.number}").json()
        assert [row["number"] for row in body["results"]] == [asn.number]
        detail = api_as(role).get(f"/api/v1/srm/asns/{asn.pk}/").json()
        assert detail["receipt"] == order.receipt.number and detail["supplier"] == "HEATCO"
        assert detail["lines"] == [
            {
                "po_line": f"{order.number}/2",
                "item": "CB-EU",
                "quantity": "10.000000",
                "lot_code": "CB-L1",
                "expiry_date": None,
            }
        ]
    assert api_as(Role.OPERATOR).get("/api/v1/srm/asns/").status_code == 403
    # Suppliers write ASNs through the portal: the staff API reads them (a buyer may not even ask).
    assert api_as(Role.BUYER).post("/api/v1/srm/asns/", {}, format="json").status_code == 403
    assert api_as(Role.ADMIN).post("/api/v1/srm/asns/", {}, format="json").status_code == 405


def test_asn_screens_show_the_lines_and_the_receipt(client_as, make_order, announce):
    order = make_order()
    asn = announce(order, [(2, {"quantity": Decimal(10), "lot_code": "CB-L1"})])
    client = client_as(Role.WAREHOUSE)
    listing = client.get("/srm/asns/")
    assert listing.status_code == 200 and asn.number in listing.content.decode()
    page = client.get(f"/srm/asns/{asn.pk}/").content.decode()
    assert "CB-L1" in page and order.receipt.number in page and f"{order.number}/2" in page
    assert client_as(Role.OPERATOR).get(f"/srm/asns/{asn.pk}/").status_code == 403
    supplier_page = client_as(Role.BUYER).get(f"/srm/purchase-orders/{order.pk}/supplier/")
    assert supplier_page.status_code == 200 and asn.asn_number in supplier_page.content.decode()
    # The order's own page links to it.
    order_page = client_as(Role.BUYER).get(order.get_absolute_url()).content.decode()
    assert f"/srm/purchase-orders/{order.pk}/supplier/" in order_page
