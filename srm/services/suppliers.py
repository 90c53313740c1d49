"""The supplier master's writes: supplier items (the approved vendor list), their price breaks, and the
certificates suppliers hold.

A required certificate (blocks_purchasing) keeps a core.PartnerBlock of purpose purchasing, source
`srm.certificate:<id>`, effective the day after it expires: ERP refuses new purchase orders from that day
on, naming the reason, until the certificate is renewed (the block is lifted and a new one set for the new
expiry) or removed. Every certificate write brings its block in line in the same transaction.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity
from core.models import BlockPurpose, Currency, Item, Partner, PartnerBlock
from core.selectors.currencies import company_currency
from core.services.events import event_publish
from srm.events import CERTIFICATE_EXPIRING
from srm.models import Approval, Certificate, SupplierItem, SupplierPrice

SUPPLIER_ITEM_TERMS = (
    "supplier_part_number",
    "lead_time_days",
    "min_order_qty",
    "order_multiple",
    "currency",
    "notes",
    "active",
)
CERTIFICATE_DETAILS = ("kind", "number", "issued_by", "blocks_purchasing", "notes")


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _full_clean(record, **kwargs) -> None:
    """The model's own checks; file fields are checked by the service that receives the upload."""
    record.full_clean(validate_unique=False, validate_constraints=False, **kwargs)


# --- Supplier items -------------------------------------------------------------------------------------------


def _check_supplier(supplier: Partner) -> None:
    if not supplier.is_supplier:
        message = _("%(partner)s is not a supplier.") % {"partner": supplier.code}
        raise ValidationError({"supplier": ValidationError(message, code="not_a_supplier")})


def _terms_errors(fields: dict[str, Any]) -> dict[str, ValidationError]:
    errors = {}
    for name in ("min_order_qty", "order_multiple"):
        if name in fields and fields[name] is not None and Decimal(fields[name]) < 0:
            errors[name] = ValidationError(_("A quantity cannot be negative."), code="negative")
    if fields.get("lead_time_days") is not None and int(fields["lead_time_days"]) < 0:
        errors["lead_time_days"] = ValidationError(_("A lead time cannot be negative."), code="negative")
    return errors


def _set_approval(supplier_item: SupplierItem, approval: str, user: Any) -> None:
    if approval not in Approval.values:
        message = _("%(value)s is not an approval; one of %(values)s.") % {
            "value": approval,
            "values": ", ".join(Approval.values),
        }
        raise ValidationError({"approval": ValidationError(message, code="invalid_choice")})
    supplier_item.approval = approval
    supplier_item.approval_changed_at = timezone.now()
    supplier_item.approval_changed_by = _user(user)
    if approval != Approval.APPROVED:
        supplier_item.preferred = False


def _unset_other_preferred(supplier_item: SupplierItem) -> None:
    SupplierItem.objects.filter(item_id=supplier_item.item_id, preferred=True).exclude(pk=supplier_item.pk).update(
        preferred=False, updated_at=timezone.now()
    )


def _check_preferable(supplier_item: SupplierItem) -> None:
    if supplier_item.approval != Approval.APPROVED or not supplier_item.active:
        message = _("%(source)s is %(approval)s: only an active, approved source can be preferred.") % {
            "source": supplier_item,
            "approval": supplier_item.get_approval_display().lower() if supplier_item.active else _("inactive"),
        }
        raise ValidationError({"preferred": ValidationError(message, code="not_approved")})


def supplier_item_set(
    *,
    supplier: Partner,
    item: Item,
    currency: Currency | None = None,
    supplier_part_number: str = "",
    approval: str = Approval.PENDING,
    preferred: bool = False,
    lead_time_days: int | None = None,
    min_order_qty: Decimal = Decimal(0),
    order_multiple: Decimal = Decimal(0),
    notes: str = "",
    active: bool = True,
    user: Any = None,
) -> SupplierItem:
    """Add an item to what a supplier delivers: its part number, terms and our approval of them for it.
    The currency defaults to the supplier's (else the company's), the lead time to the supplier's."""
    _check_supplier(supplier)
    errors = _terms_errors(
        {"lead_time_days": lead_time_days, "min_order_qty": min_order_qty, "order_multiple": order_multiple}
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Partner.objects.select_for_update().filter(pk=supplier.pk).first()
        if SupplierItem.objects.filter(supplier=supplier, item=item).exists():
            message = _("%(supplier)s already supplies %(item)s: change that source instead.") % {
                "supplier": supplier.code,
                "item": item.code,
            }
            raise ValidationError({"item": ValidationError(message, code="duplicate")})
        supplier_item = SupplierItem(
            supplier=supplier,
            item=item,
            currency=currency or supplier.currency or company_currency(),
            supplier_part_number=supplier_part_number.strip(),
            lead_time_days=supplier.lead_time_days if lead_time_days is None else lead_time_days,
            min_order_qty=Decimal(min_order_qty),
            order_multiple=Decimal(order_multiple),
            notes=notes,
            active=active,
        )
        _set_approval(supplier_item, approval, user)
        _full_clean(supplier_item)
        if preferred:
            _check_preferable(supplier_item)
            _unset_other_preferred(supplier_item)
            supplier_item.preferred = True
        supplier_item.save()
    return supplier_item


def _lock_item(supplier_item: SupplierItem) -> SupplierItem:
    # The item's row first: writes that change which source of an item is preferred go one at a time.
    Item.objects.select_for_update().filter(pk=supplier_item.item_id).first()
    return SupplierItem.objects.select_for_update().select_related("supplier", "item").get(pk=supplier_item.pk)


def supplier_item_update(*, supplier_item: SupplierItem, user: Any = None, **terms: Any) -> SupplierItem:
    """Change a source's terms (part number, lead time, minimum, multiple, currency, notes, active). An
    inactive source is no longer preferred. Approval and preference change by their own services. The
    currency changes only while the source has no prices: they are in its currency."""
    unknown = set(terms) - set(SUPPLIER_ITEM_TERMS)
    if unknown:
        raise TypeError(f"Unknown supplier item terms: {sorted(unknown)}")
    errors = _terms_errors(terms)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        supplier_item = _lock_item(supplier_item)
        currency = terms.get("currency")
        if currency is not None and currency.pk != supplier_item.currency_id and supplier_item.prices.exists():
            message = _("%(source)s has prices in %(currency)s: remove them before changing its currency.") % {
                "source": supplier_item,
                "currency": supplier_item.currency.code,
            }
            raise ValidationError({"currency": ValidationError(message, code="has_prices")})
        for name, value in terms.items():
            if name in ("min_order_qty", "order_multiple"):
                value = Decimal(value)
            elif name == "supplier_part_number":
                value = value.strip()
            setattr(supplier_item, name, value)
        if not supplier_item.active:
            supplier_item.preferred = False
        _full_clean(supplier_item)
        supplier_item.save()
    return supplier_item


def supplier_item_approval_set(*, supplier_item: SupplierItem, approval: str, user: Any = None) -> SupplierItem:
    """Approve, conditionally approve, suspend (pending) or disqualify a supplier for an item; who and when
    are recorded. A source that is no longer approved stops being the preferred one."""
    with transaction.atomic():
        supplier_item = _lock_item(supplier_item)
        _set_approval(supplier_item, approval, user)
        supplier_item.save()
    return supplier_item


def supplier_item_prefer(*, supplier_item: SupplierItem, user: Any = None) -> SupplierItem:
    """Make an approved source the item's preferred one (the item's other preferred source is unset)."""
    with transaction.atomic():
        supplier_item = _lock_item(supplier_item)
        _check_preferable(supplier_item)
        _unset_other_preferred(supplier_item)
        supplier_item.preferred = True
        supplier_item.save()
    return supplier_item


def supplier_item_remove(*, supplier_item: SupplierItem, user: Any = None) -> None:
    """Take an item off what a supplier delivers, with its prices; refused while documents (RFQs,
    contracts) still name it: deactivate it instead."""
    with transaction.atomic():
        supplier_item = _lock_item(supplier_item)
        try:
            with transaction.atomic():
                supplier_item.delete()
        except ProtectedError:
            message = _("%(source)s is used by other documents: deactivate it instead.") % {"source": supplier_item}
            raise ValidationError(message, code="protected") from None


# --- Prices ---------------------------------------------------------------------------------------------------


def _periods_overlap(
    first: tuple[datetime.date | None, datetime.date | None], second: tuple[datetime.date | None, datetime.date | None]
) -> bool:
    (from_a, to_a), (from_b, to_b) = first, second
    return (to_b is None or from_a is None or from_a <= to_b) and (to_a is None or from_b is None or from_b <= to_a)


def _period_text(valid_from: datetime.date | None, valid_to: datetime.date | None) -> str:
    start = valid_from.isoformat() if valid_from else _("always")
    end = valid_to.isoformat() if valid_to else _("further notice")
    return _("%(start)s to %(end)s") % {"start": start, "end": end}


def _save_price(price: SupplierPrice) -> SupplierPrice:
    """Check a price (amounts, period, no other price of the same break in an overlapping period) and
    save it; the supplier item is locked by the caller."""
    errors = {}
    if price.unit_price < 0:
        errors["unit_price"] = ValidationError(_("A price cannot be negative."), code="negative")
    if price.min_quantity < 0:
        errors["min_quantity"] = ValidationError(_("A quantity cannot be negative."), code="negative")
    if price.valid_from and price.valid_to and price.valid_to < price.valid_from:
        errors["valid_to"] = ValidationError(_("A price cannot end before it starts."), code="invalid_period")
    if errors:
        raise ValidationError(errors)
    same_break = SupplierPrice.objects.filter(
        supplier_item_id=price.supplier_item_id, min_quantity=price.min_quantity
    ).exclude(pk=price.pk)
    for other in same_break:
        if _periods_overlap((price.valid_from, price.valid_to), (other.valid_from, other.valid_to)):
            message = _(
                "%(source)s has a price from %(quantity)s already for %(period)s: end that one first or choose "
                "another period."
            ) % {
                "source": price.supplier_item,
                "quantity": format_quantity(other.min_quantity),
                "period": _period_text(other.valid_from, other.valid_to),
            }
            raise ValidationError({"valid_from": ValidationError(message, code="overlap")})
    _full_clean(price)
    price.save()
    return price


def _lock_supplier_item(supplier_item: SupplierItem) -> SupplierItem:
    return SupplierItem.objects.select_for_update().select_related("supplier", "item").get(pk=supplier_item.pk)


def supplier_price_set(
    *,
    supplier_item: SupplierItem,
    min_quantity: Decimal,
    unit_price: Decimal,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    user: Any = None,
) -> SupplierPrice:
    """Add a price break: the unit price (in the source's currency) from `min_quantity` on, for a period
    (open at either end when empty). Refused when the same break has a price in an overlapping period."""
    with transaction.atomic():
        supplier_item = _lock_supplier_item(supplier_item)
        price = SupplierPrice(
            supplier_item=supplier_item,
            min_quantity=Decimal(min_quantity),
            unit_price=Decimal(unit_price),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        return _save_price(price)


def supplier_price_update(
    *,
    price: SupplierPrice,
    min_quantity: Decimal,
    unit_price: Decimal,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None,
    user: Any = None,
) -> SupplierPrice:
    """Change a price break (same checks as adding one)."""
    with transaction.atomic():
        supplier_item = _lock_supplier_item(price.supplier_item)
        price = SupplierPrice.objects.get(pk=price.pk)
        price.supplier_item = supplier_item
        price.min_quantity = Decimal(min_quantity)
        price.unit_price = Decimal(unit_price)
        price.valid_from = valid_from
        price.valid_to = valid_to
        return _save_price(price)


def supplier_price_remove(*, price: SupplierPrice, user: Any = None) -> None:
    with transaction.atomic():
        _lock_supplier_item(price.supplier_item)
        SupplierPrice.objects.filter(pk=price.pk).delete()


# --- Certificates ----------------------------------------------------------------------------------------------


def certificate_block_reason(certificate: Certificate) -> str:
    return _("%(kind)s certificate %(number)s expired on %(date)s") % {
        "kind": certificate.get_kind_display(),
        "number": certificate.number,
        "date": certificate.valid_to.isoformat(),
    }


def _certificate_block_sync(certificate: Certificate, *, removed: bool = False) -> None:
    """Bring the certificate's purchasing block in line with it: one open block from the day after a required
    certificate expires; none for an optional or removed one. A block that no longer fits is lifted (kept as
    history) and, where one is still needed, a new one set."""
    source = certificate.block_source
    wanted = None
    if certificate.blocks_purchasing and not removed:
        wanted = (certificate_block_reason(certificate), certificate.valid_to + datetime.timedelta(days=1))
    open_block = (
        PartnerBlock.objects.select_for_update()
        .filter(partner_id=certificate.supplier_id, purpose=BlockPurpose.PURCHASING, source=source, lifted_at=None)
        .first()
    )
    if open_block is not None:
        if wanted == (open_block.reason, open_block.effective_from):
            return
        open_block.lifted_at = timezone.now()
        open_block.save(update_fields=["lifted_at", "updated_at"])
    if wanted is not None:
        block = PartnerBlock(
            partner_id=certificate.supplier_id,
            purpose=BlockPurpose.PURCHASING,
            source=source,
            reason=wanted[0],
            effective_from=wanted[1],
        )
        block.full_clean(validate_constraints=False)
        block.save()


def _period_errors(valid_from: datetime.date, valid_to: datetime.date) -> dict[str, ValidationError]:
    if valid_to < valid_from:
        return {
            "valid_to": ValidationError(_("A certificate cannot expire before it is issued."), code="invalid_period")
        }
    return {}


def _attach(certificate: Certificate, document: File | None) -> None:
    """Put an uploaded document on the certificate, checked for size and type."""
    if document is None:
        return
    certificate.document = document
    try:
        certificate.clean_fields(exclude=[f.name for f in Certificate._meta.fields if f.name != "document"])
    except ValidationError as exc:
        raise ValidationError({"document": exc.error_dict["document"]}) from None


def certificate_add(
    *,
    supplier: Partner,
    kind: str,
    number: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
    issued_by: str = "",
    blocks_purchasing: bool = False,
    document: File | None = None,
    notes: str = "",
    user: Any = None,
) -> Certificate:
    """Record a certificate a supplier holds; a required one blocks purchasing from the day after it expires."""
    _check_supplier(supplier)
    errors = _period_errors(valid_from, valid_to)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        certificate = Certificate(
            supplier=supplier,
            kind=kind,
            number=number.strip(),
            issued_by=issued_by.strip(),
            valid_from=valid_from,
            valid_to=valid_to,
            blocks_purchasing=blocks_purchasing,
            notes=notes,
        )
        _attach(certificate, document)
        _full_clean(certificate, exclude=["document"])
        certificate.save()
        _certificate_block_sync(certificate)
    return certificate


def _lock_certificate(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("supplier").get(pk=certificate.pk)


def certificate_update(
    *, certificate: Certificate, document: File | None = None, user: Any = None, **details: Any
) -> Certificate:
    """Correct a certificate's details (kind, number, issuer, whether it is required, notes) or replace its
    document; the validity changes by renewal. Its block follows (a certificate no longer required lifts it)."""
    unknown = set(details) - set(CERTIFICATE_DETAILS)
    if unknown:
        raise TypeError(f"Unknown certificate details: {sorted(unknown)}")
    with transaction.atomic():
        certificate = _lock_certificate(certificate)
        for name, value in details.items():
            setattr(certificate, name, value.strip() if name in ("number", "issued_by") else value)
        _attach(certificate, document)
        _full_clean(certificate, exclude=["document"])
        certificate.save()
        _certificate_block_sync(certificate)
    return certificate


def certificate_renew(
    *,
    certificate: Certificate,
    valid_from: datetime.date,
    valid_to: datetime.date,
    number: str | None = None,
    document: File | None = None,
    user: Any = None,
) -> Certificate:
    """The supplier's renewed certificate: a new validity (it must end later than the old one), a new number
    and document when they changed. A block the old expiry set is lifted; a required certificate sets a new
    one for the new expiry."""
    errors = _period_errors(valid_from, valid_to)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        certificate = _lock_certificate(certificate)
        if valid_to <= certificate.valid_to:
            message = _("A renewal must run past the current expiry, %(date)s.") % {
                "date": certificate.valid_to.isoformat()
            }
            raise ValidationError({"valid_to": ValidationError(message, code="not_later")})
        certificate.valid_from = valid_from
        certificate.valid_to = valid_to
        if number:
            certificate.number = number.strip()
        _attach(certificate, document)
        _full_clean(certificate, exclude=["document"])
        certificate.save()
        _certificate_block_sync(certificate)
    return certificate


def certificate_remove(*, certificate: Certificate, user: Any = None) -> None:
    """Delete a certificate (recorded in error, or no longer asked for); its block is lifted."""
    with transaction.atomic():
        certificate = _lock_certificate(certificate)
        _certificate_block_sync(certificate, removed=True)
        certificate.delete()


def certificates_expiry_warn(*, today: datetime.date, days: int) -> list[Certificate]:
    """Publish `srm.certificate.expiring` for each certificate expiring within `days` from today that was
    not yet warned of for this expiry date (a renewal warns again for the new date); answers those warned."""
    warned = []
    with transaction.atomic():
        expiring = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("supplier")
            .filter(valid_to__gte=today, valid_to__lte=today + datetime.timedelta(days=days))
            .order_by("valid_to", "pk")
        )
        for certificate in expiring:
            if certificate.expiry_warned_for == certificate.valid_to:
                continue
            event_publish(
                name=CERTIFICATE_EXPIRING,
                payload={
                    "certificate": str(certificate.pk),
                    "supplier": certificate.supplier.code,
                    "kind": certificate.kind,
                    "number": certificate.number,
                    "valid_to": certificate.valid_to.isoformat(),
                    "days_left": (certificate.valid_to - today).days,
                    "blocks_purchasing": certificate.blocks_purchasing,
                },
                aggregate=certificate,
            )
            certificate.expiry_warned_for = certificate.valid_to
            certificate.save(update_fields=["expiry_warned_for", "updated_at"])
            warned.append(certificate)
    return warned
