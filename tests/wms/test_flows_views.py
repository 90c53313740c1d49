"""The planners' and managers' screens of receiving, inspection, put-away, picking, packing, shipping, counting
and replenishment: every page renders for the warehouse with a pinned number of queries, and every button
calls a service; a refusal becomes a message on the page and changes nothing."""

import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Tracking
from core.models import Partner
from core.roles import Role
from wms.choices import LocationKind, RequestKind, RequestState
from wms.locations import virtual_location
from wms.models import (
    CountState,
    CycleCount,
    PickList,
    PickState,
    Quant,
    Receipt,
    ReceiptState,
    ReplenishmentRule,
    Shipment,
    StockMove,
    StockPolicy,
    StockTask,
    TaskPurpose,
    TaskState,
    Wave,
)
from wms.selectors.stock import ledger_mismatches
from wms.services.cycle_counts import cycle_count_create, cycle_count_record
from wms.services.picking import pick_confirm, pick_short, shipment_create, wave_create
from wms.services.putaway import stock_task_confirm
from wms.services.receipts import receipt_create, receipt_receive
from wms.services.requests import stock_request_create, stock_request_reserve
from wms.urls import FLOW_SCREENS

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html_lib.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def buttons(html: str) -> str:
    """The command buttons of a detail page."""
    return html.split('id="commands"')[1].split("</div>")[0] if 'id="commands"' in html else ""


def shipment_order(warehouse, item, quantity, reference, partner=None):
    return stock_request_reserve(
        request=stock_request_create(
            kind=RequestKind.SHIPMENT,
            warehouse=warehouse,
            destination=virtual_location(LocationKind.CUSTOMER),
            lines=[(item, Decimal(quantity), None)],
            reference=reference,
            partner=partner,
        )
    )


@pytest.fixture
def floor(warehouse, item, bin_, receive, make_user):
    """A receipt part received (cables put away in part, heating elements in quality hold), a wave of two
    orders (one picked with a short line and packed, one open), a count with a difference beyond the
    tolerance, and a replenishment rule."""
    supplier = Partner.objects.create(code="S-HEAT", name="Ningbo Heating", kind="supplier")
    customer = Partner.objects.create(code="C-MEDIA", name="MediaHome", kind="customer")
    cable = item("CB-EU")
    element = item("HE-2000", tracking=Tracking.LOT)
    StockPolicy.objects.create(item=element, requires_inspection=True)
    worker = make_user(Role.WAREHOUSE)
    receipt = receipt_create(
        warehouse=warehouse,
        supplier=supplier,
        reference="PO-2026-00007",
        asn_number="ASN-88",
        lines=[
            {"item": cable, "expected_qty": Decimal(100), "unit_cost": Decimal("4.6"), "order_line_ref": "PO/1"},
            {"item": element, "expected_qty": Decimal(50), "lot_code": "NB-2611-07"},
        ],
    )
    cable_line, element_line = receipt.lines.order_by("pk")
    (task,) = receipt_receive(line=cable_line, quantity=Decimal(60), user=worker)
    stock_task_confirm(task=task, location=task.to_location, quantity=Decimal(20), user=worker)  # 40 still to go
    receipt_receive(line=element_line, quantity=Decimal(50), user=worker)  # waits in quality hold
    receive(cable, 40, bin_("B-01"))
    first = shipment_order(warehouse, cable, 30, "SO-2026-00012", customer)
    second = shipment_order(warehouse, cable, 5, "SO-2026-00013")
    wave = wave_create(warehouse=warehouse, requests=[first, second], user=worker)
    picked = first.pick_lists.get()
    lines = list(picked.lines.order_by("from_location__pick_sequence", "pk"))
    for line in lines[:-1]:
        pick_confirm(line=line, location=line.from_location, quantity=line.quantity, user=worker)
    last = lines[-1]
    pick_short(line=last, found=last.quantity - 2, reason="2 damaged", location=last.from_location, user=worker)
    shipment = shipment_create(
        pick_list=picked, packages=[{"code": "P1", "weight_kg": Decimal("9.5"), "contents": "CB-EU"}], carrier="SF"
    )
    count = cycle_count_create(warehouse=warehouse, location=bin_("B-01"), user=worker)
    (count_line,) = count.lines.all()
    cycle_count_record(line=count_line, counted=count_line.expected_qty - 5, user=worker)
    rule = ReplenishmentRule.objects.create(location=bin_("A-02"), item=cable, min_qty=10, max_qty=40)
    return {
        "cable": cable,
        "element": element,
        "receipt": receipt,
        "orders": (first, second),
        "wave": wave,
        "picked": picked,
        "open_list": second.pick_lists.get(),
        "shipment": shipment,
        "count": count,
        "rule": rule,
        "worker": worker,
    }


# --- Every page, with its queries pinned -------------------------------------------------------------------


def test_every_screen_has_a_record_in_the_fixture(floor):
    for screens in FLOW_SCREENS:
        assert screens.get_queryset().exists(), screens.meta.label


# Each page's queries: the generic page's own (session, user, permissions; on details the history and what
# its entries show) and the page's, whatever the number of records and lines.
LIST_QUERIES = 9
DETAIL_QUERIES = {
    "receipt": 11,
    "stocktask": 18,  # the done task's history shows its bin, its move and who did it
    "picklist": 12,
    "wave": 11,
    "shipment": 10,
    "cyclecount": 11,
    "replenishmentrule": 9,
}


def more_of_everything(floor, warehouse, item, n: int = 5) -> None:
    """n more receipts (received, with tasks), orders picked and packed in a wave, counts and rules."""
    cable, worker = floor["cable"], floor["worker"]
    orders = []
    for i in range(n):
        receipt = receipt_create(
            warehouse=warehouse,
            supplier=floor["receipt"].supplier,
            lines=[{"item": cable, "expected_qty": Decimal(5)}, {"item": floor["element"], "expected_qty": Decimal(1)}],
        )
        receipt_receive(line=receipt.lines.order_by("pk").first(), quantity=Decimal(5), user=worker)
        orders.append(shipment_order(warehouse, cable, 1, f"SO-MORE-{i}"))
        cycle_count_create(warehouse=warehouse, location=floor["count"].location, user=worker)
        ReplenishmentRule.objects.create(location=floor["rule"].location, item=item(f"P-{i}"), min_qty=1, max_qty=2)
    wave = wave_create(warehouse=warehouse, requests=orders, user=worker)
    for pick_list in wave.pick_lists.all():
        for line in pick_list.lines.all():
            pick_confirm(line=line, location=line.from_location, quantity=line.quantity, user=worker)
        shipment_create(pick_list=pick_list, packages=[{"code": "P1"}, {"code": "P2"}])


@pytest.mark.parametrize("screens", FLOW_SCREENS, ids=lambda s: s.meta.label)
def test_lists_and_details_render_for_the_warehouse_in_a_fixed_number_of_queries(
    client_as, floor, warehouse, item, screens, django_assert_max_num_queries
):
    client = client_as(Role.WAREHOUSE)
    list_url = reverse(screens.url_name("list"))
    query = {"state": "all"} if screens.meta.model_name == "stocktask" else {}
    for round_ in ("as set up", "with five more of everything"):
        with django_assert_max_num_queries(LIST_QUERIES):
            html = page(client.get(list_url, query))
        assert " record" in html
        for obj in screens.get_queryset().order_by("pk")[:2]:
            with django_assert_max_num_queries(DETAIL_QUERIES[screens.meta.model_name]):
                page(client.get(reverse(screens.url_name("detail"), args=[obj.pk])))
        if round_ == "as set up":
            more_of_everything(floor, warehouse, item)
    csv = client.get(list_url, {"export": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    "url_name", ["wms:wave_add", "wms:cyclecount_add", "wms:replenishmentrule_add", "wms:quality_hold"]
)
def test_forms_and_the_quality_page_render(client_as, floor, url_name, django_assert_max_num_queries):
    client = client_as(Role.WAREHOUSE)
    with django_assert_max_num_queries(7):
        page(client.get(reverse(url_name)))


def test_the_pack_page_renders(client_as, floor, django_assert_max_num_queries):
    client = client_as(Role.WAREHOUSE)
    with django_assert_max_num_queries(6):
        html = page(client.get(reverse("wms:picklist_pack", args=[floor["open_list"].pk])))
    assert "packages-TOTAL_FORMS" in html


def test_the_request_page_takes_a_fixed_number_of_queries(client_as, floor, django_assert_max_num_queries):
    client = client_as(Role.WAREHOUSE)
    with django_assert_max_num_queries(17):  # 11 of them the generic page's (history included)
        html = page(client.get(floor["orders"][0].get_absolute_url()))
    assert floor["picked"].number in html and floor["shipment"].number in html


def test_the_menu_lists_the_new_screens_and_the_tablet(client_as):
    home = page(client_as(Role.WAREHOUSE).get("/"))
    for name in (
        "wms:receipt_list",
        "wms:stocktask_list",
        "wms:picklist_list",
        "wms:wave_list",
        "wms:shipment_list",
        "wms:cyclecount_list",
        "wms:replenishmentrule_list",
        "wms:quality_hold",
        "wms:tablet_home",
        "wms:stock_transfer",  # the existing entries stay
        "wms:stockpolicy_list",
    ):
        assert reverse(name) in home, name
    assert "Tablet screens" in home
    sales = page(client_as(Role.SALES).get("/"))  # staff read the flows; the floor's screens are the warehouse's
    assert reverse("wms:receipt_list") in sales and reverse("wms:picklist_list") in sales
    assert reverse("wms:tablet_home") not in sales and reverse("wms:stocktask_list") in sales
    partner = page(client_as(Role.PARTNER).get("/"))  # a partner's login has no staff screen at all
    assert reverse("wms:receipt_list") not in partner and reverse("wms:quality_hold") not in partner


# --- Receipts and quality hold --------------------------------------------------------------------------------


def test_a_receipt_shows_outstanding_lines_and_its_tasks_and_closes(client_as, floor):
    receipt = floor["receipt"]
    client = client_as(Role.WAREHOUSE)
    html = page(client.get(receipt.get_absolute_url()))
    lines = html.split('id="receipt-lines"')[1].split("</table>")[0]
    assert "CB-EU" in lines and ">40<" in lines.replace(" ", "")  # 100 expected, 60 received
    tasks = html.split('id="tasks"')[1].split("</table>")[0]
    assert tasks.count("<tr>") == 3  # the header, the done part and the open rest
    assert "Close receipt" in buttons(html) and reverse("wms:tablet_receipt", args=[receipt.pk]) in buttons(html)
    assert "Close receipt" not in buttons(page(client_as(Role.BUYER).get(receipt.get_absolute_url())))

    url = reverse("wms:receipt_command", args=[receipt.pk, "close"])
    assert client_as(Role.PARTNER).post(url).status_code == 403  # who may not see receipts learns nothing of them
    client = client_as(Role.WAREHOUSE)
    assert messages_of(client.post(url, follow=True)) == [f"{receipt.number} is closed (done)."]
    assert Receipt.objects.get(pk=receipt.pk).state == ReceiptState.DONE
    refused = messages_of(client.post(url, follow=True))
    assert refused == [f"{receipt.number} is done."]
    assert "Close receipt" not in buttons(page(client.get(receipt.get_absolute_url())))


def test_the_receipt_list_filters(client_as, floor):
    client = client_as(Role.PLANNER)
    url = reverse("wms:receipt_list")
    assert "1 record" in page(client.get(url, {"supplier": "S-HEAT", "state": "receiving"}))
    assert "0 records" in page(client.get(url, {"state": "done"}))
    assert "1 record" in page(client.get(url, {"q": "asn-88"}))


def test_stock_in_quality_hold_is_released_or_rejected(client_as, floor):
    client = client_as(Role.WAREHOUSE)
    html = page(client.get(reverse("wms:quality_hold")))
    assert "HE-2000" in html and "NB-2611-07" in html and "Release" in html
    quant = Quant.objects.get(item=floor["element"], location__code="MAIN/QC")

    def decide(decision, **data):
        return client.post(reverse("wms:quality_decide", args=[quant.pk, decision]), data, follow=True)

    assert messages_of(decide("release", quantity="")) == ["This field is required."]
    assert messages_of(decide("release", quantity="45")) == ["Released 45 ea of HE-2000: 1 put-away task(s)."]
    assert StockTask.objects.filter(item=floor["element"], state=TaskState.OPEN).count() == 1
    refused = messages_of(decide("reject", quantity="6", reason="cracked"))
    assert refused[0].startswith("Only 5 ea of HE-2000 lot NB-2611-07 can be taken from MAIN/QC")
    assert messages_of(decide("reject", quantity="5", reason="cracked")) == ["Rejected 5 ea of HE-2000: scrapped."]
    assert StockMove.objects.get(kind="scrap").note == "cracked"
    # Quality inspectors see the queue; moving the stock is the warehouse's.
    quality = page(client_as(Role.QUALITY).get(reverse("wms:quality_hold")))
    assert "Nothing waits for inspection." in quality
    assert client_as(Role.PARTNER).get(reverse("wms:quality_hold")).status_code == 403
    assert ledger_mismatches() == []


# --- Stock tasks -----------------------------------------------------------------------------------------------


def test_the_task_list_shows_open_tasks_unless_asked(client_as, floor):
    client = client_as(Role.PLANNER)
    url = reverse("wms:stocktask_list")
    assert "1 record" in page(client.get(url))  # the rest of the cables' put-away
    assert "2 records" in page(client.get(url, {"state": "all"}))
    assert "1 record" in page(client.get(url, {"state": "done"}))
    assert "1 record" in page(client.get(url, {"receipt": floor["receipt"].number, "purpose": "putaway"}))
    lines = b"".join(client.get(url, {"export": "csv", "state": "all"}).streaming_content).decode().splitlines()
    assert lines[0].startswith("Task,Purpose,State,Item") and len(lines) == 3
    task = StockTask.objects.get(state=TaskState.OPEN)
    assert reverse("wms:tablet_putaway", args=[task.pk]) in page(client_as(Role.WAREHOUSE).get(task.get_absolute_url()))


# --- Pick lists, waves, packing, shipping ----------------------------------------------------------------------


def test_a_pick_list_shows_its_lines_in_walking_order_with_what_was_short(client_as, floor):
    client = client_as(Role.WAREHOUSE)
    html = page(client.get(floor["picked"].get_absolute_url()))
    lines = html.split('id="pick-lines"')[1].split("</table>")[0]
    bins = [code for code in ("MAIN/STOCK/A-01", "MAIN/RECV", "MAIN/STOCK/B-01") if code in lines]
    assert bins and "2 damaged" in lines and "table-warning" in lines
    assert "SF" in html and floor["shipment"].number in html
    assert "Pack" not in buttons(html)  # packed already; the shipment waits to ship
    open_list = page(client.get(floor["open_list"].get_absolute_url()))
    assert reverse("wms:tablet_pick", args=[floor["open_list"].pk]) in buttons(open_list)


def test_a_wave_shows_its_lists_and_one_path(client_as, floor):
    wave = floor["wave"]
    html = page(client_as(Role.WAREHOUSE).get(wave.get_absolute_url()))
    assert floor["picked"].number in html and floor["open_list"].number in html
    path = html.split('id="pick-lines"')[1].split("</table>")[0]
    assert path.count("<tr") == 1 + wave.pick_lists.aggregate(n=__import__("django").db.models.Count("lines"))["n"]
    assert reverse("wms:tablet_pick_wave", args=[wave.pk]) in buttons(html)


def test_a_wave_is_created_from_reserved_requests(client_as, floor, warehouse, item, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 10, bin_("A-02"))
    order = shipment_order(warehouse, kettle, 4, "SO-2026-00020")
    client = client_as(Role.WAREHOUSE)
    form = page(client.get(reverse("wms:wave_add")))
    # The others have their pick lists: the first is picked (its short rest has nothing reserved), the second open.
    assert order.number in form and floor["orders"][0].number not in form and floor["orders"][1].number not in form
    response = client.post(reverse("wms:wave_add"), {"warehouse": warehouse.pk, "requests": [order.pk]}, follow=True)
    wave = Wave.objects.get(pick_lists__request=order)
    assert response.redirect_chain[-1][0] == wave.get_absolute_url()
    assert messages_of(response) == [f"Created {wave.number}."]
    refused = client.post(reverse("wms:wave_add"), {"warehouse": warehouse.pk, "requests": [order.pk]})
    assert refused.status_code == 200 and refused.context["form"].errors["requests"]
    assert client_as(Role.SALES).get(reverse("wms:wave_add")).status_code == 403


def test_the_request_page_creates_a_pick_list_and_refusals_become_messages(client_as, floor, warehouse):
    order = shipment_order(warehouse, floor["cable"], 5, "SO-2026-00021")
    client = client_as(Role.WAREHOUSE)
    html = page(client.get(order.get_absolute_url()))
    assert "Create pick list" in html.split('id="request-commands"')[1].split("</div>")[0]
    url = reverse("wms:stockrequest_command", args=[order.pk, "pick"])
    assert messages_of(client.post(url, follow=True)) == ["Pick list created."]
    assert PickList.objects.filter(request=order, state=PickState.OPEN).count() == 1
    refused = messages_of(client.post(url, follow=True))
    assert refused == [f"{order.number} already has an open pick list."]
    assert "Create pick list" not in page(client.get(order.get_absolute_url()))
    sales = client_as(Role.SALES)
    assert messages_of(sales.post(url, follow=True)) == ["Your role cannot do this."]


def test_a_picked_list_is_packed_and_shipped_with_a_tracking_number(client_as, floor):
    open_list, client = floor["open_list"], client_as(Role.WAREHOUSE)
    pack_url = reverse("wms:picklist_pack", args=[open_list.pk])
    data = {"carrier": "SF", "tracking_number": "", "packages-TOTAL_FORMS": "3", "packages-INITIAL_FORMS": "0"}
    data |= {"packages-0-code": "P1", "packages-0-weight_kg": "2.5", "packages-0-contents": "5 CB-EU"}
    refused = client.post(pack_url, data)
    assert "is not picked yet." in page(refused) and not Shipment.objects.filter(request=open_list.request).exists()
    empty = client.post(pack_url, data | {"packages-0-code": "", "packages-0-weight_kg": "", "packages-0-contents": ""})
    assert "Please submit at least 1 form." in page(empty)

    (line,) = open_list.lines.all()
    pick_confirm(line=line, location=line.from_location, quantity=line.quantity)
    assert "Pack" in buttons(page(client.get(open_list.get_absolute_url())))
    response = client.post(pack_url, data, follow=True)
    shipment = Shipment.objects.get(request=open_list.request)
    assert messages_of(response) == [f"Packed under delivery note {shipment.number}."]
    html = page(response)
    assert "P1" in html and shipment.number in html and "Ship</button>" in html.split('id="commands"')[1]

    ship_url = reverse("wms:shipment_command", args=[shipment.pk, "ship"])
    assert messages_of(client_as(Role.SALES).post(ship_url, follow=True)) == ["Your role cannot do this."]
    client = client_as(Role.WAREHOUSE)
    shipped = client.post(ship_url, {"tracking_number": "SF1234567890"}, follow=True)
    assert messages_of(shipped) == [f"{shipment.number} has shipped, tracking SF1234567890."]
    shipment.refresh_from_db()
    assert shipment.shipped_at and shipment.tracking_number == "SF1234567890"
    assert open_list.request.__class__.objects.get(pk=open_list.request_id).state == RequestState.DONE
    assert messages_of(client.post(ship_url, follow=True)) == [f"{shipment.number} has shipped already."]
    assert 'id="commands"' not in page(client.get(shipment.get_absolute_url()))
    assert ledger_mismatches() == []


def test_shipments_filter_by_shipped(client_as, floor):
    client = client_as(Role.SALES)
    assert "1 record" in page(client.get(reverse("wms:shipment_list"), {"shipped": "false"}))
    assert "0 records" in page(client.get(reverse("wms:shipment_list"), {"shipped": "true"}))


# --- Cycle counts -------------------------------------------------------------------------------------------------


def test_a_count_beyond_the_tolerance_is_refused_until_finance_approves(client_as, floor):
    count = floor["count"]
    client = client_as(Role.WAREHOUSE)
    html = page(client.get(count.get_absolute_url()))
    assert "beyond-tolerance" in html and "-5" in html
    assert "Post count" in buttons(html) and "Approve" not in buttons(html)
    post = reverse("wms:cyclecount_command", args=[count.pk, "post"])
    refused = messages_of(client.post(post, follow=True))
    assert refused == ["1 difference(s) above 2 % need approval: CB-EU @ MAIN/STOCK/B-01 (-5)."]
    approve = reverse("wms:cyclecount_command", args=[count.pk, "approve"])
    assert messages_of(client.post(approve, follow=True)) == ["Your role cannot do this."]

    finance = client_as(Role.FINANCE)
    assert "Approve differences" in buttons(page(finance.get(count.get_absolute_url())))
    assert messages_of(finance.post(approve, follow=True)) == [f"{count.number}: differences approved."]
    client = client_as(Role.WAREHOUSE)
    assert messages_of(client.post(post, follow=True)) == [
        f"{count.number} is posted: its differences are inventory adjustments."
    ]
    assert CycleCount.objects.get(pk=count.pk).state == CountState.POSTED
    assert Quant.objects.get(item=floor["cable"], location__code="MAIN/STOCK/B-01").quantity == 27
    assert messages_of(client.post(post, follow=True)) == [f"{count.number} is posted."]


def test_the_creator_of_a_count_cannot_approve_it(client, floor, make_user):
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    count = cycle_count_create(warehouse=floor["count"].warehouse, location=floor["count"].location, user=admin)
    response = client.post(reverse("wms:cyclecount_command", args=[count.pk, "approve"]), follow=True)
    assert messages_of(response) == ["Someone else must approve the count you opened."]


def test_a_count_is_opened_for_a_zone_or_an_abc_class(client_as, floor, warehouse):
    client = client_as(Role.WAREHOUSE)
    url = reverse("wms:cyclecount_add")
    response = client.post(url, {"warehouse": warehouse.pk, "location": "MAIN/STOCK"}, follow=True)
    count = CycleCount.objects.get(location__code="MAIN/STOCK")
    assert response.redirect_chain[-1][0] == count.get_absolute_url()
    assert count.created_by is not None and count.lines.count() == 1  # B-01 holds cables; A-01's were picked
    both = client.post(url, {"warehouse": warehouse.pk, "location": "MAIN/STOCK", "abc_class": "A"})
    assert both.context["form"].non_field_errors() == ["Count either a zone (or bin) or an ABC class."]
    unknown = client.post(url, {"warehouse": warehouse.pk, "location": "NOPE"})
    assert unknown.context["form"].errors["location"] == ["There is no location NOPE."]
    other = client.post(url, {"warehouse": warehouse.pk, "location": "VIRTUAL/SCRAP"})
    assert other.context["form"].errors["location"] == ["VIRTUAL/SCRAP is not in MAIN."]
    client.post(url, {"warehouse": warehouse.pk, "abc_class": "A"})
    assert CycleCount.objects.get(abc_class="A").lines.count() == 0
    assert client_as(Role.PLANNER).get(url).status_code == 403


# --- Replenishment -----------------------------------------------------------------------------------------------


def test_rules_are_edited_by_codes_and_planned_into_tasks(client_as, floor, warehouse):
    client = client_as(Role.PLANNER)
    url = reverse("wms:replenishmentrule_add")
    data = {"location": "MAIN/STOCK/A-01", "item": "CB-EU", "min_qty": "5", "max_qty": "50"}
    assert client.post(url, data).status_code == 302
    zone = client.post(url, data | {"location": "MAIN/STOCK"})
    assert zone.context["form"].errors["location"] == ["MAIN/STOCK is not a bin; a pick face is one bin."]
    inverted = client.post(url, data | {"location": "MAIN/STOCK/B-01", "min_qty": "60"})
    assert inverted.status_code == 200 and inverted.context["form"].errors
    rule = floor["rule"]
    assert 'value="MAIN/STOCK/A-02"' in page(client.get(reverse("wms:replenishmentrule_edit", args=[rule.pk])))
    # The planner edits rules; planning puts tasks on the floor, the warehouse's.
    listing = page(client.get(reverse("wms:replenishmentrule_list")))
    assert "Plan replenishment" not in listing
    plan = reverse("wms:replenishment_plan")
    assert messages_of(client.post(plan, {"warehouse": warehouse.pk}, follow=True)) == ["Your role cannot do this."]

    floor_client = client_as(Role.WAREHOUSE)
    assert "Plan replenishment" in page(floor_client.get(reverse("wms:replenishmentrule_list")))
    response = floor_client.post(plan, {"warehouse": warehouse.pk}, follow=True)
    tasks = StockTask.objects.filter(purpose=TaskPurpose.REPLENISHMENT)
    assert messages_of(response) == ["Planned 1 replenishment task."] and tasks.count() == 1
    assert response.redirect_chain[-1][0].endswith("?purpose=replenishment")
    again = floor_client.post(plan, {"warehouse": warehouse.pk}, follow=True)
    assert messages_of(again)[0].startswith("Every pick face is at or above its minimum")
