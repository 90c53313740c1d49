"""The accounts and leads API over HTTP with tokens: accounts read with their contacts, addresses and credit,
contacts written, activities logged, planned and completed, leads from creation (with its duplicate warning)
through qualification to conversion, the duplicate check; 400s naming field, code and reason, and who may
write what."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import Contact, Partner
from core.roles import Role
from crm.models import Activity, Lead, LeadStatus, Opportunity
from crm.services.activities import activity_log, task_create
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

pytestmark = pytest.mark.django_db

API = "/api/v1/crm"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json() if response.content else {}


def test_accounts_are_read_with_contacts_addresses_and_credit(api_as, account):  # noqa: F811
    supplier_partner()
    Partner.objects.create(code="MEDIAHOME-AT", name="MediaHome Austria", kind="customer", parent=account)
    api = api_as(Role.SALES)
    listed = ok(api.get(f"{API}/accounts/"))["results"]
    assert [(row["code"], row["parent"], row["contact_count"]) for row in listed] == [
        ("MEDIAHOME", None, 1),
        ("MEDIAHOME-AT", "MEDIAHOME", 0),
    ]
    detail = ok(api.get(f"{API}/accounts/{account.pk}/"))
    assert detail["children"] == ["MEDIAHOME-AT"] and detail["vat_number"] == "DE 811.234.567"
    assert [(c["name"], c["is_primary"]) for c in detail["contacts"]] == [("Jana Weber", True)]
    assert [(a["kind"], a["country"], a["is_default"]) for a in detail["addresses"]] == [("shipping", "DE", True)]
    assert detail["credit"] == {
        "limit": "100000.00",
        "receivables": "0.00",
        "open_orders": "0.00",
        "exposure": "0.00",
        "available": "100000.00",
        "currency": "CNY",
    }
    assert [row["code"] for row in ok(api.get(f"{API}/accounts/", {"parent": "MEDIAHOME"}))["results"]] == [
        "MEDIAHOME-AT"
    ]
    assert api.post(f"{API}/accounts/", {"code": "X"}, format="json").status_code == 405


def test_contacts_written_through_the_api(api_as, account):  # noqa: F811
    api = api_as(Role.SALES)
    tom = ok(
        api.post(f"{API}/contacts/", {"account": "MEDIAHOME", "name": "Tom", "is_primary": True}, format="json"), 201
    )
    assert (tom["account"], tom["is_primary"]) == ("MEDIAHOME", True)
    assert not Contact.objects.get(name="Jana Weber").is_primary
    tom = ok(api.patch(f"{API}/contacts/{tom['id']}/", {"job_title": "Buyer"}, format="json"))
    assert tom["job_title"] == "Buyer" and tom["name"] == "Tom"
    assert errors(api.post(f"{API}/contacts/", {"account": "S-NONE", "name": ""}, format="json")).keys() == {
        ("account", "does_not_exist"),
        ("name", "blank"),
    }
    supplier_partner()
    assert ("account", "does_not_exist") in errors(
        api.post(f"{API}/contacts/", {"account": "S-HEAT", "name": "Mr Wu"}, format="json")
    )  # only customers' contacts are written here
    assert errors(api.patch(f"{API}/contacts/{tom['id']}/", {"active": False}, format="json")) == {
        ("is_primary", "inactive_primary"): "An inactive contact cannot be the primary one."
    }
    assert errors(api.patch(f"{API}/contacts/{tom['id']}/", {"partner": 1}, format="json")) == {
        ("partner", "read_only"): "This field cannot be written here."
    }


def test_activities_logged_planned_completed_and_the_timeline(api_as, account, seller):  # noqa: F811
    api = api_as(Role.SALES)
    jana = Contact.objects.get(name="Jana Weber")
    call = ok(
        api.post(
            f"{API}/activities/",
            {"kind": "call", "subject": "Prices", "account": "MEDIAHOME", "contact": jana.pk},
            format="json",
        ),
        201,
    )
    assert (call["account"], call["contact_name"], call["overdue"], call["when"] is not None) == (
        "MEDIAHOME",
        "Jana Weber",
        False,
        True,
    )
    task = ok(
        api.post(
            f"{API}/activities/",
            {
                "kind": "task",
                "subject": "Send offer",
                "account": "MEDIAHOME",
                "due_at": hours_ago(1).isoformat(),
                "owner": "sara",
            },
            format="json",
        ),
        201,
    )
    assert (task["owner"], task["overdue"], task["done_at"]) == ("sara", True, None)
    overdue = ok(api.get(f"{API}/activities/", {"overdue": "true"}))["results"]
    assert [row["id"] for row in overdue] == [task["id"]]
    done = ok(api.post(f"{API}/activities/{task['id']}/complete/"))
    assert done["done_at"] is not None and not done["overdue"]
    assert errors(api.post(f"{API}/activities/{task['id']}/complete/")).keys() == {(None, "already_done")}
    timeline = ok(api.get(f"{API}/accounts/{account.pk}/timeline/"))["results"]
    assert [row["subject"] for row in timeline] == ["Send offer", "Prices"]  # done just now, after the call
    changed = ok(api.patch(f"{API}/activities/{call['id']}/", {"notes": "Wants 2% off"}, format="json"))
    assert changed["notes"] == "Wants 2% off"


def test_activity_400s_name_field_and_reason(api_as, account):  # noqa: F811
    api = api_as(Role.SALES)
    post = lambda body: api.post(f"{API}/activities/", body, format="json")  # noqa: E731
    assert errors(post({"kind": "task", "subject": "X", "account": "MEDIAHOME"})).keys() == {("due_at", "required")}
    assert errors(post({"kind": "call", "subject": "X"})).keys() == {("account", "no_subject")}
    assert errors(
        post({"kind": "call", "subject": "X", "account": "MEDIAHOME", "due_at": days_ahead(1).isoformat()})
    ) == {("due_at", "wrong_kind"): "Only a task has a due date."}
    future = post({"kind": "meeting", "subject": "X", "account": "MEDIAHOME", "occurred_at": days_ahead(1).isoformat()})
    assert errors(future).keys() == {("occurred_at", "in_future")}
    assert errors(post({"kind": "fax", "subject": "X", "account": "MEDIAHOME"})).keys() == {("kind", "invalid_choice")}
    assert errors(post({"kind": "note", "subject": "X", "account": "MEDIAHOME", "done_at": "2026-01-01"})).keys() == {
        ("done_at", "read_only")
    }
    assert not Activity.objects.exists()


def test_a_lead_from_creation_to_conversion(api_as, account, stages, company):  # noqa: F811
    api = api_as(Role.SALES)
    lead = ok(
        api.post(
            f"{API}/leads/",
            {"company_name": "Media-Home GmbH", "email": "einkauf@MEDIAHOME.example", "source": "trade_show"},
            format="json",
        ),
        201,
    )
    assert lead["number"].startswith("LEAD-") and lead["status"] == "new" and lead["owner"].startswith("sales-")
    assert lead["duplicates"]["accounts"] == ["MEDIAHOME"]
    assert {(c["kind"], c["reference"], tuple(c["reasons"])) for c in lead["duplicates"]["candidates"]} == {
        ("partner", "MEDIAHOME", ("name", "domain")),
    }
    url = f"{API}/leads/{lead['id']}/"
    ok(
        api.post(f"{API}/activities/", {"kind": "email", "subject": "Catalog", "lead": lead["number"]}, format="json"),
        201,
    )
    assert ok(api.get(url))["status"] == "contacted"
    assert errors(
        api.post(f"{url}qualify/", {"need": False, "budget": True, "authority": True, "timing": True}, format="json")
    ).keys() == {("need", "need_unconfirmed")}
    qualified = ok(
        api.post(f"{url}qualify/", {"need": True, "budget": True, "authority": False, "timing": True}, format="json")
    )
    assert (qualified["status"], qualified["qualification_score"]) == ("qualified", 75)

    refused = api.post(
        f"{url}convert/",
        {"account": "MEDIAHOME", "create_opportunity": True, "opportunity": {"expected_revenue": "-1"}},
        format="json",
    )
    assert errors(refused).keys() == {
        ("opportunity.expected_revenue", "min_value"),
        ("opportunity.close_date", "required"),
    }
    converted = ok(
        api.post(
            f"{url}convert/",
            {
                "account": "MEDIAHOME",
                "create_opportunity": True,
                "opportunity": {"name": "Spring", "expected_revenue": "5000", "close_date": TODAY.isoformat()},
            },
            format="json",
        )
    )
    assert (converted["status"], converted["converted_account"]) == ("converted", "MEDIAHOME")
    assert converted["duplicates"] == {"candidates": [], "accounts": []}
    opportunity = Opportunity.objects.get(number=converted["converted_opportunity"])
    assert opportunity.account == account and opportunity.expected_revenue == Decimal("5000")
    assert Activity.objects.get(subject="Catalog").opportunity == opportunity
    assert errors(api.post(f"{url}convert/", {"account": "MEDIAHOME"}, format="json")).keys() == {(None, "converted")}
    assert errors(api.delete(url)).keys() == {(None, "converted")}


def test_conversion_into_a_new_account_reports_its_fields(api_as, make_lead, company):  # noqa: F811
    api = api_as(Role.SALES)
    lead = make_lead()
    url = f"{API}/leads/{lead.pk}/convert/"
    assert errors(api.post(url, {}, format="json")).keys() == {("account", "account_choice")}
    assert errors(
        api.post(url, {"new_account": {"code": "MEDIAHOME-X", "credit_limit": "-5"}}, format="json")
    ).keys() == {("new_account.credit_limit", "min_value")}
    Partner.objects.create(code="C-NORDIC", name="Taken", kind="customer")
    assert errors(api.post(url, {"new_account": {"code": "c-nordic"}}, format="json")).keys() == {
        ("new_account.code", "unique")
    }
    converted = ok(api.post(url, {"new_account": {"code": "C-NORDIC-AB", "payment_terms_days": 60}}, format="json"))
    account = Partner.objects.get(code="C-NORDIC-AB")  # noqa: F811
    assert converted["converted_account"] == "C-NORDIC-AB" and account.payment_terms_days == 60
    assert account.contacts.get().email == "lars.berg@nordickitchen.example"


def test_leads_listed_filtered_changed_disqualified_reopened_and_deleted(api_as, make_lead, seller):  # noqa: F811
    api = api_as(Role.SALES)
    web = make_lead(company_name="Web Shop", source="website")
    make_lead(company_name="Fair Co", source="trade_show")
    assert [row["company_name"] for row in ok(api.get(f"{API}/leads/", {"source": "website"}))["results"]] == [
        "Web Shop"
    ]
    assert len(ok(api.get(f"{API}/leads/", {"owner": "sara", "status": "new"}))["results"]) == 2
    url = f"{API}/leads/{web.pk}/"
    assert ok(api.patch(url, {"phone": "+49 1"}, format="json"))["phone"] == "+49 1"
    assert errors(api.patch(url, {"status": "converted"}, format="json")).keys() == {("status", "read_only")}
    assert errors(api.post(f"{url}disqualify/", {}, format="json")).keys() == {("reason", "required")}
    assert ok(api.post(f"{url}disqualify/", {"reason": "Too small"}, format="json"))["status"] == "disqualified"
    assert ok(api.post(f"{url}reopen/"))["status"] == "contacted"
    activity_log(kind="note", subject="History", lead=web, user=seller)
    assert errors(api.delete(url)).keys() == {(None, "has_activities")}
    fair = Lead.objects.get(company_name="Fair Co")
    assert api.delete(f"{API}/leads/{fair.pk}/").status_code == 204
    assert list(Lead.objects.all()) == [web]


def test_the_duplicate_check(api_as, account, make_lead):  # noqa: F811
    make_lead(company_name="Nordic Kitchen AB")
    api = api_as(Role.SALES)
    found = ok(api.get(f"{API}/duplicates/", {"vat_number": "de 811 234 567", "company_name": "nordic kitchen"}))
    assert {(c["kind"], c["reference"], tuple(c["reasons"])) for c in found["candidates"]} == {
        ("partner", "MEDIAHOME", ("vat",)),
        ("lead", Lead.objects.get().number, ("name",)),
    }
    assert found["accounts"] == ["MEDIAHOME"]
    assert errors(api.get(f"{API}/duplicates/")).keys() == {(None, "required")}
    assert errors(api.get(f"{API}/duplicates/", {"vat": "x"})).keys() == {("vat", "read_only")}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "leads/", {"company_name": "X"}),
        ("post", "contacts/", {"account": "MEDIAHOME", "name": "X"}),
        ("post", "activities/", {"kind": "note", "subject": "X", "account": "MEDIAHOME"}),
        ("patch", "leads/{lead}/", {"phone": "1"}),
        ("post", "leads/{lead}/qualify/", {"need": True, "budget": True, "authority": True, "timing": True}),
        ("post", "leads/{lead}/convert/", {"account": "MEDIAHOME"}),
        ("post", "activities/{task}/complete/", None),
    ],
)
def test_a_warehouse_role_cannot_write(api_as, account, make_lead, seller, method, path, body):  # noqa: F811
    lead = make_lead()
    task = task_create(subject="T", due_at=days_ahead(1), owner=seller, account=account)
    api = api_as(Role.WAREHOUSE)
    response = getattr(api, method)(f"{API}/{path.format(lead=lead.pk, task=task.pk)}", body, format="json")
    assert response.status_code == 403
    lead.refresh_from_db()
    task.refresh_from_db()
    assert (lead.status, lead.phone, task.done_at) == (LeadStatus.NEW, "+46 8 123 456", None)
    assert Lead.objects.count() == 1 and Contact.objects.count() == 1


def test_who_may_read(api_as, account):  # noqa: F811
    assert api_as(Role.WAREHOUSE).get(f"{API}/accounts/").status_code == 403  # no CRM role
    assert api_as(Role.OPERATOR).get(f"{API}/leads/").status_code == 403
    assert api_as(Role.PLANNER).get(f"{API}/accounts/{account.pk}/").status_code == 200
    assert api_as(Role.ENGINEER).get(f"{API}/accounts/").status_code == 200  # office: CRM's readers
    planner = api_as(Role.PLANNER)
    assert planner.post(f"{API}/leads/", {"company_name": "X"}, format="json").status_code == 403
    assert planner.get(f"{API}/duplicates/", {"company_name": "MediaHome"}).status_code == 200


def test_converting_into_a_new_account_needs_the_right_to_make_partners(make_user, make_lead, account, company):  # noqa: F811
    lead = make_lead()
    converter = make_user()
    converter.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_lead", "change_lead", "add_contact"], content_type__app_label__in=["crm", "core"]
        )
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=converter).key}")
    response = api.post(f"{API}/leads/{lead.pk}/convert/", {"new_account": {"code": "C-N"}}, format="json")
    assert response.status_code == 403 and not Partner.objects.filter(code="C-N").exists()
    assert (
        ok(api.post(f"{API}/leads/{lead.pk}/convert/", {"account": "MEDIAHOME"}, format="json"))["status"]
        == "converted"
    )
