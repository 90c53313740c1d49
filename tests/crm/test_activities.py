"""Activities: logged calls, meetings, e-mails and notes, tasks with a due date and an owner, completed and
changed; what they belong to; the open tasks of a salesperson and the timelines they make."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import Contact
from core.roles import Role
from crm.models import Activity, ActivityKind, LeadStatus
from crm.selectors.accounts import account_timeline, lead_timeline, my_open_tasks
from crm.services.activities import activity_log, activity_update, task_complete, task_create
from crm.services.leads import lead_convert
from crm.services.opportunities import opportunity_create
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


def test_a_call_is_logged_now_by_who_logs_it(account, seller):  # noqa: F811
    jana = Contact.objects.get(name="Jana Weber")
    call = activity_log(kind="call", subject=" Order for spring ", account=account, contact=jana, user=seller)
    assert (call.subject, call.owner, call.created_by, call.contact) == ("Order for spring", seller, seller, jana)
    assert timezone.now() - call.occurred_at < datetime.timedelta(seconds=5) and call.done_at is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"kind": "task"}, {"kind": ["task_logged"]}),
        ({"kind": "fax"}, {"kind": ["invalid_choice"]}),
        ({"account": None}, {"account": ["no_subject"]}),
        ({"subject": ""}, {"subject": ["blank"]}),
        ({"occurred_at": "tomorrow"}, {"occurred_at": ["in_future"]}),
        ({"account": "supplier"}, {"account": ["not_a_customer"]}),
        ({"contact": "elsewhere"}, {"contact": ["other_account"]}),
    ],
    ids=["task", "unknown-kind", "nowhere", "no-subject", "future", "supplier", "other-contact"],
)
def test_what_a_logged_activity_needs(account, seller, values, expected):  # noqa: F811
    supplier = supplier_partner()
    elsewhere = Contact.objects.create(partner=supplier, name="Mr Wu")
    replaced = {"supplier": supplier, "elsewhere": elsewhere, "tomorrow": days_ahead(1)}
    arguments = {"kind": "meeting", "subject": "Visit", "account": account, "user": seller}
    arguments.update({name: replaced.get(value, value) for name, value in values.items()})
    with pytest.raises(ValidationError) as refusal:
        activity_log(**arguments)
    assert codes(refusal.value) == expected
    assert not Activity.objects.exists()


def test_a_task_needs_a_due_date_and_an_owner(account, seller):  # noqa: F811
    with pytest.raises(ValidationError) as refusal:
        task_create(subject="Call back", due_at=None, owner=None, account=account, user=seller)
    assert codes(refusal.value) == {"due_at": ["required"], "owner": ["required"]}
    task = task_create(subject="Call back", due_at=days_ahead(1), owner=seller, account=account, user=seller)
    assert task.is_open_task and task.occurred_at is None


def test_the_database_keeps_the_rules_too(account, seller):  # noqa: F811
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(kind=ActivityKind.TASK, subject="No owner", account=account, due_at=days_ahead(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(kind=ActivityKind.CALL, subject="Nowhere", occurred_at=timezone.now())


def test_completing_a_task_once(account, seller):  # noqa: F811
    task = task_create(subject="Send samples", due_at=days_ahead(1), owner=seller, account=account)
    task = task_complete(task=task, user=seller)
    assert task.done_at is not None and not task.is_open_task
    with pytest.raises(ValidationError) as refusal:
        task_complete(task=task, user=seller)
    assert refusal.value.code == "already_done"
    call = activity_log(kind="call", subject="Chat", account=account, user=seller)
    with pytest.raises(ValidationError) as refusal:
        task_complete(task=call, user=seller)
    assert refusal.value.code == "not_a_task"


def test_updating_an_activity(account, seller, make_user):  # noqa: F811
    task = task_create(subject="Visit", due_at=days_ahead(3), owner=seller, account=account)
    colleague = make_user(Role.SALES)
    task = activity_update(activity=task, subject="Visit Hamburg", due_at=days_ahead(4), owner=colleague)
    assert (task.subject, task.owner) == ("Visit Hamburg", colleague)
    with pytest.raises(ValidationError) as refusal:
        activity_update(activity=task, owner=None)
    assert codes(refusal.value) == {"owner": ["required"]}
    call = activity_log(kind="call", subject="Chat", account=account, user=seller)
    with pytest.raises(ValidationError) as refusal:
        activity_update(activity=call, due_at=days_ahead(1))
    assert codes(refusal.value) == {"due_at": ["not_a_task"]}
    with pytest.raises(ValidationError) as refusal:
        activity_update(activity=call, occurred_at=days_ahead(1))
    assert codes(refusal.value) == {"occurred_at": ["in_future"]}
    colleague.is_active = False
    colleague.save()
    with pytest.raises(ValidationError) as refusal:
        activity_update(activity=call, owner=colleague)
    assert codes(refusal.value) == {"owner": ["inactive"]}
    with pytest.raises(TypeError):
        activity_update(activity=call, account=None)


def test_a_first_conversation_makes_a_new_lead_contacted(make_lead, seller):  # noqa: F811
    lead = make_lead()
    activity_log(kind="note", subject="Found on the web", lead=lead, user=seller)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    activity_log(kind="email", subject="Sent the brochure", lead=lead, user=seller)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED


def test_an_opportunitys_activity_is_its_accounts(account, seller, stages, make_lead):  # noqa: F811
    opportunity = opportunity_create(
        account=account,
        name="Spring kettles",
        owner=seller,
        expected_revenue=Decimal(1000),
        currency=account.currency,
        close_date=TODAY,
    )
    meeting = activity_log(kind="meeting", subject="Pitch", opportunity=opportunity, user=seller)
    assert meeting.account == account
    other = supplier_partner("C-OTHER")
    other.kind = "customer"
    other.save()
    with pytest.raises(ValidationError) as refusal:
        activity_log(kind="meeting", subject="Pitch", opportunity=opportunity, account=other, user=seller)
    assert codes(refusal.value) == {"opportunity": ["other_account"]}
    lead = make_lead()
    lead_convert(lead=lead, account=account, user=seller)
    lead.refresh_from_db()
    followup = activity_log(kind="call", subject="After conversion", lead=lead, user=seller)
    assert followup.account == account


def test_my_open_tasks_most_urgent_first_with_the_overdue_marked(account, seller, make_user):  # noqa: F811
    colleague = make_user(Role.SALES)
    late = task_create(subject="Late", due_at=hours_ago(5), owner=seller, account=account)
    soon = task_create(subject="Soon", due_at=days_ahead(1), owner=seller, account=account)
    done = task_create(subject="Done", due_at=hours_ago(50), owner=seller, account=account)
    task_complete(task=done)
    task_create(subject="Theirs", due_at=hours_ago(5), owner=colleague, account=account)
    tasks = list(my_open_tasks(user=seller))
    assert [(task, task.overdue) for task in tasks] == [(late, True), (soon, False)]


def test_the_account_timeline_merges_account_opportunity_and_lead_newest_first(account, seller, stages, make_lead):  # noqa: F811
    lead = make_lead(company_name="MediaHome Austria")
    fair = activity_log(kind="meeting", subject="At the fair", lead=lead, user=seller, occurred_at=hours_ago(100))
    unrelated_lead = make_lead(company_name="Someone else")
    activity_log(kind="call", subject="Unrelated", lead=unrelated_lead, user=seller, occurred_at=hours_ago(1))
    conversion = lead_convert(
        lead=lead,
        account=account,
        create_opportunity=True,
        opportunity={"expected_revenue": Decimal(500), "close_date": TODAY},
        user=seller,
    )
    pitch = activity_log(
        kind="meeting", subject="Pitch", opportunity=conversion.opportunity, user=seller, occurred_at=hours_ago(20)
    )
    call = activity_log(kind="call", subject="Order chat", account=account, user=seller, occurred_at=hours_ago(2))
    task = task_create(subject="Send price list", due_at=days_ahead(2), owner=seller, account=account)
    # Reached through the opportunity or the lead alone, an activity is the account's too.
    Activity.objects.filter(pk=pitch.pk).update(account=None)
    Activity.objects.filter(pk=fair.pk).update(account=None, opportunity=None)

    assert list(account_timeline(account=account)) == [task, call, pitch, fair]
    assert list(account_timeline(account=account, limit=2)) == [task, call]
    assert list(lead_timeline(lead=lead)) == [fair]
