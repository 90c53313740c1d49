"""Leads: created, changed, qualified, disqualified, reopened, deleted, and converted into an account, a
contact and an opportunity without losing their history, all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import Contact, Partner
from crm.models import Activity, ActivityKind, Lead, LeadStatus, Opportunity
from crm.services.activities import activity_log, task_create
from crm.services.leads import (
    lead_convert,
    lead_delete,
    lead_disqualify,
    lead_qualify,
    lead_reopen,
    lead_update,
)
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


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_a_lead_is_numbered_owned_and_cleaned(make_lead, seller):  # noqa: F811
    lead = make_lead(company_name="  Nordic Kitchen AB ", country="se", email=" lars@nordickitchen.example ")
    assert lead.number.startswith("LEAD-") and lead.status == LeadStatus.NEW
    assert (lead.company_name, lead.country, lead.email) == ("Nordic Kitchen AB", "SE", "lars@nordickitchen.example")
    assert lead.owner == seller and lead.created_by == seller
    assert make_lead().number > lead.number


def test_a_lead_needs_a_company_name_and_a_known_source(make_lead):  # noqa: F811
    with pytest.raises(ValidationError) as refusal:
        make_lead(company_name=" ", source="newspaper", email="not-an-address")
    assert codes(refusal.value) == {"company_name": ["blank"], "source": ["invalid_choice"], "email": ["invalid"]}
    assert not Lead.objects.exists()


def test_qualifying_records_bant_and_needs_a_need(make_lead):  # noqa: F811
    lead = make_lead()
    with pytest.raises(ValidationError) as refusal:
        lead_qualify(lead=lead, need=False, budget=True, authority=True, timing=True)
    assert codes(refusal.value) == {"need": ["need_unconfirmed"]}
    lead = lead_qualify(lead=lead, need=True, budget=True, authority=False, timing=True, notes="Budget for Q2")
    assert lead.status == LeadStatus.QUALIFIED and lead.qualification_score == 75
    assert lead.qualification_notes == "Budget for Q2"


def test_disqualifying_needs_a_reason_and_reopening_works_the_lead_again(make_lead):  # noqa: F811
    lead = make_lead()
    with pytest.raises(ValidationError) as refusal:
        lead_disqualify(lead=lead, reason="  ")
    assert codes(refusal.value) == {"reason": ["required"]}
    lead = lead_disqualify(lead=lead, reason="Reseller of a competitor")
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.DISQUALIFIED, "Reseller of a competitor")
    with pytest.raises(ValidationError) as refusal:
        lead_qualify(lead=lead, need=True, budget=True, authority=True, timing=True)
    assert refusal.value.code == "disqualified"
    lead = lead_reopen(lead=lead)
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.CONTACTED, "")


def test_a_lead_with_a_history_is_not_deleted(make_lead, seller):  # noqa: F811
    lead = make_lead()
    activity_log(kind=ActivityKind.CALL, subject="First call", lead=lead, user=seller)
    with pytest.raises(ValidationError) as refusal:
        lead_delete(lead=lead)
    assert refusal.value.code == "has_activities"
    mistake = make_lead(company_name="Typo GmbH")
    lead_delete(lead=mistake)
    assert list(Lead.objects.all()) == [lead]


def test_conversion_into_a_new_account_keeps_the_history(make_lead, seller, stages, company):  # noqa: F811
    lead = make_lead()
    call = activity_log(
        kind=ActivityKind.CALL, subject="Met at the fair", lead=lead, user=seller, occurred_at=hours_ago(30)
    )
    task = task_create(subject="Send the catalog", lead=lead, owner=seller, due_at=days_ahead(2), user=seller)
    lead_qualify(lead=lead, need=True, budget=True, authority=True, timing=False)

    conversion = lead_convert(
        lead=lead,
        new_account={"code": "c-nordic", "payment_terms_days": 45, "credit_limit": Decimal("50000")},
        create_opportunity=True,
        opportunity={"name": "Kettles for Nordic Kitchen", "expected_revenue": Decimal("80000"), "close_date": TODAY},
        user=seller,
    )

    account = conversion.account  # noqa: F811
    assert (account.code, account.name, account.kind) == ("C-NORDIC", "Nordic Kitchen AB", "customer")
    assert (account.vat_number, account.country, account.currency) == ("SE556677889901", "SE", company.currency)
    assert (account.payment_terms_days, account.credit_limit) == (45, Decimal("50000"))
    contact = conversion.contact
    assert (contact.partner, contact.name, contact.email, contact.is_primary) == (
        account,
        "Lars Berg",
        "lars.berg@nordickitchen.example",
        True,
    )
    opportunity = conversion.opportunity
    assert (opportunity.account, opportunity.contact, opportunity.lead, opportunity.owner) == (
        account,
        contact,
        lead,
        seller,
    )
    assert opportunity.expected_revenue == Decimal("80000") and opportunity.currency == company.currency

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.converted_at is not None
    assert (lead.converted_account, lead.converted_contact, lead.converted_opportunity) == (
        account,
        contact,
        opportunity,
    )
    assert lead.need and lead.budget and lead.qualification_score == 75  # the qualification stays
    for activity in (call, task):
        activity.refresh_from_db()
        assert (activity.lead, activity.account, activity.opportunity, activity.contact) == (
            lead,
            account,
            opportunity,
            contact,
        )


def test_conversion_merges_into_an_existing_account_and_its_contact(make_lead, account, seller):  # noqa: F811
    jana = Contact.objects.get(partner=account, name="Jana Weber")
    lead = make_lead(company_name="Media Home", contact_name="J. Weber", email="J.WEBER@mediahome.example")
    conversion = lead_convert(lead=lead, account=account, user=seller)
    assert conversion.account == account and conversion.contact == jana and conversion.opportunity is None
    assert Contact.objects.filter(partner=account).count() == 1
    assert Partner.objects.filter(kind="customer").count() == 1


def test_a_new_contact_at_an_existing_account_is_not_its_primary(make_lead, account, seller):  # noqa: F811
    conversion = lead_convert(lead=make_lead(company_name="MediaHome"), account=account, user=seller)
    assert conversion.contact.partner == account and not conversion.contact.is_primary


def test_a_converted_lead_is_history(make_lead, account, seller):  # noqa: F811
    lead = make_lead()
    lead_convert(lead=lead, account=account, user=seller)
    with pytest.raises(ValidationError) as refusal:
        lead_convert(lead=lead, account=account, user=seller)
    assert refusal.value.code == "converted"
    with pytest.raises(ValidationError) as refusal:
        lead_update(lead=lead, phone="+46 1")
    assert refusal.value.code == "converted"
    with pytest.raises(ValidationError):
        lead_disqualify(lead=lead, reason="Changed our mind")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, {"account": ["account_choice"]}),
        ({"account": "existing", "new_account": {"code": "C-X"}}, {"account": ["account_choice"]}),
        ({"account": "supplier"}, {"account": ["not_a_customer"]}),
        ({"new_account": {}}, {"new_account.code": ["blank"]}),
        ({"new_account": {"code": "MEDIAHOME"}}, {"new_account.code": ["unique"]}),
        ({"new_account": {"code": "C-NEW", "parent": "supplier"}}, {"new_account.parent": ["not_a_customer"]}),
        (
            {"new_account": {"code": "C-NEW"}, "create_opportunity": True, "opportunity": {"expected_revenue": 5}},
            {"opportunity.close_date": ["required"]},
        ),
        (
            {
                "new_account": {"code": "C-NEW"},
                "create_opportunity": True,
                "opportunity": {"expected_revenue": -5, "close_date": TODAY},
            },
            {"opportunity.expected_revenue": ["negative"]},
        ),
    ],
    ids=["nothing", "both", "supplier", "no-code", "code-taken", "supplier-parent", "no-close-date", "negative"],
)
def test_a_refused_conversion_makes_nothing(make_lead, account, seller, stages, arguments, expected):  # noqa: F811
    lead = make_lead()
    activity_log(kind=ActivityKind.NOTE, subject="Wants a quote", lead=lead, user=seller)
    supplier = supplier_partner()
    replaced = {"existing": account, "supplier": supplier}
    arguments = {
        name: (replaced.get(value, value) if isinstance(value, str) else value) for name, value in arguments.items()
    }
    if "parent" in arguments.get("new_account", {}):
        arguments["new_account"]["parent"] = replaced[arguments["new_account"]["parent"]]
    partners, contacts = Partner.objects.count(), Contact.objects.count()

    with pytest.raises(ValidationError) as refusal:
        lead_convert(lead=lead, user=seller, **arguments)

    assert codes(refusal.value) == expected
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and lead.converted_account is None  # a note is not a conversation
    assert (Partner.objects.count(), Contact.objects.count(), Opportunity.objects.count()) == (partners, contacts, 0)
    assert Activity.objects.get().account is None


def test_a_failure_after_the_account_is_made_rolls_it_back(make_lead, seller, stages, company):  # noqa: F811
    """The opportunity service refusing last (no open stage) undoes the account and contact made before it."""
    from crm.models import Stage

    Stage.objects.filter(is_won=False, is_lost=False).update(active=False)
    lead = make_lead()
    with pytest.raises(ValidationError) as refusal:
        lead_convert(
            lead=lead,
            new_account={"code": "C-NORDIC"},
            create_opportunity=True,
            opportunity={"expected_revenue": Decimal(1000), "close_date": TODAY + datetime.timedelta(days=30)},
            user=seller,
        )
    assert codes(refusal.value) == {"opportunity.stage": ["no_open_stage"]}
    assert not Partner.objects.filter(code="C-NORDIC").exists()
    assert not Contact.objects.filter(name="Lars Berg").exists()
    assert Lead.objects.get().status == LeadStatus.NEW
