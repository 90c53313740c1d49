"""The production screens: the list (with a pinned number of queries), the planner's create and edit pages,
the order page with its buttons and floor forms, each calling a service (a refusal becomes a message and
changes nothing), and the variance report."""

import datetime
import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse

from core.roles import Role
from erp.choices import OperationState
from erp.choices import ProductionOrderState as State
from erp.models import ProductionOrder, ProductionVariance
from erp.services import production as p
from tests.erp.test_production import build_plant, component, new_order, operation, released
from tests.urls import all_urls
from wms.choices import MoveKind
from wms.models import StockMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(warehouse, bin_):
    return build_plant(warehouse, bin_)


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html_lib.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def buttons(html: str) -> str:
    return html.split('id="commands"')[1].split("</div>")[0] if 'id="commands"' in html else ""


def detail(order) -> str:
    return reverse("erp:productionorder_detail", args=[order.pk])


def test_the_list_filters_and_keeps_its_queries_few(client_as, plant, django_assert_max_num_queries):
    for due in ("2026-12-10", "2026-12-11", "2026-12-12"):
        new_order(plant, due_date=datetime.date.fromisoformat(due))
    released(plant)
    client = client_as(Role.PLANNER)
    with django_assert_max_num_queries(12):
        html = page(client.get(reverse("erp:productionorder_list")))
    assert html.count("KT-200") >= 4
    filtered = page(client.get(reverse("erp:productionorder_list"), {"state": "released"}))
    assert filtered.count("MO-") == 1
    csv = client.get(reverse("erp:productionorder_list"), {"export": "csv"})
    assert b"KT-200" in b"".join(csv.streaming_content)


def test_a_planner_creates_changes_firms_and_releases_an_order_on_its_pages(client_as, plant):
    client = client_as(Role.PLANNER)
    assert page(client.get(reverse("erp:productionorder_add")))
    refused = client.post(
        reverse("erp:productionorder_add"),
        {"item": "KT-BODY", "quantity": "10", "due_date": "2026-12-10", "warehouse": plant["warehouse"].pk},
    )
    assert "There is no item made here KT-BODY." in page(refused)
    response = client.post(
        reverse("erp:productionorder_add"),
        {"item": "KT-200", "quantity": "100", "due_date": "2026-12-10", "warehouse": plant["warehouse"].pk},
    )
    order = ProductionOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(order)
    assert order.start_date.isoformat() == "2026-12-05"

    edit = reverse("erp:productionorder_edit", args=[order.pk])
    assert 'value="KT-200"' in page(client.get(edit))
    bad = client.post(
        edit,
        {"quantity": "100", "due_date": "2026-12-10", "start_date": "2026-12-20", "warehouse": plant["warehouse"].pk},
    )
    assert "after the due date" in page(bad)
    client.post(
        edit, {"quantity": "120", "due_date": "2026-12-10", "start_date": "", "warehouse": plant["warehouse"].pk}
    )
    order.refresh_from_db()
    assert order.quantity == Decimal("120")

    html = page(client.get(detail(order)))
    assert "Firm" in buttons(html) and "Release" not in buttons(html)
    assert "Firm the order to copy its BOM." in html
    command = reverse("erp:productionorder_command", args=[order.pk, "firm"])
    assert "BOM and routing effective on its start are copied" in messages_of(client.post(command, follow=True))[0]
    html = page(client.get(detail(order)))
    assert "Release" in buttons(html) and "/edit/" not in html.split('id="commands"')[0].split("<h1")[1]
    # The edit page refuses a firm order.
    late = client.post(edit, {"quantity": "80", "due_date": "2026-12-10", "warehouse": plant["warehouse"].pk})
    assert "only a planned order can be changed" in page(late)

    client.post(reverse("erp:productionorder_command", args=[order.pk, "release"]))
    order.refresh_from_db()
    assert order.state == State.RELEASED
    html = page(client.get(detail(order)))
    assert order.material_request.number in html and 'id="form-report"' in html and 'id="form-issue"' in html


def test_the_floor_forms_run_an_order_to_closing_and_the_page_shows_its_variances(client_as, plant, bin_):
    order = released(plant, quantity="10")
    client = client_as(Role.PLANNER)
    url = lambda name: reverse(f"erp:productionorder_{name}", args=[order.pk])  # noqa: E731

    # Beyond what is reserved and no location: refused on the page, nothing posted.
    response = client.post(
        url("issue"),
        {"issue-component": component(order, "KT-BODY").pk, "issue-quantity": "11"},
        follow=True,
    )
    assert "Only 10 ea of KT-BODY is reserved" in messages_of(response)[0]
    assert not StockMove.objects.filter(kind=MoveKind.CONSUMPTION).exists()

    response = client.post(url("backflush"), {"backflush-quantity": "10"}, follow=True)
    assert messages_of(response) == ["Every component is issued for 10 units."]
    response = client.post(
        url("issue"),
        {"issue-component": component(order, "KT-BODY").pk, "issue-quantity": "1", "issue-location": "MAIN/STOCK/A-01"},
        follow=True,
    )
    assert messages_of(response) == ["Issued 1 ea of KT-BODY."]
    assert component(order, "KT-BODY").issued_qty == Decimal("11")

    assembly = operation(order, 10)
    response = client.post(
        url("report"),
        {"report-operation": assembly.pk, "report-good_qty": "10", "report-machine_minutes": "50"},
        follow=True,
    )
    assert messages_of(response) == ["Reported on operation 10."]
    finish = reverse("erp:productionoperation_finish", args=[order.pk, assembly.pk])
    assert messages_of(client.post(finish, follow=True)) == ["Operation 10 is done."]
    assert operation(order, 20).state == OperationState.READY
    assert "is done; nothing more can be finished" in messages_of(client.post(finish, follow=True))[0]

    response = client.post(
        url("receive"), {"receive-quantity": "10", "receive-location": "MAIN/STOCK/B-01"}, follow=True
    )
    assert messages_of(response) == ["Received 10 ea into MAIN/STOCK/B-01."]
    bad = client.post(url("receive"), {"receive-quantity": "-1"}, follow=True)
    assert "Good units" in messages_of(bad)[0]

    client.post(reverse("erp:productionorder_command", args=[order.pk, "complete"]))
    html = page(client.get(detail(order)))
    assert "Variances so far" in html and "Close and post variances" in buttons(html)
    client.post(reverse("erp:productionorder_command", args=[order.pk, "close"]))
    order.refresh_from_db()
    assert order.state == State.CLOSED
    html = page(client.get(detail(order)))
    total = sum(ProductionVariance.objects.filter(order=order).values_list("amount", flat=True))
    assert "Variances (posted)" in html
    assert f'id="variance-total">{total:,.2f}' in html
    # Planners see the variances, not the books; finance sees the entries too.
    assert 'id="entries"' not in html
    finance = page(client_as(Role.FINANCE).get(detail(order)))
    assert 'id="entries"' in finance and "Work in progress" in finance


def test_roles_reach_only_what_they_may(client_as, plant):
    order = released(plant)
    operator = client_as(Role.OPERATOR)
    html = page(operator.get(detail(order)))
    assert not buttons(html) and 'id="form-issue"' not in html and 'id="variances"' not in html
    assert operator.get(reverse("erp:productionorder_add")).status_code == 403
    assert operator.get(reverse("erp:variance_report")).status_code == 403
    response = operator.post(reverse("erp:productionorder_command", args=[order.pk, "cancel"]), follow=True)
    assert messages_of(response) == ["Your role cannot do this."]
    response = operator.post(
        reverse("erp:productionorder_backflush", args=[order.pk]), {"backflush-quantity": "1"}, follow=True
    )
    assert messages_of(response) == ["Your role cannot do this."]
    order.refresh_from_db()
    assert order.state == State.RELEASED and not StockMove.objects.filter(kind=MoveKind.CONSUMPTION).exists()
    assert page(client_as(Role.FINANCE).get(reverse("erp:productionorder_list")))


def test_the_variance_report_sums_per_item_and_month(client_as, plant, bin_):
    order = released(plant, quantity="1")
    p.production_backflush(order=order, quantity=Decimal("1"))
    p.production_output_receive(order=order, quantity=Decimal("1"), location=bin_("B-01"))
    p.production_order_complete(order=order)
    p.production_order_close(order=order, date=datetime.date(2026, 11, 3))
    total = sum(ProductionVariance.objects.filter(order=order).values_list("amount", flat=True))

    client = client_as(Role.FINANCE)
    html = page(client.get(reverse("erp:variance_report"), {"date_from": "2026-11-01", "date_to": "2026-11-30"}))
    row = html.split('id="variance-summary"')[1]
    assert "KT-200" in row and "2026-11" in row and order.number in html
    assert f'id="grand-total">{total:,.2f}' in html
    empty = page(client.get(reverse("erp:variance_report"), {"date_from": "2026-12-01"}))
    assert "No order was closed in the period." in empty
    invalid = page(client.get(reverse("erp:variance_report"), {"item": "NOPE"}))
    assert "There is no item NOPE." in invalid


PRODUCTION_URLS = [(name, url) for name, url in all_urls() if "production" in url and not url.startswith("/api/")]


def test_every_production_url_is_listed():
    names = {name for name, _url in PRODUCTION_URLS}
    assert {"erp:productionorder_list", "erp:productionorder_add", "erp:variance_report"} <= names
    assert {"erp:productionorder_report", "erp:productionoperation_finish", "erp:productionorder_command"} <= names


@pytest.mark.parametrize(("name", "url"), PRODUCTION_URLS)
def test_anonymous_users_are_refused(client, name, url):
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name
