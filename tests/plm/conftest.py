import datetime
from decimal import Decimal

import pytest

from core.models import Item, Unit, WorkCenter
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision


@pytest.fixture
def make_item(db):
    units = {}

    def make(code: str, uom: str = "ea", **fields) -> Item:
        if uom not in units:
            units[uom] = Unit.objects.get(code=uom)
        return Item.objects.create(code=code, name=fields.pop("name", code), uom=units[uom], **fields)

    return make


@pytest.fixture
def released_bom(db):
    """A released BOM revision, as the import creates them: {component: qty_per} or (qty, scrap, unit)."""

    def make(parent: Item, lines: dict, revision: str = "A", effective_from=None, effective_to=None) -> BomRevision:
        bom = BomRevision.objects.create(
            item=parent,
            revision=revision,
            state=RevisionState.RELEASED,
            effective_from=effective_from,
            effective_to=effective_to,
        )
        for position, (component, spec) in enumerate(lines.items(), start=1):
            qty, scrap, unit = (*spec, None)[:3] if isinstance(spec, tuple) else (spec, 0, None)
            BomLine.objects.create(
                bom=bom,
                position=position * 10,
                component=component,
                qty_per=Decimal(str(qty)),
                scrap_pct=Decimal(str(scrap)),
                uom=unit or component.uom,
            )
        return bom

    return make


@pytest.fixture
def work_center(db):
    return WorkCenter.objects.create(code="ASSY", name="Assembly")


@pytest.fixture
def released_routing(db, work_center):
    def make(item: Item, operations: list[tuple[int, str]], revision: str = "A") -> RoutingRevision:
        routing = RoutingRevision.objects.create(item=item, revision=revision, state=RevisionState.RELEASED)
        for seq, minutes in operations:
            RoutingOperation.objects.create(
                routing=routing, seq=seq, work_center=work_center, run_minutes_per_unit=Decimal(minutes)
            )
        return routing

    return make


TODAY = datetime.date(2026, 11, 22)
