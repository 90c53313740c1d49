"""The supplier lists: suppliers with their standing, supplier items (the approved vendor list), certificates."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import DateColumn, QuantityColumn, TaktTable
from srm.models import Approval, Certificate, SupplierItem
from srm.selectors.suppliers import CertificateStatus, certificate_status

APPROVAL_STYLES = {
    Approval.APPROVED: "success",
    Approval.CONDITIONAL: "warning",
    Approval.PENDING: "secondary",
    Approval.DISQUALIFIED: "danger",
}
CERTIFICATE_STYLES = {
    CertificateStatus.VALID: ("success", _("Valid")),
    CertificateStatus.EXPIRING: ("warning", _("Expiring")),
    CertificateStatus.EXPIRED: ("danger", _("Expired")),
    CertificateStatus.NOT_YET: ("secondary", _("Not yet valid")),
}


def _supplier_page(record) -> str:
    return reverse("srm:supplier_detail", args=[record.supplier_id])


class ApprovalColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', APPROVAL_STYLES[record.approval], record.get_approval_display()
        )

    def value(self, value, record):
        return record.approval


class SupplierTable(TaktTable):
    """Rows of `srm.selectors.suppliers.suppliers_overview`."""

    code = tables.Column(linkify=lambda record: reverse("srm:supplier_detail", args=[record.pk]))
    name = tables.Column()
    approved_count = tables.Column(verbose_name=_("Approved"), attrs={"td": {"class": "text-end"}})
    conditional_count = tables.Column(verbose_name=_("Conditional"), attrs={"td": {"class": "text-end"}})
    pending_count = tables.Column(verbose_name=_("Pending"), attrs={"td": {"class": "text-end"}})
    disqualified_count = tables.Column(verbose_name=_("Disqualified"), attrs={"td": {"class": "text-end"}})
    certificates = tables.Column(accessor="certificate_count", verbose_name=_("Certificates"))
    next_expiry = DateColumn(verbose_name=_("Next expiry"))
    block_count = tables.Column(verbose_name=_("Blocks"))

    class Meta(TaktTable.Meta):
        fields = ("code", "name", "approved_count", "conditional_count", "pending_count", "disqualified_count")
        sequence = (*fields, "certificates", "next_expiry", "block_count")

    def render_certificates(self, value, record):
        badges = [format_html('<span class="me-1">{}</span>', value)]
        if record.expired_count:
            badges.append(
                format_html('<span class="badge text-bg-danger me-1">{} {}</span>', record.expired_count, _("expired"))
            )
        if record.expiring_count:
            badges.append(
                format_html('<span class="badge text-bg-warning">{} {}</span>', record.expiring_count, _("expiring"))
            )
        return format_html("{}" * len(badges), *badges)

    def render_block_count(self, value):
        if not value:
            return "—"
        return format_html('<span class="badge text-bg-danger">{} {}</span>', value, _("blocked"))


class SupplierItemTable(TaktTable):
    item = tables.Column(accessor="item__code", verbose_name=_("Item"), linkify=True, order_by=("item__code",))
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"), orderable=False)
    supplier = tables.Column(
        accessor="supplier__code", verbose_name=_("Supplier"), linkify=_supplier_page, order_by=("supplier__code",)
    )
    approval = ApprovalColumn()
    preferred = tables.BooleanColumn()
    min_order_qty = QuantityColumn(verbose_name=_("Minimum"))
    order_multiple = QuantityColumn(verbose_name=_("Multiple"))
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))

    class Meta(TaktTable.Meta):
        model = SupplierItem
        fields = (
            "item",
            "item_name",
            "supplier",
            "supplier_part_number",
            "approval",
            "preferred",
            "lead_time_days",
            "min_order_qty",
            "order_multiple",
            "currency",
            "active",
        )


class CertificateStatusColumn(tables.Column):
    """A badge: valid, expiring (within the warning days), expired, not yet valid; as of today."""

    def __init__(self, **kwargs):
        super().__init__(accessor="valid_to", verbose_name=_("Status"), orderable=False, **kwargs)

    def render(self, value, record):
        style, label = CERTIFICATE_STYLES[certificate_status(record, timezone.localdate())]
        return format_html('<span class="badge text-bg-{}">{}</span>', style, label)

    def value(self, value, record):
        return certificate_status(record, timezone.localdate())


class CertificateTable(TaktTable):
    number = tables.Column(linkify=True)
    supplier = tables.Column(
        accessor="supplier__code", verbose_name=_("Supplier"), linkify=_supplier_page, order_by=("supplier__code",)
    )
    status = CertificateStatusColumn()

    class Meta(TaktTable.Meta):
        model = Certificate
        fields = ("number", "kind", "supplier", "issued_by", "valid_from", "valid_to", "status", "blocks_purchasing")
