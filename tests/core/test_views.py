"""The generic screens, exercised on core's models."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from core.formatting import spreadsheet_safe
from core.models import Item, Unit
from core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def items():
    ea = Unit.objects.get(code="ea")
    return [
        Item.objects.create(code=f"KT-{n:03d}", name=f"Kettle part {n}", uom=ea, procurement="buy")
        for n in range(1, 31)
    ] + [Item.objects.create(code="TS-400", name="Toaster", uom=ea, procurement="make")]


def test_the_list_filters_searches_and_pins_its_query_count(client_as, items, django_assert_max_num_queries):
    client = client_as(Role.PLANNER)
    with django_assert_max_num_queries(12):
        response = client.get("/core/items/")
    assert response.status_code == 200
    assert b"31 records" in response.content

    response = client.get("/core/items/", {"q": "toast"})
    assert b"1 record" in response.content and b"TS-400" in response.content and b"KT-001" not in response.content

    response = client.get("/core/items/", {"procurement": "make"})
    assert b"TS-400" in response.content and b"KT-001" not in response.content


def test_an_htmx_filter_request_gets_only_the_results(client_as, items):
    response = client_as(Role.PLANNER).get("/core/items/", {"q": "KT-00"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="object-results"' in html and "<nav" not in html and "9 records" in html


def test_csv_export_has_every_filtered_row_not_one_page(client_as, items):
    response = client_as(Role.PLANNER).get("/core/items/", {"export": "csv", "procurement": "buy"})
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Code,Name,")
    assert len(lines) == 1 + 30 and not any("TS-400" in line for line in lines)


def test_csv_export_keeps_user_text_from_running_as_a_spreadsheet_formula(client_as, items):
    Item.objects.filter(code="TS-400").update(name='=HYPERLINK("http://evil.example","click")')
    Item.objects.filter(code="KT-001").update(name="-2 mm washer")
    response = client_as(Role.PLANNER).get("/core/items/", {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text and "'-2 mm washer" in text
    assert ",=" not in text and ",-2 mm" not in text


def test_spreadsheet_safe_leaves_numbers_and_plain_text_alone():
    assert spreadsheet_safe("-12.50") == "-12.50"
    assert spreadsheet_safe("+3") == "+3"
    assert spreadsheet_safe("Kettle") == "Kettle"
    assert spreadsheet_safe(Decimal("-1")) == Decimal("-1")
    assert spreadsheet_safe("+86 512 555") == "'+86 512 555"


def test_create_with_bad_input_shows_field_errors_and_writes_nothing(client_as):
    response = client_as(Role.ENGINEER).post(
        "/core/items/add/",
        {
            "code": "X1",
            "name": "Fixed lot without a lot",
            "uom": Unit.objects.get(code="ea").pk,
            "procurement": "buy",
            "tracking": "none",
            "lead_time_days": "-3",
            "safety_stock": "0",
            "lot_policy": "fixed",
            "standard_cost": "0",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "lead_time_days" in form.errors and "lot_qty" in form.errors
    assert not Item.objects.filter(code="X1").exists()


def test_create_edit_and_see_the_audit_trail(client_as):
    client = client_as(Role.ENGINEER)
    ea = Unit.objects.get(code="ea")
    fields = {
        "code": "HE-3000",
        "name": "Heating element 3 kW",
        "uom": ea.pk,
        "procurement": "buy",
        "tracking": "lot",
        "lead_time_days": "14",
        "safety_stock": "100",
        "lot_policy": "lot_for_lot",
        "standard_cost": "21.5",
        "active": "on",
    }
    response = client.post("/core/items/add/", fields)
    item = Item.objects.get(code="HE-3000")
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()

    client.post(reverse("core:item_edit", args=[item.pk]), {**fields, "standard_cost": "19.9"})
    item.refresh_from_db()
    assert str(item.standard_cost) == "19.900000"

    entries = LogEntry.objects.get_for_object(item).order_by("timestamp")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries[1].actor.groups.filter(name="engineer").exists()
    assert [Decimal(v) for v in entries[1].changes_dict["standard_cost"]] == [Decimal("21.5"), Decimal("19.9")]

    detail = client.get(item.get_absolute_url()).content.decode()
    assert "History" in detail and "19.9" in detail


def test_deleting_a_record_in_use_explains_why_instead_of_failing(client_as):
    kg = Unit.objects.get(code="kg")
    Item.objects.create(code="SS-304", name="Steel sheet", uom=kg)
    client = client_as(Role.ADMIN)
    response = client.post(reverse("core:unit_delete", args=[kg.pk]), follow=True)
    assert response.status_code == 200
    assert "cannot be deleted: it is used by items" in response.content.decode()
    assert Unit.objects.filter(pk=kg.pk).exists()


def test_unknown_urls_and_unknown_records_are_404(client_as):
    client = client_as(Role.ADMIN)
    assert client.get("/core/no-such-page/").status_code == 404
    assert client.get("/core/items/999999/").status_code == 404
    assert client.get("/core/items/not-a-number/").status_code == 404


def test_a_role_without_change_rights_sees_no_edit_button_and_gets_403(client_as, items):
    client = client_as(Role.OPERATOR)
    detail = client.get(items[0].get_absolute_url()).content.decode()
    assert "/edit/" not in detail
    assert client.get(reverse("core:item_edit", args=[items[0].pk])).status_code == 403
    assert client.post(reverse("core:item_delete", args=[items[0].pk])).status_code == 403


def test_pages_load_no_asset_from_another_host(client_as):
    html = client_as(Role.ADMIN).get("/").content.decode()
    assert "/static/vendor/htmx.min.js" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html


def test_the_site_has_its_icon(client_as):
    html = client_as(Role.ADMIN).get("/").content.decode()
    assert '<link rel="icon" href="/static/img/takt.svg" type="image/svg+xml">' in html
    # Browsers ask the site's root too, whatever the page says.
    icon = client_as(Role.ADMIN).get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(icon.streaming_content).startswith(b"\x00\x00\x01\x00")  # the ICO header


def test_csv_export_with_an_invalid_filter_exports_no_rows(client_as, items):
    response = client_as(Role.PLANNER).get("/core/items/", {"export": "csv", "category": "not-an-id"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1  # the header only, as the list shows no rows
