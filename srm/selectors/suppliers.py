"""Reads of the supplier screens: the supplier list with its approval counts, certificate status and blocks,
and everything one supplier's page shows."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, Min, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from core.choices import PartnerKind
from core.models import BlockPurpose, Contact, Partner, PartnerBlock
from erp.choices import PurchaseOrderState
from erp.models import PurchaseOrder
from erp.selectors.purchasing import purchase_orders
from srm.models import Approval, Certificate, SupplierItem, SupplierPrice

# Purchase orders still to be delivered (or sent): the supplier page lists them.
OPEN_PURCHASE_STATES = (
    PurchaseOrderState.DRAFT,
    PurchaseOrderState.SENT,
    PurchaseOrderState.CONFIRMED,
    PurchaseOrderState.PARTIALLY_RECEIVED,
)


class CertificateStatus:
    """How a certificate stands on a day, as the badges show it."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET = "not_yet"


def warning_until(on: datetime.date) -> datetime.date:
    """The last day whose expiry is warned of on `on`."""
    return on + datetime.timedelta(days=settings.TAKT_CERTIFICATE_WARNING_DAYS)


def certificate_status(certificate: Certificate, on: datetime.date) -> str:
    if certificate.valid_to < on:
        return CertificateStatus.EXPIRED
    if certificate.valid_from > on:
        return CertificateStatus.NOT_YET
    if certificate.valid_to <= warning_until(on):
        return CertificateStatus.EXPIRING
    return CertificateStatus.VALID


def _count(queryset: QuerySet, by: str = "supplier") -> Coalesce:
    """How many rows of `queryset` (tied to the outer supplier by its field `by`) there are, as a subquery:
    several counts over joins would multiply each other."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def blocks_in_force(on: datetime.date) -> QuerySet[PartnerBlock]:
    return PartnerBlock.objects.filter(purpose=BlockPurpose.PURCHASING, lifted_at__isnull=True, effective_from__lte=on)


def suppliers_overview(*, on: datetime.date) -> QuerySet[Partner]:
    """Every supplier with how many of its items are approved, conditional, pending and disqualified, its
    certificates expired and expiring (as of `on`) and its purchasing blocks in force."""
    items_of = SupplierItem.objects.filter(supplier=OuterRef("pk"))
    certificates_of = Certificate.objects.filter(supplier=OuterRef("pk"))
    counts = {f"{approval}_count": _count(items_of.filter(approval=approval)) for approval in Approval.values}
    blocks = blocks_in_force(on).filter(partner=OuterRef("pk"))
    return (
        Partner.objects.filter(kind__in=(PartnerKind.SUPPLIER, PartnerKind.BOTH))
        .annotate(
            **counts,
            certificate_count=_count(certificates_of),
            expired_count=_count(certificates_of.filter(valid_to__lt=on)),
            expiring_count=_count(certificates_of.filter(valid_to__gte=on, valid_to__lte=warning_until(on))),
            next_expiry=Subquery(
                certificates_of.filter(valid_to__gte=on)
                .order_by()
                .values("supplier")
                .annotate(first=Min("valid_to"))
                .values("first")[:1]
            ),
            block_count=_count(blocks, by="partner"),
        )
        .order_by("code")
    )


def supplier_items_with_prices() -> QuerySet[SupplierItem]:
    prices = SupplierPrice.objects.order_by("min_quantity", "valid_from")
    return SupplierItem.objects.select_related(
        "supplier", "item__uom", "currency", "approval_changed_by"
    ).prefetch_related(Prefetch("prices", queryset=prices))


@dataclass
class SupplierPage:
    supplier: Partner
    contacts: list[Contact]
    supplier_items: list[SupplierItem]
    certificates: list[tuple[Certificate, str]]  # with its status on the day
    blocks: list[PartnerBlock]  # in force
    scheduled_blocks: list[PartnerBlock]  # set, from a later day (a required certificate's expiry)
    open_orders: list[PurchaseOrder]


def supplier_page(*, supplier: Partner, on: datetime.date) -> SupplierPage:
    """Everything a supplier's page shows, as of `on`."""
    open_blocks = list(
        PartnerBlock.objects.filter(partner=supplier, purpose=BlockPurpose.PURCHASING, lifted_at__isnull=True).order_by(
            "effective_from", "pk"
        )
    )
    certificates = Certificate.objects.filter(supplier=supplier).order_by("valid_to", "kind")
    return SupplierPage(
        supplier=supplier,
        contacts=list(supplier.contacts.filter(active=True)),
        supplier_items=list(supplier_items_with_prices().filter(supplier=supplier).order_by("item__code")),
        certificates=[(certificate, certificate_status(certificate, on)) for certificate in certificates],
        blocks=[block for block in open_blocks if block.effective_from <= on],
        scheduled_blocks=[block for block in open_blocks if block.effective_from > on],
        open_orders=list(
            purchase_orders()
            .filter(supplier=supplier, state__in=OPEN_PURCHASE_STATES)
            .select_related("currency")
            .order_by("expected_date", "number")
        ),
    )
