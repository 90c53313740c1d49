"""Leads: created, changed, qualified (BANT), disqualified with a reason, and converted.

Conversion makes the lead a customer: a new account or an existing one (the duplicate it turned out to
be), a contact for its person (the account's existing contact with the same e-mail when there is one) and,
when asked, an opportunity. It happens in one transaction, so a refusal anywhere leaves nothing made, and
it keeps the history: the lead's activities are the account's (and the opportunity's) from then on, and
the lead keeps its links to what it became.
"""

import contextlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import PartnerKind
from core.models import Contact, Partner
from core.selectors.currencies import company_currency
from core.services.numbering import next_document_number
from crm.models import Lead, LeadSource, LeadStatus, Opportunity
from crm.selectors.duplicates import normalize_email
from crm.services.accounts import contact_create
from crm.services.opportunities import opportunity_create

LEAD_FIELDS = frozenset(
    {"company_name", "contact_name", "email", "phone", "vat_number", "country", "source", "notes", "owner"}
)
# What a new account made from a lead may be given; the rest comes from the lead.
NEW_ACCOUNT_FIELDS = frozenset(
    {
        "code",
        "name",
        "parent",
        "currency",
        "payment_terms_days",
        "credit_limit",
        "vat_number",
        "email",
        "phone",
        "street",
        "city",
        "postal_code",
        "country",
    }
)
OPPORTUNITY_FIELDS = frozenset(
    {"name", "expected_revenue", "currency", "close_date", "stage", "owner", "description", "probability_pct"}
)


def _is_user(user: Any) -> bool:
    return getattr(user, "is_authenticated", False)


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)


def _refuse_closed(lead: Lead, what: str) -> None:
    """Refuse a write a converted or disqualified lead no longer takes."""
    if lead.status == LeadStatus.CONVERTED:
        message = _("%(lead)s is converted into %(account)s: %(what)s") % {
            "lead": lead.number,
            "account": lead.converted_account.code,
            "what": what,
        }
        raise ValidationError(message, code="converted")
    if lead.status == LeadStatus.DISQUALIFIED:
        message = _("%(lead)s is disqualified: %(what)s") % {"lead": lead.number, "what": what}
        raise ValidationError(message, code="disqualified")


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """A part's errors under `<prefix>.<field>`, as the API reports nested input."""
    if hasattr(error, "error_dict"):
        return ValidationError({f"{prefix}.{name}": errors for name, errors in error.error_dict.items()})
    return ValidationError({prefix: error.error_list})


def _clean(lead: Lead) -> Lead:
    lead.company_name = lead.company_name.strip()
    lead.contact_name = lead.contact_name.strip()
    lead.email = lead.email.strip()
    lead.vat_number = lead.vat_number.strip()
    lead.country = lead.country.strip().upper()
    if lead.owner is not None and not lead.owner.is_active:
        message = _("%(user)s cannot sign in any more.") % {"user": lead.owner.get_username()}
        raise ValidationError({"owner": ValidationError(message, code="inactive")})
    lead.full_clean()
    return lead


def lead_create(
    *,
    company_name: str,
    contact_name: str = "",
    email: str = "",
    phone: str = "",
    vat_number: str = "",
    country: str = "",
    source: str = LeadSource.OTHER,
    notes: str = "",
    owner: Any = None,
    user: Any = None,
) -> Lead:
    """A new lead, numbered LEAD-<year>-<n>, owned by `owner` (default: who records it).

    Possible duplicates are not refused (a second contact at a known company is a lead too): the screens
    and the API show them (crm.selectors.duplicates.lead_duplicates)."""
    with transaction.atomic():
        lead = Lead(
            company_name=company_name,
            contact_name=contact_name,
            email=email,
            phone=phone,
            vat_number=vat_number,
            country=country,
            source=source,
            notes=notes,
            owner=owner if owner is not None else (user if _is_user(user) else None),
            created_by=user if _is_user(user) else None,
        )
        _clean(lead)
        lead.number = next_document_number(doc_type="LEAD")
        lead.save()
        return lead


def lead_update(*, lead: Lead, user: Any = None, **changes: Any) -> Lead:
    """Change what is known of a lead; a converted one is history (its account is where to change things)."""
    unknown = set(changes) - LEAD_FIELDS
    if unknown:
        raise TypeError(f"Not a lead field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status == LeadStatus.CONVERTED:
            _refuse_closed(lead, _("change its account instead."))
        for name, value in changes.items():
            setattr(lead, name, value)
        _clean(lead)
        lead.save()
        return lead


def lead_qualify(
    *,
    lead: Lead,
    need: bool,
    budget: bool,
    authority: bool,
    timing: bool,
    notes: str = "",
    user: Any = None,
) -> Lead:
    """Record the BANT answers and mark the lead qualified. Without a confirmed need there is nothing to
    sell: such a lead is disqualified, not qualified."""
    with transaction.atomic():
        lead = _lock(lead)
        _refuse_closed(lead, _("it cannot be qualified."))
        if not need:
            message = _("Without a confirmed need the lead is not qualified; disqualify it instead.")
            raise ValidationError({"need": ValidationError(message, code="need_unconfirmed")})
        lead.need, lead.budget, lead.authority, lead.timing = need, budget, authority, timing
        lead.qualification_notes = notes
        lead.status = LeadStatus.QUALIFIED
        lead.full_clean()
        lead.save()
        return lead


def lead_disqualify(*, lead: Lead, reason: str, user: Any = None) -> Lead:
    """Stop working a lead, saying why (no budget, a competitor's reseller, not our market...)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Say why the lead is disqualified."), code="required")})
    with transaction.atomic():
        lead = _lock(lead)
        _refuse_closed(lead, _("it cannot be disqualified."))
        lead.status = LeadStatus.DISQUALIFIED
        lead.disqualify_reason = reason[: Lead._meta.get_field("disqualify_reason").max_length]
        lead.save(update_fields=["status", "disqualify_reason", "updated_at"])
        return lead


def lead_reopen(*, lead: Lead, user: Any = None) -> Lead:
    """Work a disqualified lead again (the need came back): it is contacted, its reason kept in the history."""
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status != LeadStatus.DISQUALIFIED:
            message = _("%(lead)s is %(status)s: only a disqualified lead is reopened.") % {
                "lead": lead.number,
                "status": lead.get_status_display().lower(),
            }
            raise ValidationError(message, code="not_disqualified")
        lead.status = LeadStatus.CONTACTED
        lead.disqualify_reason = ""
        lead.save(update_fields=["status", "disqualify_reason", "updated_at"])
        return lead


def lead_delete(*, lead: Lead, user: Any = None) -> None:
    """Remove a lead entered by mistake. One with a history (activities) or converted is kept."""
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status == LeadStatus.CONVERTED:
            _refuse_closed(lead, _("it is kept as the account's history."))
        if lead.activities.exists():
            message = _("%(lead)s has activities: disqualify it instead, so its history stays.") % {"lead": lead.number}
            raise ValidationError(message, code="has_activities")
        lead.delete()


# --- Conversion --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    account: Partner
    contact: Contact | None
    opportunity: Opportunity | None


def _account_refusal(account: Partner) -> ValidationError | None:
    if not account.is_customer:
        message = _("%(partner)s is not a customer; make it one before converting a lead into it.") % {
            "partner": account.code
        }
        return ValidationError(message, code="not_a_customer")
    if not account.active:
        return ValidationError(_("%(partner)s is inactive.") % {"partner": account.code}, code="inactive")
    return None


def _new_account(lead: Lead, data: dict[str, Any]) -> Partner:
    """A customer made from the lead: what `data` gives, the rest from the lead."""
    unknown = set(data) - NEW_ACCOUNT_FIELDS
    if unknown:
        raise TypeError(f"Not a new account field: {', '.join(sorted(unknown))}")
    values = {
        "name": lead.company_name,
        "vat_number": lead.vat_number,
        "email": lead.email,
        "phone": lead.phone,
        "country": lead.country,
        **{name: value for name, value in data.items() if value not in (None, "")},
    }
    values["code"] = str(values.get("code", "")).strip().upper()
    account = Partner(kind=PartnerKind.CUSTOMER, **values)
    if account.currency_id is None:
        # No company yet: the partner goes without, and takes the company's currency once there is one.
        with contextlib.suppress(ValidationError):
            account.currency = company_currency()
    if account.parent_id is not None:
        refusal = _account_refusal(account.parent)
        if refusal is not None:
            raise ValidationError({"parent": refusal})
    account.full_clean()
    account.save()
    return account


def _contact_for(lead: Lead, account: Partner, user: Any) -> Contact | None:
    """The lead's person at the account: the contact with the same e-mail there already, else a new one."""
    if not (lead.contact_name or lead.email):
        return None
    if lead.email:
        existing = account.contacts.filter(email__iexact=normalize_email(lead.email)).first()
        if existing is not None:
            return existing
    return contact_create(
        account=account, name=lead.contact_name or lead.email, email=lead.email, phone=lead.phone, user=user
    )


def _opportunity_for(
    lead: Lead, account: Partner, contact: Contact | None, data: dict[str, Any], user: Any
) -> Opportunity:
    unknown = set(data) - OPPORTUNITY_FIELDS
    if unknown:
        raise TypeError(f"Not an opportunity field: {', '.join(sorted(unknown))}")
    values = {name: value for name, value in data.items() if value not in (None, "")}
    values.setdefault("name", lead.company_name)
    values.setdefault("owner", lead.owner or (user if _is_user(user) else None))
    values.setdefault("currency", account.currency)
    missing = {
        name: ValidationError(message, code="required")
        for name, message in (
            ("expected_revenue", _("Give the revenue expected from the opportunity.")),
            ("close_date", _("Give the date the customer is expected to decide.")),
            ("currency", _("Give the opportunity's currency.")),
            ("owner", _("Say who works the opportunity.")),
        )
        if values.get(name) is None
    }
    if missing:
        raise ValidationError(missing)
    if values["expected_revenue"] < 0:
        message = _("The expected revenue cannot be negative.")
        raise ValidationError({"expected_revenue": ValidationError(message, code="negative")})
    return opportunity_create(account=account, contact=contact, lead=lead, user=user, **values)


def lead_convert(
    *,
    lead: Lead,
    account: Partner | None = None,
    new_account: dict[str, Any] | None = None,
    create_opportunity: bool = False,
    opportunity: dict[str, Any] | None = None,
    user: Any = None,
) -> Conversion:
    """Convert a lead into `account` (an existing customer: merge into the duplicate it turned out to be) or
    into a new customer made from `new_account` (its code at least; name, VAT number, e-mail, phone and
    country default to the lead's), with a contact for its person and, with `create_opportunity`, an
    opportunity from `opportunity` (expected_revenue and close_date at least).

    Errors of the new account are reported under `new_account.<field>`, the opportunity's under
    `opportunity.<field>`. All or nothing."""
    if (account is None) == (new_account is None):
        message = _("Convert into an existing account or give the code of a new one (not both).")
        raise ValidationError({"account": ValidationError(message, code="account_choice")})
    if account is not None:
        refusal = _account_refusal(account)
        if refusal is not None:
            raise ValidationError({"account": refusal})
    with transaction.atomic():
        lead = _lock(lead)
        _refuse_closed(lead, _("it cannot be converted."))
        if account is None:
            try:
                account = _new_account(lead, new_account or {})
            except ValidationError as exc:
                raise _prefixed(exc, "new_account") from None
        contact = _contact_for(lead, account, user)
        made_opportunity = None
        if create_opportunity:
            try:
                made_opportunity = _opportunity_for(lead, account, contact, opportunity or {}, user)
            except ValidationError as exc:
                raise _prefixed(exc, "opportunity") from None
        _history_follows(lead, account=account, contact=contact, opportunity=made_opportunity)
        lead.status = LeadStatus.CONVERTED
        lead.converted_account = account
        lead.converted_contact = contact
        lead.converted_opportunity = made_opportunity
        lead.converted_at = timezone.now()
        lead.full_clean()
        lead.save()
        return Conversion(lead=lead, account=account, contact=contact, opportunity=made_opportunity)


def _history_follows(lead: Lead, *, account: Partner, contact: Contact | None, opportunity: Opportunity | None) -> None:
    """The lead's activities become the account's (and the new opportunity's, and were with its person)."""
    for activity in lead.activities.select_for_update():
        changed = []
        if activity.account_id is None:
            activity.account = account
            changed.append("account")
        if opportunity is not None and activity.opportunity_id is None:
            activity.opportunity = opportunity
            changed.append("opportunity")
        if contact is not None and activity.contact_id is None:
            activity.contact = contact
            changed.append("contact")
        if changed:  # saved one by one, so the audit trail shows each activity's move
            activity.save(update_fields=[*changed, "updated_at"])
