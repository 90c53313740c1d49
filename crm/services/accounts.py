"""The people and places of a customer account: its contacts and its further addresses.

Contacts and addresses are core records (purchasing keeps those of suppliers); CRM writes those of
customers here. An account has at most one primary contact and one default address of each kind:
making one the primary (or default) makes the previous one an ordinary one, in the same transaction.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import AddressKind, Contact, Partner, PartnerAddress

CONTACT_FIELDS = frozenset({"name", "job_title", "email", "phone", "is_primary", "active", "notes"})
ADDRESS_FIELDS = frozenset({"kind", "name", "street", "city", "postal_code", "country", "is_default"})


def require_customer(account: Partner, field: str = "account") -> None:
    """Refuse what is not an account: CRM works with customers only."""
    if not account.is_customer:
        message = _("%(partner)s is not a customer.") % {"partner": account.code}
        raise ValidationError({field: ValidationError(message, code="not_a_customer")})


def _unknown_fields(changes: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"Not a {what} field: {', '.join(sorted(unknown))}")


def _lock_account(account: Partner) -> Partner:
    # One primary contact and one default address per kind: writers of an account's contacts and addresses
    # queue on the account row, so two of them cannot both become the primary.
    return Partner.objects.select_for_update().get(pk=account.pk)


def _contact_save(contact: Contact) -> Contact:
    contact.email = contact.email.strip()
    contact.full_clean()
    if contact.is_primary:
        others = contact.partner.contacts.filter(is_primary=True).exclude(pk=contact.pk)
        for previous in others:  # one by one, so the audit trail shows who stopped being the primary
            previous.is_primary = False
            previous.save(update_fields=["is_primary", "updated_at"])
    contact.save()
    return contact


def contact_create(
    *,
    account: Partner,
    name: str,
    job_title: str = "",
    email: str = "",
    phone: str = "",
    is_primary: bool = False,
    notes: str = "",
    user: Any = None,
) -> Contact:
    """A person at a customer. The account's first contact is its primary one."""
    require_customer(account)
    with transaction.atomic():
        account = _lock_account(account)
        contact = Contact(
            partner=account,
            name=name.strip(),
            job_title=job_title,
            email=email,
            phone=phone,
            is_primary=is_primary or not account.contacts.filter(is_primary=True, active=True).exists(),
            notes=notes,
        )
        return _contact_save(contact)


def contact_update(*, contact: Contact, **changes: Any) -> Contact:
    """Change a contact; an inactive contact (left the company) cannot be the primary one."""
    _unknown_fields(changes, CONTACT_FIELDS, "contact")
    require_customer(contact.partner)
    with transaction.atomic():
        _lock_account(contact.partner)
        contact = Contact.objects.select_related("partner").select_for_update(of=("self",)).get(pk=contact.pk)
        for name, value in changes.items():
            setattr(contact, name, value)
        if contact.is_primary and not contact.active:
            message = _("An inactive contact cannot be the primary one.")
            raise ValidationError({"is_primary": ValidationError(message, code="inactive_primary")})
        return _contact_save(contact)


def _address_save(address: PartnerAddress) -> PartnerAddress:
    address.country = address.country.strip().upper()
    address.full_clean(validate_constraints=False)  # the one-default constraint is kept below, not refused
    if address.is_default:
        others = address.partner.addresses.filter(kind=address.kind, is_default=True).exclude(pk=address.pk)
        for previous in others:
            previous.is_default = False
            previous.save(update_fields=["is_default", "updated_at"])
    address.save()
    return address


def address_create(
    *,
    account: Partner,
    name: str,
    street: str,
    city: str,
    country: str,
    kind: str = AddressKind.SHIPPING,
    postal_code: str = "",
    is_default: bool = False,
    user: Any = None,
) -> PartnerAddress:
    """A further address of a customer. The account's first address of a kind is the default one."""
    require_customer(account)
    with transaction.atomic():
        account = _lock_account(account)
        address = PartnerAddress(
            partner=account,
            kind=kind,
            name=name.strip(),
            street=street,
            city=city,
            postal_code=postal_code,
            country=country,
            is_default=is_default or not account.addresses.filter(kind=kind, is_default=True).exists(),
        )
        return _address_save(address)


def address_update(*, address: PartnerAddress, **changes: Any) -> PartnerAddress:
    _unknown_fields(changes, ADDRESS_FIELDS, "address")
    require_customer(address.partner)
    with transaction.atomic():
        _lock_account(address.partner)
        address = PartnerAddress.objects.select_related("partner").select_for_update(of=("self",)).get(pk=address.pk)
        for name, value in changes.items():
            setattr(address, name, value)
        return _address_save(address)
