"""SmartAppliance Co.'s engineering data: three products with 3-4 level BOMs and routings, one ECO in review.

Idempotent: revisions are made once (as an import would make them), the ECO once, by its title.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import Item, WorkCenter
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, EngineeringChangeOrder, RoutingOperation, RoutingRevision
from plm.services import changes
from plm.services.revisions import bom_line_update

# parent: [(component, qty per parent unit, scrap %)]
BOMS = {
    "KT-200": [
        ("KT-BODY", 1, 0),
        ("KT-LID", 1, 0),
        ("KT-HEAT", 1, 0),
        ("KT-BASE", 1, 0),
        ("BOX-KT", 1, 0),
        ("MAN-EU", 1, 0),
    ],
    "KT-BODY": [("SS-304", "0.42", 6), ("KT-HANDLE", 1, 0)],
    "KT-HANDLE": [("PP-WHT", "0.12", 3)],
    "KT-LID": [("PP-WHT", "0.08", 3)],
    "KT-HEAT": [("HE-2000", 1, 0), ("TH-01", 1, 0)],
    "KT-BASE": [("BASE-HSG", 1, 0), ("PCB-KT", 1, 0), ("CB-EU", 1, 0)],
    "BASE-HSG": [("PP-WHT", "0.15", 3)],
    "PCB-KT": [("PCB-BARE", 1, 2), ("IC-MCU", 1, 1), ("RES-SET", 1, 1)],
    "TS-400": [
        ("TS-HSG", 1, 0),
        ("TS-ELEM", 2, 0),
        ("TS-CTRL", 1, 0),
        ("TS-LEVER", 1, 0),
        ("CB-EU", 1, 0),
        ("BOX-TS", 1, 0),
        ("MAN-EU", 1, 0),
    ],
    "TS-HSG": [("SS-304", "0.65", 6)],
    "TS-LEVER": [("PP-WHT", "0.05", 3)],
    "TS-CTRL": [("PCB-BARE", 1, 2), ("IC-MCU", 1, 1), ("RES-SET", 1, 1)],
    "BL-600": [
        ("BL-MOTOR", 1, 0),
        ("BL-JAR", 1, 0),
        ("BL-CTRL", 1, 0),
        ("CB-EU", 1, 0),
        ("BOX-BL", 1, 0),
        ("MAN-EU", 1, 0),
    ],
    "BL-MOTOR": [("MOT-600", 1, 0), ("BL-MHSG", 1, 0)],
    "BL-MHSG": [("PP-WHT", "0.40", 3)],
    "BL-JAR": [("JAR-GL", 1, 1), ("BLADE-4", 1, 0)],
    "BL-CTRL": [("PCB-BARE", 1, 2), ("IC-MCU", 1, 1), ("RES-SET", 1, 1)],
}

MOLDING = [(10, "Injection molding", "MOLD", 45, "0.35", "Dry granulate 2 h at 80 °C before molding.")]
SMT = [
    (10, "Solder paste, place and reflow", "SMT", 30, "0.80", "Paste stencil 0.12 mm; AOI after reflow."),
    (20, "In-circuit test", "TEST", 10, "0.40", ""),
]
# item: [(seq, name, work center, setup minutes, run minutes per unit, instructions)]
ROUTINGS = {
    "KT-HANDLE": MOLDING,
    "KT-LID": MOLDING,
    "BASE-HSG": MOLDING,
    "TS-LEVER": MOLDING,
    "BL-MHSG": MOLDING,
    "PCB-KT": SMT,
    "TS-CTRL": SMT,
    "BL-CTRL": SMT,
    "KT-BODY": [
        (10, "Deep draw body", "PRESS", 60, "0.50", "Check wall thickness every 50 parts."),
        (20, "Weld handle", "ASSY", 15, "1.20", ""),
    ],
    "TS-HSG": [(10, "Stamp and fold housing", "PRESS", 60, "0.70", "")],
    "KT-HEAT": [(10, "Braze element to plate", "ASSY", 20, "2.00", "Braze temperature 720 °C.")],
    "KT-BASE": [(10, "Assemble power base", "ASSY", 10, "1.50", "")],
    "BL-MOTOR": [(10, "Mount motor in housing", "ASSY", 15, "3.00", "Torque M4 screws to 1.8 Nm.")],
    "BL-JAR": [(10, "Fit blade to jar", "ASSY", 5, "1.00", "")],
    "KT-200": [
        (10, "Final assembly", "ASSY", 20, "4.50", "Follow the kettle assembly drawing."),
        (20, "Hi-pot and function test", "TEST", 5, "1.20", "1250 V for 1 s; boil test on 1 in 20."),
        (30, "Pack", "PACK", 5, "0.80", ""),
    ],
    "TS-400": [
        (10, "Final assembly", "ASSY", 20, "5.50", ""),
        (20, "Hi-pot and browning test", "TEST", 5, "2.00", ""),
        (30, "Pack", "PACK", 5, "0.90", ""),
    ],
    "BL-600": [
        (10, "Final assembly", "ASSY", 20, "6.00", ""),
        (20, "Run-in and safety test", "TEST", 5, "3.00", ""),
        (30, "Pack", "PACK", 5, "1.00", ""),
    ],
}

ECO_TITLE = "Kettle: 2.2 kW heating element"


def load() -> dict[str, int]:
    items = {item.code: item for item in Item.objects.all()}
    work_centers = {wc.code: wc for wc in WorkCenter.objects.all()}
    for parent, lines in BOMS.items():
        bom, created = BomRevision.objects.get_or_create(
            item=items[parent], revision="A", defaults={"state": RevisionState.RELEASED}
        )
        if created:
            BomLine.objects.bulk_create(
                BomLine(
                    bom=bom,
                    position=10 * n,
                    component=items[code],
                    qty_per=Decimal(str(qty)),
                    scrap_pct=Decimal(scrap),
                    uom=items[code].uom,
                )
                for n, (code, qty, scrap) in enumerate(lines, start=1)
            )
    for item, operations in ROUTINGS.items():
        routing, created = RoutingRevision.objects.get_or_create(
            item=items[item], revision="A", defaults={"state": RevisionState.RELEASED}
        )
        if created:
            RoutingOperation.objects.bulk_create(
                RoutingOperation(
                    routing=routing,
                    seq=seq,
                    name=name,
                    work_center=work_centers[wc],
                    setup_minutes=Decimal(setup),
                    run_minutes_per_unit=Decimal(run),
                    instructions=text,
                )
                for seq, name, wc, setup, run, text in operations
            )
    _eco_in_review(items)
    return {"BOMs": len(BOMS), "routings": len(ROUTINGS), "ECOs": EngineeringChangeOrder.objects.count()}


def _eco_in_review(items: dict[str, Item]) -> None:
    if EngineeringChangeOrder.objects.filter(title=ECO_TITLE).exists():
        return
    users = get_user_model().objects.in_bulk(["engineer", "planner"], field_name="username")
    eco = changes.eco_create(
        title=ECO_TITLE,
        reason="Customers in the UK market expect a faster boil; the 2.2 kW element fits the same plate.",
        effective_date=timezone.localdate() + datetime.timedelta(days=21),
        user=users["engineer"],
    )
    proposal = changes.eco_propose_bom(eco=eco, item=items["KT-HEAT"])
    bom_line_update(line=proposal.lines.get(component__code="HE-2000"), component=items["HE-2200"])
    eco = changes.eco_submit(eco=eco, user=users["engineer"])
    eco = changes.eco_decide(
        eco=eco,
        user=users["engineer"],
        role="engineer",
        decision="approved",
        comment="Thermal test passed: 2,000 cycles.",
    )
    changes.eco_decide(
        eco=eco,
        user=users["planner"],
        role="planner",
        decision="approved",
        comment="Element stock covers the switch-over.",
    )
