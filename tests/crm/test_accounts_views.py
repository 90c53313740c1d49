"""The accounts and lead screens: lists, an account's page with everything on it, contacts and addresses added
and changed, activities logged, tasks planned and done, leads made (with the duplicate warning), qualified,
disqualified and converted; who may open and press what. Data is made through the services."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Contact, Partner, PartnerAddress
from core.roles import Role
from crm.models import Activity, Lead, LeadStatus, Opportunity
from crm.services.activities import activity_log, task_create
from crm.services.leads import lead_convert
from erp.services import sales
from tests.crm.accounts_fixtures import (  # noqa: F401  (fixtures)
    TODAY,
    account,
    company,
    customer,
    days_ahead,
    hours_ago,
    make_lead,
    seller,
    stages,
    supplier_partner,
)
from tests.erp.conftest import vat  # noqa: F401
from tests.wms.conftest import item, warehouse  # noqa: F401

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def desk(account, seller, warehouse, item, vat, make_lead, stages):  # noqa: F811
    """MediaHome with a child account, a confirmed order, an opportunity from a converted lead, a logged call
    and an overdue task; and an open lead that looks like MediaHome."""
    child = Partner.objects.create(code="MEDIAHOME-AT", name="MediaHome Austria", kind="customer", parent=account)
    order = sales.sales_order_create(
        customer=account,
        warehouse=warehouse,
        order_date=TODAY,
        requested_date=TODAY + datetime.timedelta(days=10),
        lines=[{"item": item("KT-200"), "quantity": Decimal(4), "unit_price": Decimal(100), "tax_rate": vat}],
    )
    sales.sales_order_confirm(order=order)
    fair = make_lead(company_name="Kitchen World")
    activity_log(kind="meeting", subject="Met at IFA", lead=fair, user=seller, occurred_at=hours_ago(200))
    conversion = lead_convert(
        lead=fair,
        account=account,
        create_opportunity=True,
        opportunity={"name": "Spring range", "expected_revenue": Decimal(9000), "close_date": TODAY},
        user=seller,
    )
    call = activity_log(kind="call", subject="Asked for the catalog", account=account, user=seller)
    late = task_create(subject="Send the catalog", due_at=hours_ago(3), owner=seller, account=account, user=seller)
    lookalike = make_lead(company_name="Media Home GmbH", email="einkauf@mediahome.example", vat_number="")
    return {
        "child": child,
        "order": order,
        "opportunity": conversion.opportunity,
        "call": call,
        "task": late,
        "lead": lookalike,
    }


def test_the_account_list_shows_customers_only(client_as, desk, account):  # noqa: F811
    supplier_partner()
    html = page(client_as(Role.SALES).get(reverse("crm:account_list")))
    assert "MEDIAHOME" in html and "MEDIAHOME-AT" in html and "S-HEAT" not in html
    found = page(client_as(Role.SALES).get(reverse("crm:account_list"), {"q": "jana"}))
    assert "MEDIAHOME" in found and "MEDIAHOME-AT" not in found
    csv = client_as(Role.SALES).get(reverse("crm:account_list"), {"export": "csv", "parent": "MEDIAHOME"})
    assert b"MEDIAHOME-AT" in b"".join(csv.streaming_content)


def test_the_account_page_shows_everything(client_as, desk, account, django_assert_max_num_queries):  # noqa: F811
    client = client_as(Role.SALES)
    with django_assert_max_num_queries(25):
        html = page(client.get(reverse("crm:account_detail", args=[account.pk])))
    for expected in (
        "Jana Weber",
        "Hamburg warehouse",
        "MEDIAHOME-AT",
        desk["order"].number,
        desk["opportunity"].number,
        "Asked for the catalog",
        "Send the catalog",
        "Met at IFA",  # from the lead it came from
        'id="credit"',
        'id="log-activity"',
        'id="add-contact"',
    ):
        assert expected in html, expected
    child = page(client.get(reverse("crm:account_detail", args=[desk["child"].pk])))
    assert f'href="{reverse("crm:account_detail", args=[account.pk])}"' in child


def test_what_an_office_reader_sees_and_cannot_do(client_as, desk, account):  # noqa: F811
    client = client_as(Role.PLANNER)
    html = page(client.get(reverse("crm:account_detail", args=[account.pk])))
    assert "Jana Weber" in html and 'id="log-activity"' not in html and 'id="add-contact"' not in html
    response = client.post(reverse("crm:account_contact_add", args=[account.pk]), {"contact-name": "Eve"})
    assert response.status_code == 403 and not Contact.objects.filter(name="Eve").exists()


def test_a_supplier_has_no_account_page_and_the_warehouse_no_crm(client_as, account):  # noqa: F811
    supplier = supplier_partner()
    assert client_as(Role.SALES).get(reverse("crm:account_detail", args=[supplier.pk])).status_code == 404
    assert client_as(Role.WAREHOUSE).get(reverse("crm:account_detail", args=[account.pk])).status_code == 403
    assert client_as(Role.WAREHOUSE).get(reverse("crm:account_list")).status_code == 403
    assert client_as(Role.ENGINEER).get(reverse("crm:account_list")).status_code == 200  # the office reads CRM


def test_contacts_and_addresses_added_and_changed_from_the_account_page(client_as, account):  # noqa: F811
    client = client_as(Role.SALES)
    back = reverse("crm:account_detail", args=[account.pk])
    response = client.post(
        reverse("crm:account_contact_add", args=[account.pk]),
        {"contact-name": "Tom Krause", "contact-email": "tom@mediahome.example", "contact-is_primary": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == back and "Contact added." in messages_of(response)
    tom = Contact.objects.get(name="Tom Krause")
    assert tom.is_primary and not Contact.objects.get(name="Jana Weber").is_primary

    response = client.post(reverse("crm:account_contact_add", args=[account.pk]), {"contact-email": "x"}, follow=True)
    assert any("Name" in message for message in messages_of(response))

    edit = reverse("crm:account_contact_edit", args=[account.pk, tom.pk])
    assert 'value="Tom Krause"' in page(client.get(edit))
    response = client.post(edit, {"name": "Tom Krause", "active": "", "is_primary": "on"})
    assert response.status_code == 200  # an inactive primary is refused, on the form
    assert "inactive contact cannot be the primary" in response.content.decode()
    response = client.post(edit, {"name": "Tom Krause", "job_title": "Logistics", "active": "on"})
    assert response.status_code == 302 and Contact.objects.get(pk=tom.pk).job_title == "Logistics"

    response = client.post(
        reverse("crm:account_address_add", args=[account.pk]),
        {
            "address-kind": "billing",
            "address-name": "Head office",
            "address-street": "Main 3",
            "address-city": "Hamburg",
            "address-country": "de",
        },
    )
    assert response.status_code == 302
    head_office = PartnerAddress.objects.get(name="Head office")
    assert (head_office.kind, head_office.country, head_office.is_default) == ("billing", "DE", True)
    edit = reverse("crm:account_address_edit", args=[account.pk, head_office.pk])
    page(client.get(edit))
    response = client.post(
        edit,
        {"kind": "billing", "name": "HQ", "street": "Main 3", "city": "Hamburg", "country": "DE", "is_default": "on"},
    )
    assert response.status_code == 302 and PartnerAddress.objects.get(pk=head_office.pk).name == "HQ"
    other = supplier_partner()
    other_address = PartnerAddress.objects.create(partner=other, name="X", street="Y", city="Z", country="CN")
    assert client.get(reverse("crm:account_address_edit", args=[account.pk, other_address.pk])).status_code == 404


def test_logging_planning_and_completing_from_the_pages(client_as, account, seller, make_lead):  # noqa: F811
    client = client_as(Role.SALES)
    jana = Contact.objects.get(name="Jana Weber")
    back = reverse("crm:account_detail", args=[account.pk])
    response = client.post(
        reverse("crm:activity_log"),
        {"account": account.pk, "next": back, "log-kind": "call", "log-subject": "Price talk", "log-contact": jana.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == back and "Logged." in messages_of(response)
    call = Activity.objects.get(subject="Price talk")
    assert (call.account, call.contact, call.kind) == (account, jana, "call")

    due = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("crm:task_add"),
        {"account": account.pk, "task-subject": "Send offer", "task-due_at": due, "task-owner": seller.pk},
    )
    assert response.status_code == 302
    task = Activity.objects.get(subject="Send offer")
    assert task.owner == seller and task.is_open_task

    response = client.post(reverse("crm:task_add"), {"account": account.pk, "task-subject": "No date"}, follow=True)
    assert any("Due" in message for message in messages_of(response))
    response = client.post(reverse("crm:activity_log"), {"log-kind": "call", "log-subject": "Nowhere"}, follow=True)
    assert any("belongs to an account, a lead or an opportunity" in m for m in messages_of(response))
    assert client.post(reverse("crm:activity_log"), {"account": "x", "log-subject": "X"}).status_code == 404

    lead = make_lead()
    client.post(reverse("crm:activity_log"), {"lead": lead.pk, "log-kind": "email", "log-subject": "Brochure"})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.activities.get().subject == "Brochure"

    response = client.post(reverse("crm:activity_complete", args=[task.pk]), follow=True)
    task.refresh_from_db()
    assert task.done_at is not None
    response = client.post(reverse("crm:activity_complete", args=[task.pk]), follow=True)
    assert any("was done on" in message for message in messages_of(response))

    edit = reverse("crm:activity_edit", args=[call.pk])
    assert "Price talk" in page(client.get(edit))
    response = client.post(
        edit, {"subject": "Price talk (2%)", "occurred_at": call.occurred_at.strftime("%Y-%m-%dT%H:%M"), "owner": ""}
    )
    assert response.status_code == 302 and Activity.objects.get(pk=call.pk).subject == "Price talk (2%)"


def test_my_open_tasks_mark_the_overdue(client_as, desk, make_user, account):  # noqa: F811
    client = client_as(Role.SALES)
    mine = client.get(reverse("crm:my_tasks"))
    assert "No open tasks." in page(mine)  # the desk's tasks are Sara's, not this user's
    client.force_login(desk["task"].owner)
    task_create(subject="Call next week", due_at=days_ahead(7), owner=desk["task"].owner, account=account)
    html = page(client.get(reverse("crm:my_tasks")))
    assert html.count("task-overdue") == 1 and 'id="overdue-count"' in html
    assert html.index("Send the catalog") < html.index("Call next week")
    detail = page(client.get(reverse("crm:activity_detail", args=[desk["task"].pk])))
    assert "alert-danger" in detail and reverse("crm:activity_complete", args=[desk["task"].pk]) in detail
    listed = page(client.get(reverse("crm:activity_list"), {"overdue": "true"}))
    assert "Send the catalog" in listed and "Asked for the catalog" not in listed


def test_lead_list_filters(client_as, desk, make_lead):  # noqa: F811
    make_lead(company_name="Web Shop Ltd", source="website")
    client = client_as(Role.SALES)
    html = page(client.get(reverse("crm:lead_list"), {"source": "website"}))
    assert "Web Shop Ltd" in html and "Media Home GmbH" not in html
    html = page(client.get(reverse("crm:lead_list"), {"status": "converted"}))
    assert "Kitchen World" in html and "Web Shop Ltd" not in html
    html = page(client.get(reverse("crm:lead_list"), {"owner": "sara"}))
    assert "Web Shop Ltd" in html


def test_the_lead_page_warns_of_duplicates_and_offers_its_buttons(client_as, desk, account):  # noqa: F811
    html = page(client_as(Role.SALES).get(desk["lead"].get_absolute_url()))
    assert 'id="duplicates"' in html and "MEDIAHOME" in html and "same e-mail domain" in html
    assert 'id="qualify"' in html and 'id="disqualify"' in html and 'id="convert"' in html
    reader = page(client_as(Role.PLANNER).get(desk["lead"].get_absolute_url()))
    assert 'id="duplicates"' in reader and 'id="qualify"' not in reader and 'id="convert"' not in reader
    converted = Lead.objects.get(company_name="Kitchen World")
    html = page(client_as(Role.SALES).get(converted.get_absolute_url()))
    assert 'id="converted"' in html and desk["opportunity"].number in html and 'id="convert"' not in html


def test_a_new_lead_that_looks_known_is_made_once_confirmed(client_as, account):  # noqa: F811
    client = client_as(Role.SALES)
    data = {"company_name": "MEDIAHOME gmbh", "email": "info@mediahome.example", "source": "website"}
    response = client.post(reverse("crm:lead_add"), data)
    assert response.status_code == 200 and not Lead.objects.exists()
    html = response.content.decode()
    assert 'id="duplicates"' in html and "same name" in html and 'type="checkbox" name="duplicates_seen"' in html
    response = client.post(reverse("crm:lead_add"), {**data, "duplicates_seen": "on"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    response = client.post(reverse("crm:lead_add"), {"company_name": "Brand New Ltd", "source": "nowhere"})
    assert response.status_code == 200 and Lead.objects.count() == 1
    response = client.post(reverse("crm:lead_add"), {"company_name": "Brand New Ltd", "source": "referral"})
    assert response.status_code == 302 and Lead.objects.count() == 2
    edit = reverse("crm:lead_edit", args=[lead.pk])
    assert "MEDIAHOME gmbh" in page(client.get(edit))
    response = client.post(edit, {"company_name": "MediaHome Hamburg", "source": "website", "country": "de"})
    assert response.status_code == 302 and Lead.objects.get(pk=lead.pk).country == "DE"


def test_qualify_disqualify_and_reopen_from_the_lead_page(client_as, make_lead):  # noqa: F811
    client = client_as(Role.SALES)
    lead = make_lead()
    response = client.post(reverse("crm:lead_qualify", args=[lead.pk]), {"budget": "on"}, follow=True)
    assert any("confirmed need" in message for message in messages_of(response))
    client.post(reverse("crm:lead_qualify", args=[lead.pk]), {"need": "on", "timing": "on", "notes": "Q2"})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED and lead.qualification_score == 50
    client.post(reverse("crm:lead_disqualify", args=[lead.pk]), {"reason": "Went elsewhere"})
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.DISQUALIFIED, "Went elsewhere")
    assert 'id="disqualified"' in page(client.get(lead.get_absolute_url()))
    client.post(reverse("crm:lead_reopen", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    planner = client_as(Role.PLANNER)
    assert planner.post(reverse("crm:lead_disqualify", args=[lead.pk]), {"reason": "x"}).status_code == 403


def test_conversion_offers_the_matching_account(client_as, desk, account):  # noqa: F811
    client = client_as(Role.SALES)
    lead = desk["lead"]
    convert = reverse("crm:lead_convert", args=[lead.pk])
    html = page(client.get(convert))
    assert f'value="{account.pk}"' in html and "Merge into" in html and 'id="duplicates"' in html
    response = client.post(convert, {"target": str(account.pk), "payment_terms_days": "30", "credit_limit": "0"})
    assert response.status_code == 302 and response["Location"] == reverse("crm:account_detail", args=[account.pk])
    lead.refresh_from_db()
    assert lead.converted_account == account and lead.converted_contact.partner == account
    assert client.get(convert).status_code == 302  # converted: back to its page


def test_conversion_into_a_new_account_with_an_opportunity_and_its_errors(client_as, make_lead, company, stages):  # noqa: F811
    client = client_as(Role.SALES)
    lead = make_lead()
    convert = reverse("crm:lead_convert", args=[lead.pk])
    form = page(client.get(convert))
    assert 'value="C-NORDIC"' in form and 'value="new"' in form
    data = {
        "target": "new",
        "code": "C-NORDIC",
        "account_name": "Nordic Kitchen AB",
        "payment_terms_days": "45",
        "credit_limit": "20000",
        "create_opportunity": "on",
        "opportunity_name": "First order",
        "expected_revenue": "15000",
    }
    response = client.post(convert, data)
    assert (
        response.status_code == 200 and "Give the date the customer is expected to decide." in response.content.decode()
    )
    assert not Partner.objects.filter(code="C-NORDIC").exists()
    response = client.post(convert, {**data, "close_date": TODAY.isoformat()})
    assert response.status_code == 302
    account = Partner.objects.get(code="C-NORDIC")  # noqa: F811
    assert (account.payment_terms_days, account.credit_limit) == (45, Decimal("20000"))
    assert Opportunity.objects.get(account=account).name == "First order"


@pytest.mark.parametrize(
    "url",
    ["crm:account_list", "crm:lead_list", "crm:lead_add", "crm:my_tasks", "crm:activity_list"],
)
def test_the_screens_render_for_sales_and_are_closed_to_the_shop_floor(client_as, url):
    assert client_as(Role.SALES).get(reverse(url)).status_code == 200
    assert client_as(Role.OPERATOR).get(reverse(url)).status_code == 403


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client.get(url))
    return len(queries)


def test_list_queries_do_not_grow_with_the_rows(client_as, desk, account, make_lead, seller):  # noqa: F811
    client = client_as(Role.SALES)
    client.force_login(seller)
    urls = [reverse(name) for name in ("crm:account_list", "crm:lead_list", "crm:activity_list", "crm:my_tasks")]
    before = [_queries(client, url) for url in urls]
    for number in range(5):
        child = Partner.objects.create(code=f"C-X{number}", name=f"X{number}", kind="customer", parent=account)
        Contact.objects.create(partner=child, name=f"Person {number}")
        make_lead(company_name=f"Prospect {number}")
        task_create(subject=f"Task {number}", due_at=hours_ago(number), owner=seller, account=child)
    assert [_queries(client, url) for url in urls] == before
    assert max(before) <= 12
