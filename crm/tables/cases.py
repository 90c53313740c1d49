import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from crm.models import Rma, RmaLine, ServiceCase, SlaPolicy


class ServiceCaseTable(TaktTable):
    number = tables.Column(linkify=True, verbose_name=_("Case"))
    account = tables.Column(accessor="account__code", verbose_name=_("Customer"), order_by=("account__code",))
    unit = tables.Column(accessor="serial", verbose_name=_("Serial / lot"))
    owner = tables.Column(accessor="owner__username", verbose_name=_("Owner"), order_by=("owner__username",))
    breached = tables.BooleanColumn(verbose_name=_("SLA breached"), orderable=False)

    class Meta(TaktTable.Meta):
        model = ServiceCase
        fields = (
            "number",
            "account",
            "subject",
            "unit",
            "priority",
            "state",
            "owner",
            "opened_at",
            "first_response_due",
            "resolution_due",
            "breached",
        )
        row_attrs = {
            "class": lambda record: "table-danger" if record.response_overdue or record.resolution_overdue else ""
        }


class SlaPolicyTable(TaktTable):
    code = tables.Column(linkify=True)
    customer = tables.Column(accessor="customer__code", verbose_name=_("Customer"), default=_("everyone"))
    first_response_hours = DecimalColumn(verbose_name=_("Response (h)"))
    resolution_hours = DecimalColumn(verbose_name=_("Resolution (h)"))

    class Meta(TaktTable.Meta):
        model = SlaPolicy
        fields = (
            "code",
            "name",
            "customer",
            "priority",
            "first_response_hours",
            "resolution_hours",
            "clock",
            "calendar",
            "active",
        )


class RmaTable(TaktTable):
    number = tables.Column(linkify=True, verbose_name=_("RMA"))
    case = tables.Column(
        accessor="case__number", verbose_name=_("Case"), linkify=lambda record: record.case.get_absolute_url()
    )
    account = tables.Column(accessor="case__account__code", verbose_name=_("Customer"))
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    receipt = tables.Column(accessor="receipt__number", verbose_name=_("Receipt"))

    class Meta(TaktTable.Meta):
        model = Rma
        fields = ("number", "case", "account", "state", "warehouse", "receipt", "authorized_at", "received_at")


class RmaLineTable(TaktTable):
    item = tables.Column(accessor="item__code", verbose_name=_("Item"))
    lot = tables.Column(accessor="lot__code", verbose_name=_("Serial / lot"))
    quantity = DecimalColumn()

    class Meta(TaktTable.Meta):
        model = RmaLine
        fields = ("item", "lot", "quantity", "reason")
