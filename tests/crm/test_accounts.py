"""Accounts: contacts and addresses written by CRM's services, the account's reads (hierarchy, open orders,
credit), and duplicate detection on normalized names, e-mails and VAT numbers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Contact, Partner, PartnerAddress
from crm.selectors.accounts import account_credit, account_open_orders, accounts_listed
from crm.selectors.duplicates import (
    DuplicateQuery,
    company_domain,
    duplicate_candidates,
    lead_duplicates,
    matching_accounts,
    normalize_email,
    normalize_name,
    normalize_vat,
)
from crm.services.accounts import address_create, address_update, contact_create, contact_update
from erp.services import sales
from tests.crm.accounts_fixtures import (  # noqa: F401  (fixtures)
    TODAY,
    account,
    company,
    customer,
    make_lead,
    seller,
    supplier_partner,
)
from tests.erp.conftest import vat  # noqa: F401
from tests.wms.conftest import item, warehouse  # noqa: F401

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


# --- Contacts and addresses ------------------------------------------------------------------------------


def test_the_first_contact_is_primary_and_one_primary_at_a_time(customer):  # noqa: F811
    jana = contact_create(account=customer, name=" Jana Weber ", email=" j.weber@mediahome.example ")
    assert (jana.name, jana.email, jana.is_primary) == ("Jana Weber", "j.weber@mediahome.example", True)
    tom = contact_create(account=customer, name="Tom Krause", job_title="Logistics")
    assert not tom.is_primary
    contact_update(contact=tom, is_primary=True)
    assert [(c.name, c.is_primary) for c in Contact.objects.order_by("name")] == [
        ("Jana Weber", False),
        ("Tom Krause", True),
    ]


def test_contact_rules(customer):  # noqa: F811
    with pytest.raises(ValidationError) as refusal:
        contact_create(account=customer, name="", email="not-mail")
    assert codes(refusal.value) == {"name": ["blank"], "email": ["invalid"]}
    with pytest.raises(ValidationError) as refusal:
        contact_create(account=supplier_partner(), name="Mr Wu")
    assert codes(refusal.value) == {"account": ["not_a_customer"]}
    jana = contact_create(account=customer, name="Jana Weber")
    with pytest.raises(ValidationError) as refusal:
        contact_update(contact=jana, active=False)
    assert codes(refusal.value) == {"is_primary": ["inactive_primary"]}
    jana = contact_update(contact=jana, active=False, is_primary=False, phone="+49 40 1")
    assert (jana.active, jana.is_primary, jana.phone) == (False, False, "+49 40 1")
    with pytest.raises(TypeError):
        contact_update(contact=jana, partner=customer)


def test_one_default_address_per_kind(customer):  # noqa: F811
    hamburg = address_create(account=customer, name="Hamburg DC", street="Hafen 1", city="Hamburg", country=" de")
    assert (hamburg.country, hamburg.kind, hamburg.is_default) == ("DE", "shipping", True)
    bremen = address_create(account=customer, name="Bremen DC", street="Weser 2", city="Bremen", country="DE")
    billing = address_create(account=customer, kind="billing", name="HQ", street="Main 3", city="Hamburg", country="DE")
    assert not bremen.is_default and billing.is_default
    address_update(address=bremen, is_default=True)
    defaults = PartnerAddress.objects.filter(is_default=True).order_by("kind")
    assert [(a.kind, a.name) for a in defaults] == [("billing", "HQ"), ("shipping", "Bremen DC")]
    with pytest.raises(ValidationError) as refusal:
        address_create(account=customer, kind="moon", name="X", street="", city="", country="")
    assert set(codes(refusal.value)) == {"kind", "street", "city", "country"}


# --- The account's reads ---------------------------------------------------------------------------------


def test_the_accounts_are_the_customers_with_their_counts(account, warehouse):  # noqa: F811
    supplier_partner()
    both = Partner.objects.create(code="C-BOTH", name="Both Ways", kind="both", parent=account)
    sales.sales_order_create(customer=account, warehouse=warehouse, order_date=TODAY, requested_date=TODAY)
    listed = {partner.code: partner for partner in accounts_listed()}
    assert set(listed) == {"MEDIAHOME", "C-BOTH"}
    assert (listed["MEDIAHOME"].contact_count, listed["MEDIAHOME"].open_order_count) == (1, 1)
    assert listed["C-BOTH"].parent == account and list(account.children.all()) == [both]


def test_open_orders_and_credit(account, warehouse, item, vat):  # noqa: F811
    kettle = item("KT-200")
    open_order = sales.sales_order_create(
        customer=account,
        warehouse=warehouse,
        order_date=TODAY,
        requested_date=TODAY + datetime.timedelta(days=7),
        lines=[{"item": kettle, "quantity": Decimal(10), "unit_price": Decimal(100), "tax_rate": vat}],
    )
    sales.sales_order_confirm(order=open_order)
    cancelled = sales.sales_order_create(customer=account, warehouse=warehouse, order_date=TODAY, requested_date=TODAY)
    sales.sales_order_cancel(order=cancelled)

    orders = account_open_orders(account=account)
    assert [(entry.order, entry.totals.net, entry.totals.total) for entry in orders] == [
        (open_order, Decimal("1000.00"), Decimal("1130.00"))
    ]
    credit = account_credit(account=account)
    assert (credit.limit, credit.exposure.open_orders, credit.available) == (
        Decimal("100000"),
        Decimal("1130.00"),
        Decimal("98870.00"),
    )
    assert credit.used_pct == 1 and not credit.over_limit and credit.currency_code == "CNY"


# --- Duplicates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("MediaHome GmbH", "mediahome"),
        ("Media Home gmbh.", "mediahome"),
        ("MEDIA-HOME, G.m.b.H.", "mediahomegmbh"),  # dotted forms are letters: left alone
        ("Ningbo Heating Elements Co., Ltd.", "ningboheatingelements"),
        ("HomePlus Retail Ltd", "homeplusretail"),
        ("Acme Inc", "acme"),
        ("Müller GmbH & Co. KG", "müller"),
        ("Co. Ltd", "coltd"),  # only legal forms: kept, rather than matching every such name
        ("  ", ""),
    ],
)
def test_names_are_normalized(name, normalized):
    assert normalize_name(name) == normalized


def test_emails_domains_and_vat_numbers_are_normalized():
    assert normalize_email("  J.Weber@MediaHome.Example ") == "j.weber@mediahome.example"
    assert company_domain("J.Weber@MediaHome.Example") == "mediahome.example"
    assert company_domain("someone@GMAIL.com") == "" and company_domain("no address") == ""
    assert normalize_vat(" de 811.234-567 ") == "DE811234567"


def test_candidates_among_partners_contacts_and_leads(account, make_lead):  # noqa: F811
    other_lead = make_lead(company_name="Media-Home GmbH", email="info@elsewhere.example")
    query = DuplicateQuery(company_name="MEDIAHOME gmbh.", email="J.WEBER@mediahome.example", vat_number="de811234567")
    found = {(c.kind, c.record.pk): (c.reasons, c.strength) for c in duplicate_candidates(query=query)}
    jana = Contact.objects.get(name="Jana Weber")
    assert found == {
        ("partner", account.pk): (["name", "vat", "domain"], "strong"),
        ("contact", jana.pk): (["email"], "strong"),
        ("lead", other_lead.pk): (["name"], "strong"),
    }


def test_weak_matches_and_free_mail(account, make_lead):  # noqa: F811
    query = DuplicateQuery(company_name="Totally Different", email="someone@mediahome.example")
    candidates = duplicate_candidates(query=query)
    # Jana's address is of the same domain too: a hint her company, listed, gives already.
    assert [(c.kind, c.reasons, c.strength) for c in candidates] == [("partner", ["domain"], "weak")]
    account.email = "orders@mediahome-shop.example"
    account.save()
    candidates = duplicate_candidates(query=query)
    assert [(c.kind, c.record.name, c.strength) for c in candidates] == [("contact", "Jana Weber", "weak")]
    make_lead(company_name="A", email="x@gmail.com")
    assert duplicate_candidates(query=DuplicateQuery(company_name="B", email="y@gmail.com")) == []
    assert duplicate_candidates(query=DuplicateQuery()) == []


def test_a_longer_name_with_the_same_start_is_not_a_duplicate(account):  # noqa: F811
    assert duplicate_candidates(query=DuplicateQuery(company_name="MediaHome Austria GmbH")) == []
    assert duplicate_candidates(query=DuplicateQuery(company_name="Media")) == []


def test_a_leads_duplicates_leave_itself_out_and_offer_the_customer(account, make_lead):  # noqa: F811
    supplier = supplier_partner()
    supplier.vat_number = "DE811234567"
    supplier.save()
    lead = make_lead(company_name="Mediahome", email="einkauf@mediahome.example", vat_number="")
    candidates = lead_duplicates(lead=lead)
    assert lead not in [c.record for c in candidates]
    assert matching_accounts(candidates) == [account]
    by_vat = lead_duplicates(lead=make_lead(company_name="X", contact_name="", email="", vat_number="DE 811 234 567"))
    assert {c.record for c in by_vat} == {account, supplier}
    assert matching_accounts(by_vat) == [account]  # a supplier is no account to merge a lead into


# --- The demo ------------------------------------------------------------------------------------------------


def test_the_demo_desk_is_made_once_and_shows_every_lead_status():
    from core import demo as core_demo
    from crm.demo import accounts as demo
    from crm.models import Activity, Lead, LeadStatus
    from crm.selectors.accounts import my_open_tasks

    core_demo.load()
    counts = demo.load()
    assert counts == demo.load()  # a second run adds nothing
    assert counts["leads"] == 12 and counts["contacts"] >= 10 and counts["addresses"] == 7
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED).order_by("number")
    assert [lead.converted_account.code for lead in converted] == ["C-NORDIC", "C-MEDIA-AT"]
    assert Partner.objects.get(code="C-MEDIA-AT").parent.code == "C-MEDIA"
    likely_duplicate = Lead.objects.get(company_name="Media Home GmbH")
    assert matching_accounts(lead_duplicates(lead=likely_duplicate)) == [Partner.objects.get(code="C-MEDIA")]
    oldest = Activity.objects.exclude(occurred_at=None).order_by("occurred_at").first()
    assert (timezone.now() - oldest.occurred_at).days >= 90
    tasks = list(my_open_tasks(user=oldest.owner))
    assert len(tasks) == 5 and sum(task.overdue for task in tasks) == 2
