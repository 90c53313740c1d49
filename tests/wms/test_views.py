"""The warehouse screens: stock and ledger lists, master data, stock requests and their commands, and the
two pages of the warehouse floor (move stock, count). Stock is set up through the services."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import Tracking
from core.roles import Role
from wms.choices import LocationKind, MoveKind, RequestKind, RequestState
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, StockMove, StockPolicy, StockRequest
from wms.services.moves import stock_transfer
from wms.services.requests import stock_request_create, stock_request_reserve
from wms.urls import SCREENS

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def csv_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode().splitlines()


@pytest.fixture
def stock(item, bin_, receive, warehouse):
    """Cables in two bins, heating elements in two lots (one in quality hold), an emptied quant, a request."""
    cable = item("CB-EU")
    element = item("HE-2000", tracking=Tracking.LOT)
    receive(cable, 100, bin_("A-01"))
    receive(cable, 40, bin_("B-01"))
    receive(element, 30, bin_("A-02"), lot="L-2401", expiry=datetime.date(2027, 3, 1))
    receive(element, 12, Location.objects.get(code="MAIN/QC"), lot="L-2402")
    receive(cable, 5, bin_("A-02"))
    stock_transfer(item=cable, quantity=Decimal(5), from_location=bin_("A-02"), to_location=bin_("A-01"))
    request = stock_request_create(
        kind=RequestKind.SHIPMENT,
        warehouse=warehouse,
        destination=virtual_location(LocationKind.CUSTOMER),
        lines=[(cable, Decimal(60), None), (element, Decimal(10), None)],
        reference="SO-2026-00012",
    )
    stock_request_reserve(request=request)
    StockPolicy.objects.create(item=element, removal_strategy="fefo")
    return {"cable": cable, "element": element, "request": request}


# --- Every screen ------------------------------------------------------------------------------------


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_list_detail_and_edit_pages_render(client_as, stock, screens):
    client = client_as(Role.ADMIN)
    assert client.get(reverse(screens.url_name("list"))).status_code == 200
    obj = screens.get_queryset().first()
    assert obj is not None
    assert client.get(reverse(screens.url_name("detail"), args=[obj.pk])).status_code == 200
    if screens.editable:
        assert client.get(reverse(screens.url_name("edit"), args=[obj.pk])).status_code == 200
        assert client.get(reverse(screens.url_name("add"))).status_code == 200


LISTS = ["quant", "stockmove", "warehouse", "location", "lot", "stockpolicy", "stockrequest"]


@pytest.mark.parametrize("model", LISTS)
def test_list_pages_take_a_fixed_number_of_queries(
    client_as, stock, item, bin_, receive, model, django_assert_max_num_queries
):
    for n in range(30):
        part = item(f"P-{n:02d}", tracking=Tracking.LOT)
        receive(part, n + 1, bin_("B-01"), lot=f"LOT-{n}")
        StockPolicy.objects.create(item=part, removal_strategy="fefo")
        Location.objects.create(code=f"MAIN/STOCK/C-{n:02d}", warehouse=stock["request"].warehouse)
    client = client_as(Role.WAREHOUSE)
    with django_assert_max_num_queries(8):
        html = page(client.get(reverse(f"wms:{model}_list")))
    assert " record" in html


def test_the_menu_shows_the_warehouse_pages_to_warehouse_staff_only_where_allowed(client_as):
    warehouse_home = page(client_as(Role.WAREHOUSE).get("/"))
    assert reverse("wms:stock_transfer") in warehouse_home and reverse("wms:quant_list") in warehouse_home
    sales_home = page(client_as(Role.SALES).get("/"))
    assert reverse("wms:quant_list") in sales_home and reverse("wms:stock_transfer") not in sales_home


# --- Stock and moves ------------------------------------------------------------------------------------


def test_the_stock_list_shows_only_quants_with_stock_unless_asked(client_as, stock):
    client = client_as(Role.PLANNER)
    html = page(client.get(reverse("wms:quant_list")))
    assert "4 records" in html and "MAIN/STOCK/A-02" in html  # the element's bin, not the cable's empty quant
    assert "5 records" in page(client.get(reverse("wms:quant_list"), {"stock": "all"}))
    for column in ("item", "location", "lot", "-available", "reserved"):
        assert "4 records" in page(client.get(reverse("wms:quant_list"), {"sort": column}))


def test_the_stock_list_filters_by_item_warehouse_location_and_lot(client_as, stock):
    client = client_as(Role.PLANNER)
    url = reverse("wms:quant_list")
    assert "2 records" in page(client.get(url, {"item": "CB-EU"}))
    assert "4 records" in page(client.get(url, {"warehouse": "MAIN"}))
    zone = page(client.get(url, {"location": "MAIN/STOCK"}))  # a zone includes its bins
    assert "3 records" in zone and "MAIN/QC" not in zone
    assert "1 record" in page(client.get(url, {"lot": "l-2402"}))
    unknown = page(client.get(url, {"item": "NOPE"}))
    assert "There is no" in unknown or "Select a valid choice" in unknown
    assert "0 records" in unknown


def test_the_stock_list_shows_reserved_and_available_and_exports_csv(client_as, stock):
    client = client_as(Role.PLANNER)
    lines = csv_lines(client.get(reverse("wms:quant_list"), {"export": "csv", "item": "CB-EU"}))
    assert lines[0] == "Item,Name,Location,Lot,On hand,Reserved,Available,Unit,In date"
    rows = sorted(line.split(",")[2:7] for line in lines[1:])
    assert rows == [
        ["MAIN/STOCK/A-01", "", "105.000000", "60.000000", "45.000000"],
        ["MAIN/STOCK/B-01", "", "40.000000", "0.000000", "40.000000"],
    ]


def test_the_ledger_filters_by_item_location_kind_reference_and_dates(client_as, stock):
    client = client_as(Role.PLANNER)
    url = reverse("wms:stockmove_list")
    assert "6 records" in page(client.get(url))
    assert "4 records" in page(client.get(url, {"item": "CB-EU"}))
    assert "3 records" in page(client.get(url, {"location": "MAIN/STOCK/A-02"}))  # in twice, out once
    assert "1 record" in page(client.get(url, {"kind": MoveKind.TRANSFER}))
    assert "5 records" in page(client.get(url, {"reference": "po-test"}))
    today = timezone.localdate()
    assert "6 records" in page(client.get(url, {"moved_at_after": today, "moved_at_before": today}))
    tomorrow = today + datetime.timedelta(days=1)
    assert "0 records" in page(client.get(url, {"moved_at_after": tomorrow}))


def test_a_lot_page_shows_its_stock_and_its_moves(client_as, stock):
    lot = Lot.objects.get(code="L-2401")
    html = page(client_as(Role.QUALITY).get(lot.get_absolute_url()))
    assert "MAIN/STOCK/A-02" in html and "PO-TEST" in html and "2027" in html


def test_the_item_page_links_its_stock_page_which_shows_every_place_and_the_moves(
    client_as, stock, django_assert_max_num_queries
):
    element = stock["element"]
    client = client_as(Role.PLANNER)
    assert reverse("wms:item_stock", args=[element.pk]) in page(client.get(element.get_absolute_url()))
    with django_assert_max_num_queries(8):
        html = page(client.get(reverse("wms:item_stock", args=[element.pk])))
    assert "L-2401" in html and "L-2402" in html and "quality hold" in html
    totals = html.split('id="stock-totals"')[1].split("</div></div></div>")
    assert ">42 " in totals[0]  # on hand, both lots
    assert totals[1].endswith(">10")  # reserved
    assert totals[2].endswith(">12")  # held for inspection
    assert totals[3].endswith(">20")  # available
    assert "PO-TEST" in html
    assert client_as(Role.PARTNER).get(reverse("wms:item_stock", args=[element.pk])).status_code == 403


# --- Master data ---------------------------------------------------------------------------------------


def test_warehouse_staff_edit_locations_and_others_may_not(client_as, warehouse):
    data = {"code": "MAIN/STOCK/D-01", "name": "Aisle D", "kind": "internal", "warehouse": warehouse.pk}
    data |= {"parent": "MAIN/STOCK", "pick_sequence": "90", "active": "on"}
    assert client_as(Role.PLANNER).post(reverse("wms:location_add"), data).status_code == 403
    response = client_as(Role.WAREHOUSE).post(reverse("wms:location_add"), data)
    assert response.status_code == 302
    location = Location.objects.get(code="MAIN/STOCK/D-01")
    assert location.parent.code == "MAIN/STOCK" and location.pick_sequence == 90


def test_a_location_holding_stock_stays_a_bin(client_as, stock, bin_):
    location = bin_("A-01")
    data = {"code": location.code, "kind": "view", "warehouse": location.warehouse_id, "parent": "MAIN/STOCK"}
    data |= {"pick_sequence": "10"}
    response = client_as(Role.WAREHOUSE).post(reverse("wms:location_edit", args=[location.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "kind": ["MAIN/STOCK/A-01 holds stock; move it out first."],
        "active": ["MAIN/STOCK/A-01 holds stock; move it out first."],
    }


def test_a_location_in_another_warehouses_zone_is_refused(client_as, warehouse):
    from wms.models import Warehouse

    other = Warehouse.objects.create(code="WH2", name="Other")
    data = {"code": "WH2/X", "kind": "internal", "warehouse": other.pk, "parent": "MAIN/STOCK", "pick_sequence": "0"}
    response = client_as(Role.ADMIN).post(reverse("wms:location_add"), data)
    assert response.context["form"].errors == {"parent": ["MAIN/STOCK is in another warehouse."]}


def test_a_warehouse_names_its_places_by_location_code(client_as, warehouse):
    url = reverse("wms:warehouse_edit", args=[warehouse.pk])
    data = {"code": "MAIN", "name": "Main warehouse", "stock_location": "MAIN/STOCK/B-01"}
    data |= {"receiving_location": "MAIN/RECV", "quality_location": "MAIN/QC", "output_location": "MAIN/OUT"}
    client = client_as(Role.ADMIN)
    assert client.post(url, data).status_code == 302
    warehouse.refresh_from_db()
    assert (warehouse.stock_location.code, warehouse.quality_location.code) == ("MAIN/STOCK/B-01", "MAIN/QC")
    assert 'value="MAIN/STOCK/B-01"' in page(client.get(url))
    response = client.post(url, data | {"stock_location": "VIRTUAL/SCRAP", "quality_location": "MAIN/RECV"})
    assert response.context["form"].errors == {
        "stock_location": ["There is no location VIRTUAL/SCRAP."],
        "quality_location": ["MAIN/RECV is not a quality-hold location."],
    }


def test_lots_and_policies_are_entered_with_item_codes(client_as, stock):
    client = client_as(Role.WAREHOUSE)
    response = client.post(reverse("wms:lot_add"), {"item": "HE-2000", "code": "L-2403", "supplier_lot": "NB-7"})
    assert response.status_code == 302
    lot = Lot.objects.get(code="L-2403")
    assert page(client.get(reverse("wms:lot_edit", args=[lot.pk]))).count('value="HE-2000"') == 1
    response = client.post(reverse("wms:lot_add"), {"item": "NOPE", "code": "X"})
    assert response.context["form"].errors == {"item": ["There is no item NOPE."]}

    response = client.post(reverse("wms:stockpolicy_add"), {"item": "CB-EU", "removal_strategy": "location"})
    assert response.status_code == 302
    assert StockPolicy.objects.get(item=stock["cable"]).removal_strategy == "location"
    response = client.post(reverse("wms:stockpolicy_add"), {"item": "CB-EU", "removal_strategy": "fifo"})
    assert response.context["form"].errors == {"item": ["Stock policy with this Item already exists."]}
    response = client.post(reverse("wms:stockpolicy_add"), {"removal_strategy": "fifo"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


# --- Stock requests ---------------------------------------------------------------------------------------


def command(client, stock_request, name):
    return client.post(reverse("wms:stockrequest_command", args=[stock_request.pk, name]), follow=True)


def test_a_request_page_shows_lines_reservations_and_the_commands_its_state_allows(client_as, stock):
    stock_request = stock["request"]
    html = page(client_as(Role.WAREHOUSE).get(stock_request.get_absolute_url()))
    assert "SO-2026-00012" in html and "L-2401" in html and "MAIN/STOCK/A-01" in html
    buttons = html.split('id="request-commands"')[1].split("</div>")[0]
    assert "Deliver" in buttons and "Unreserve" in buttons and "Cancel request" in buttons
    assert ">Reserve<" not in buttons  # everything is reserved already
    # Sales may reserve and cancel but not post the delivery; operators see no buttons.
    sales = page(client_as(Role.SALES).get(stock_request.get_absolute_url()))
    sales_buttons = sales.split('id="request-commands"')[1].split("</div>")[0]
    assert "Unreserve" in sales_buttons and "Deliver" not in sales_buttons
    assert 'id="request-commands"' not in page(client_as(Role.OPERATOR).get(stock_request.get_absolute_url()))


def test_the_commands_call_the_services_and_refusals_become_messages(client_as, stock):
    stock_request = stock["request"]
    assert "Your role cannot do this." in messages_of(command(client_as(Role.SALES), stock_request, "deliver"))
    warehouse_client = client_as(Role.WAREHOUSE)  # (the same client, signed in again)
    assert "Reservations released." in messages_of(command(warehouse_client, stock_request, "unreserve"))
    assert Quant.objects.get(item=stock["cable"], location__code="MAIN/STOCK/A-01").reserved == 0
    refused = messages_of(command(warehouse_client, stock_request, "deliver"))
    assert any("has nothing reserved to deliver" in m for m in refused)

    assert "Reserved." in messages_of(command(warehouse_client, stock_request, "reserve"))
    assert "Delivered what was reserved." in messages_of(command(warehouse_client, stock_request, "deliver"))
    stock_request.refresh_from_db()
    assert stock_request.state == RequestState.DONE
    assert StockMove.objects.filter(kind=MoveKind.SHIPMENT, reference="SO-2026-00012").count() == 2
    refused = messages_of(command(warehouse_client, stock_request, "reserve"))
    assert any("is Done" in m for m in refused)


def test_cancel_releases_the_reservations(client_as, stock):
    stock_request = stock["request"]
    assert "Cancelled." in messages_of(command(client_as(Role.SALES), stock_request, "cancel"))
    assert StockRequest.objects.get(pk=stock_request.pk).state == RequestState.CANCELLED
    assert sum(q.reserved for q in Quant.objects.all()) == 0


# --- Move stock and count ---------------------------------------------------------------------------------


def transfer(client, **data):
    fields = {"item": "", "quantity": "", "from_location": "", "to_location": "", "lot": ""} | data
    return client.post(reverse("wms:stock_transfer"), fields, follow=True)


def test_move_stock_posts_a_transfer_by_codes(client_as, stock):
    client = client_as(Role.WAREHOUSE)
    response = transfer(
        client,
        item="HE-2000",
        quantity="5",
        from_location="MAIN/STOCK/A-02",
        to_location="MAIN/STOCK/B-01",
        lot="L-2401",
    )
    assert messages_of(response) == ["Moved 5 ea of HE-2000 lot L-2401 from MAIN/STOCK/A-02 to MAIN/STOCK/B-01."]
    move = StockMove.objects.get(kind=MoveKind.TRANSFER, item=stock["element"])
    assert (move.quantity, move.lot.code, move.moved_by.username) == (5, "L-2401", response.context["user"].username)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        pytest.param(
            {"item": "CB-EU", "quantity": "200", "from_location": "MAIN/STOCK/B-01", "to_location": "MAIN/STOCK/A-02"},
            "Only 40 ea of CB-EU can be taken from MAIN/STOCK/B-01",
            id="not enough stock",
        ),
        pytest.param(
            {"item": "CB-EU", "quantity": "50", "from_location": "MAIN/STOCK/A-01", "to_location": "MAIN/STOCK/A-02"},
            "Only 45 ea of CB-EU can be taken from MAIN/STOCK/A-01 (105 on hand, 60 reserved)",
            id="reserved stock",
        ),
        pytest.param(
            {"item": "NOPE", "quantity": "1", "from_location": "MAIN/STOCK/B-01", "to_location": "MAIN/STOCK/A-02"},
            "There is no item NOPE.",
            id="unknown item",
        ),
        pytest.param(
            {"item": "HE-2000", "quantity": "1", "from_location": "MAIN/STOCK/A-02", "to_location": "MAIN/STOCK/B-01"},
            "HE-2000 is tracked by",
            id="lot missing",
        ),
        pytest.param(
            {
                "item": "HE-2000",
                "quantity": "1",
                "from_location": "MAIN/STOCK/A-02",
                "to_location": "MAIN/STOCK/B-01",
                "lot": "L-9",
            },
            "There is no lot L-9 of HE-2000.",
            id="unknown lot",
        ),
        pytest.param(
            {"item": "CB-EU", "quantity": "1.5", "from_location": "MAIN/STOCK/B-01", "to_location": "MAIN/STOCK/A-02"},
            "CB-EU is counted in ea to 0 decimal places; 1.5 is not.",
            id="fraction",
        ),
        pytest.param(
            {"item": "CB-EU", "quantity": "1", "from_location": "MAIN/STOCK/B-01", "to_location": "VIRTUAL/SCRAP"},
            "VIRTUAL/SCRAP is not a warehouse location.",
            id="not a bin",
        ),
        pytest.param(
            {"item": "CB-EU", "quantity": "1", "from_location": "MAIN/STOCK/B-01", "to_location": "MAIN/STOCK"},
            "MAIN/STOCK is not a warehouse location.",
            id="a zone",
        ),
    ],
)
def test_move_stock_errors_show_large_and_nothing_is_posted(client_as, stock, data, shown):
    before = StockMove.objects.count()
    response = transfer(client_as(Role.WAREHOUSE), **data)
    html = page(response)
    errors = html.split('id="form-errors"')[1].split("<form")[0]
    assert "Nothing was posted." in errors and shown in errors, errors
    assert StockMove.objects.count() == before


def test_only_warehouse_staff_reach_the_floor_pages(client_as):
    for role, status in ((Role.OPERATOR, 403), (Role.SALES, 403), (Role.WAREHOUSE, 200), (Role.ADMIN, 200)):
        client = client_as(role)
        assert client.get(reverse("wms:stock_transfer")).status_code == status, role
        assert client.get(reverse("wms:stock_count")).status_code == status, role


def count(client, **data):
    fields = {"location": "", "item": "", "lot": "", "counted": "", "reason": ""} | data
    return client.post(reverse("wms:stock_count"), fields, follow=True)


def test_a_count_posts_the_difference_as_an_adjustment(client_as, stock):
    client = client_as(Role.WAREHOUSE)
    response = count(client, location="MAIN/STOCK/B-01", item="CB-EU", counted="37", reason="Damaged box")
    assert messages_of(response) == ["CB-EU in MAIN/STOCK/B-01 is now 37 ea (-3 posted)."]
    move = StockMove.objects.get(kind=MoveKind.ADJUSTMENT)
    assert (move.to_location.code, move.quantity, move.note) == ("VIRTUAL/INVENTORY-LOSS", 3, "Damaged box")
    response = count(client, location="MAIN/STOCK/B-01", item="CB-EU", counted="37")
    assert messages_of(response) == ["CB-EU in MAIN/STOCK/B-01: 37 ea, as recorded. Nothing to post."]


def test_a_count_of_a_lot_not_known_yet_creates_it_only_when_posted(client_as, stock):
    client = client_as(Role.WAREHOUSE)
    response = count(client, location="MAIN/STOCK/B-01", item="HE-2000", lot="L-FOUND", counted="4")
    assert messages_of(response) == ["HE-2000 lot L-FOUND in MAIN/STOCK/B-01 is now 4 ea (+4 posted)."]
    assert Quant.objects.get(lot__code="L-FOUND").quantity == 4

    response = count(client, location="MAIN/STOCK/B-01", item="CB-EU", lot="L-NEW", counted="4")
    assert "CB-EU is not tracked by lot." in page(response)
    assert not Lot.objects.filter(code="L-NEW").exists()


def test_a_count_below_what_is_reserved_is_refused_on_the_counted_field(client_as, stock):
    response = count(client_as(Role.WAREHOUSE), location="MAIN/STOCK/A-01", item="CB-EU", counted="50")
    assert response.context["form"].errors["counted"][0].startswith("Only 45 ea of CB-EU can be taken")
    assert Quant.objects.get(item=stock["cable"], location__code="MAIN/STOCK/A-01").quantity == 105
