"""Activities: calls, meetings, e-mails and notes logged when they happened, tasks with a due date and an owner.

An activity belongs to an account, a lead or an opportunity (at least one). What it is logged on pulls the
rest in: an opportunity's activity is its account's too, and a converted lead's activity is the account's it
became. The first call, meeting or e-mail logged on a new lead marks it contacted.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Contact, Partner
from crm.models import Activity, ActivityKind, Lead, LeadStatus, Opportunity

# Kinds that are a conversation with the lead: logging one moves a new lead to contacted.
CONVERSATIONS = (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL)
# What activity_update may change; its links (account, lead, opportunity) and kind stay as logged.
UPDATABLE = frozenset({"subject", "notes", "occurred_at", "due_at", "owner", "contact"})
# Clocks drift: a call logged "now" from a laptop a little ahead is not in the future.
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)


def _is_user(user: Any) -> bool:
    return getattr(user, "is_authenticated", False)


def _linked(
    *, account: Partner | None, lead: Lead | None, opportunity: Opportunity | None
) -> tuple[Partner | None, Lead | None, Opportunity | None]:
    """The account an activity also belongs to through its opportunity or converted lead; a contradiction
    (an opportunity of another account) is refused."""
    if opportunity is not None:
        if account is not None and opportunity.account_id != account.pk:
            message = _("%(opportunity)s is an opportunity of another account.") % {"opportunity": opportunity.number}
            raise ValidationError({"opportunity": ValidationError(message, code="other_account")})
        account = opportunity.account
    if lead is not None and lead.converted_account_id is not None:
        if account is not None and lead.converted_account_id != account.pk:
            message = _("%(lead)s became another account.") % {"lead": lead.number}
            raise ValidationError({"lead": ValidationError(message, code="other_account")})
        account = lead.converted_account
    return account, lead, opportunity


def _check_contact(activity: Activity) -> None:
    if activity.contact_id is None:
        return
    if activity.account_id is None or activity.contact.partner_id != activity.account_id:
        message = _("%(contact)s is not a contact of this account.") % {"contact": activity.contact.name}
        raise ValidationError({"contact": ValidationError(message, code="other_account")})


def _check_owner(owner: Any) -> None:
    if owner is not None and not owner.is_active:
        message = _("%(user)s cannot sign in any more.") % {"user": owner.get_username()}
        raise ValidationError({"owner": ValidationError(message, code="inactive")})


def _check_not_future(occurred_at: datetime.datetime | None) -> None:
    if occurred_at is not None and occurred_at > timezone.now() + CLOCK_TOLERANCE:
        message = _("A logged activity has happened: its time cannot be in the future. Plan it as a task.")
        raise ValidationError({"occurred_at": ValidationError(message, code="in_future")})


def _save(activity: Activity) -> Activity:
    _check_contact(activity)
    _check_owner(activity.owner)
    activity.full_clean()
    activity.save()
    return activity


def _lead_contacted(lead: Lead | None) -> None:
    if lead is not None and lead.status == LeadStatus.NEW:
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.CONTACTED
            lead.save(update_fields=["status", "updated_at"])


def activity_log(
    *,
    kind: str,
    subject: str,
    notes: str = "",
    occurred_at: datetime.datetime | None = None,
    account: Partner | None = None,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    contact: Contact | None = None,
    owner: Any = None,
    user: Any = None,
) -> Activity:
    """A call, meeting, e-mail or note, logged at `occurred_at` (default now) by `owner` (default the user)."""
    if kind == ActivityKind.TASK:
        message = _("A task is planned, not logged: create it as a task with a due date and an owner.")
        raise ValidationError({"kind": ValidationError(message, code="task_logged")})
    occurred_at = occurred_at or timezone.now()
    _check_not_future(occurred_at)
    account, lead, opportunity = _linked(account=account, lead=lead, opportunity=opportunity)
    with transaction.atomic():
        activity = _save(
            Activity(
                kind=kind,
                subject=subject.strip(),
                notes=notes,
                occurred_at=occurred_at,
                account=account,
                lead=lead,
                opportunity=opportunity,
                contact=contact,
                owner=owner if owner is not None else (user if _is_user(user) else None),
                created_by=user if _is_user(user) else None,
            )
        )
        if kind in CONVERSATIONS:
            _lead_contacted(lead)
        return activity


def task_create(
    *,
    subject: str,
    due_at: datetime.datetime | None = None,
    owner: Any = None,
    notes: str = "",
    account: Partner | None = None,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    contact: Contact | None = None,
    user: Any = None,
) -> Activity:
    """Something to do by `due_at`, for `owner` (both required: a task nobody owns or without a date is not done)."""
    account, lead, opportunity = _linked(account=account, lead=lead, opportunity=opportunity)
    with transaction.atomic():
        return _save(
            Activity(
                kind=ActivityKind.TASK,
                subject=subject.strip(),
                notes=notes,
                due_at=due_at,
                account=account,
                lead=lead,
                opportunity=opportunity,
                contact=contact,
                owner=owner,
                created_by=user if _is_user(user) else None,
            )
        )


def _lock(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("account", "lead", "opportunity", "contact", "owner")
        .get(pk=activity.pk)
    )


def task_complete(*, task: Activity, user: Any = None, done_at: datetime.datetime | None = None) -> Activity:
    """Mark a task done (now, unless told when)."""
    with transaction.atomic():
        task = _lock(task)
        if not task.is_task:
            message = _("Only a task is completed; a %(kind)s is logged as done.") % {
                "kind": task.get_kind_display().lower()
            }
            raise ValidationError(message, code="not_a_task")
        if task.done_at is not None:
            message = _("This task was done on %(when)s.") % {
                "when": timezone.localtime(task.done_at).strftime("%Y-%m-%d %H:%M")
            }
            raise ValidationError(message, code="already_done")
        task.done_at = done_at or timezone.now()
        if task.done_at > timezone.now() + CLOCK_TOLERANCE:
            message = _("A task cannot be done in the future.")
            raise ValidationError({"done_at": ValidationError(message, code="in_future")})
        task.save(update_fields=["done_at", "updated_at"])
        return task


def activity_update(*, activity: Activity, **changes: Any) -> Activity:
    """Correct what was logged or change a task's subject, notes, due date, owner or contact.

    A logged activity has no due date and a task no time it happened: such a change is refused."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"Not a changeable activity field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        activity = _lock(activity)
        if not activity.is_task and changes.get("due_at") is not None:
            message = _("Only a task has a due date.")
            raise ValidationError({"due_at": ValidationError(message, code="not_a_task")})
        if activity.is_task and changes.get("owner", activity.owner) is None:
            raise ValidationError({"owner": ValidationError(_("A task needs an owner."), code="required")})
        for name, value in changes.items():
            setattr(activity, name, value.strip() if name == "subject" else value)
        if "occurred_at" in changes:
            _check_not_future(activity.occurred_at)
        return _save(activity)
