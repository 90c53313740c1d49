"""SmartAppliance Co.'s supplier portal and scorecards, made by the real services:

- Ningbo Heating (S-HEAT) has a portal login, `supplier` (core.demo's users, linked to its partner there).
  Through it the supplier has confirmed the motor order ERP's demo sent this week and announced its
  shipment: two lots of motors on an ASN, which the warehouse's receipt now expects lot by lot.
- Thresholds: a score under 75 warns (under 40 blocks purchasing); rejects above 2 % warn (above 8 %
  block); on-time delivery under 80 % warns.
- Scorecards of every supplier for the last twelve months, computed from ERP's and WMS's history (a year
  of it by default; with a shorter TAKT_DEMO_HISTORY_DAYS the months before it show as gaps).

Loaded once: when the ASN is there already, loading again changes nothing.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from erp.choices import PurchaseOrderState
from erp.models import PurchaseOrder
from srm.models import Asn, ScorecardMetric, ScorecardThreshold
from srm.services.portal import asn_create, purchase_order_supplier_confirm
from srm.services.scorecards import previous_month, scorecards_compute

SUPPLIER = "S-HEAT"
PORTAL_LOGIN = "supplier"
ASN_NUMBER = "NB-ASN-2611"
MONTHS = 12
# metric, warn below, warn above, block below, block above
THRESHOLDS = [
    (ScorecardMetric.SCORE, "75", None, "40", None),
    (ScorecardMetric.REJECT_RATE, None, "2", None, "8"),
    (ScorecardMetric.ON_TIME, "80", None, None, None),
]


def _thresholds() -> None:
    for metric, warn_below, warn_above, block_below, block_above in THRESHOLDS:
        ScorecardThreshold.objects.get_or_create(
            metric=metric,
            defaults={
                "warn_below": warn_below and Decimal(warn_below),
                "warn_above": warn_above and Decimal(warn_above),
                "block_below": block_below and Decimal(block_below),
                "block_above": block_above and Decimal(block_above),
                "note": "SmartAppliance's supplier policy",
            },
        )


def _confirm_and_announce() -> int:
    """The supplier's login confirms its open motor order and announces its shipment in two lots."""
    order = (
        PurchaseOrder.objects.filter(
            supplier__code=SUPPLIER, state=PurchaseOrderState.SENT, lines__item__code="MOT-600"
        )
        .order_by("-number")
        .first()
    )
    if order is None:
        return 0
    login = get_user_model().objects.filter(username=PORTAL_LOGIN).first()
    line = order.lines.get(item__code="MOT-600")
    today = timezone.localdate()
    arrives = max(line.expected_date or order.expected_date, today + datetime.timedelta(days=1))
    purchase_order_supplier_confirm(
        order=order,
        supplier=order.supplier,
        supplier_reference=f"NB-OC-{order.number[-5:]}",
        lines=[{"po_line": line, "confirmed_date": arrives, "confirmed_quantity": line.quantity}],
        note="Motors ship in two lots from our Ningbo plant.",
        user=login,
    )
    first = (line.quantity * Decimal("0.6")).quantize(Decimal(1))
    asn_create(
        supplier=order.supplier,
        order=order,
        asn_number=ASN_NUMBER,
        ship_date=today,
        expected_date=arrives,
        carrier="SF Express",
        tracking="SF1402237781",
        lines=[
            {
                "po_line": line,
                "quantity": first,
                "lot_code": f"NB-MOT-{today:%y%m%d}-1",
                "expiry_date": today + datetime.timedelta(days=720),
            },
            {
                "po_line": line,
                "quantity": line.quantity - first,
                "lot_code": f"NB-MOT-{today:%y%m%d}-2",
                "expiry_date": today + datetime.timedelta(days=720),
            },
        ],
        user=login,
    )
    return 1


def _scorecards() -> int:
    """Every supplier's last twelve months, oldest first: each is the latest when it is rated."""
    months = [previous_month(timezone.localdate())]
    while len(months) < MONTHS:
        months.append(previous_month(months[-1]))
    return sum(len(scorecards_compute(period=month)) for month in reversed(months))


def load() -> dict[str, int]:
    if Asn.objects.filter(asn_number=ASN_NUMBER).exists():
        return {"ASNs": 0, "scorecards": 0}
    _thresholds()
    asns = _confirm_and_announce()
    return {"ASNs": asns, "scorecards": _scorecards()}
