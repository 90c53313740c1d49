"""ISA-95 / B2MML V0701 over HTTP with tokens: the published schedule as an OperationsSchedule (one request per
order, one segment per operation on its scheduled machine, with crew and materials), items, lots and the
equipment hierarchy, every document checked against the copied AllSchemas.xsd; an external MES's
OperationsPerformance recorded as our runs, counts, consumption and output; and a document that is not XML,
does not match the schema or names an unknown order, item or lot refused whole with a 400 that says why."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from aps.models import ScheduleOperation
from aps.services.scheduling import schedule_create, schedule_publish, schedule_solve
from core.choices import Tracking
from core.models import Area, Item, Site, WorkCenter
from core.roles import Role
from erp.models import ProductionComponent
from mes.choices import EventKind, RunState
from mes.models import OperationRun, ProductionEvent
from tests.mes.conftest import T0, at
from wms.models import Lot, Quant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]

API = "/api/v1/mes/b2mml"
B2MML = "http://www.mesa.org/xml/B2MML"
NS = {"b": B2MML}
SCHEMA = Path(__file__).resolve().parents[2] / "mes" / "exchange" / "schemas" / "b2mml" / "AllSchemas.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """The copied schemas, loaded by the test itself (not through the code under test)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def document(response, schema) -> etree._Element:
    """The XML answer, checked against the B2MML schema."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    root = etree.fromstring(response.content)
    assert schema.validate(root), schema.error_log
    return root


def texts(element: etree._Element, path: str) -> list[str]:
    return [found.text for found in element.xpath(path, namespaces=NS)]


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, response.content
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


@pytest.fixture
def planned(floor):
    """Two released orders scheduled and published."""
    first = floor.order("100", due_date=datetime.date(2026, 11, 30))
    second = floor.order("50")
    schedule = schedule_publish(schedule=schedule_solve(schedule=schedule_create(now=T0)))
    floor.update(first=first, second=second, schedule=schedule)
    return floor


# --- Exports ----------------------------------------------------------------------------------------------------


def test_the_published_schedule_is_one_operations_request_per_order_with_a_segment_per_operation(
    api_as, planned, schema, django_assert_max_num_queries
):
    api = api_as(Role.PLANNER)
    with django_assert_max_num_queries(10):  # the same for any number of orders: no query per order
        answer = api.get(f"{API}/operations-schedule/")
    root = document(answer, schema)
    assert etree.QName(root).localname == "OperationsSchedule"
    assert texts(root, "b:OperationsType") == ["Production"]
    first, second = planned["first"], planned["second"]
    requests = root.xpath("b:OperationsRequest", namespaces=NS)
    assert sorted(texts(root, "b:OperationsRequest/b:ID")) == sorted([first.number, second.number])

    scheduled = {
        (op.job.production_order.number, op.seq): op
        for op in ScheduleOperation.objects.filter(job__schedule=planned["schedule"]).select_related(
            "machine", "job__production_order"
        )
    }
    for request in requests:
        number = texts(request, "b:ID")[0]
        segments = request.xpath("b:SegmentRequirement", namespaces=NS)
        assert texts(request, "b:SegmentRequirement/b:ID") == [f"{number}-10", f"{number}-20"]
        for segment, seq in zip(segments, (10, 20), strict=True):
            operation = scheduled[(number, seq)]
            # The segment is on the machine the schedule placed it on, in the schedule's window.
            assert texts(segment, "b:EquipmentRequirement/b:EquipmentID") == [operation.machine.code]
            start = datetime.datetime.fromisoformat(texts(segment, "b:EarliestStartTime")[0])
            end = datetime.datetime.fromisoformat(texts(segment, "b:LatestEndTime")[0])
            assert (start, end) == (operation.start, operation.end)
        request_start = datetime.datetime.fromisoformat(texts(request, "b:StartTime")[0])
        assert request_start == scheduled[(number, 10)].start

    request = next(r for r in requests if texts(r, "b:ID") == [first.number])
    assembly, test = request.xpath("b:SegmentRequirement", namespaces=NS)
    # Components go into the first operation, in the order's quantities and units; the item comes out of
    # the last one.
    consumed = {
        texts(m, "b:MaterialDefinitionID")[0]: (
            Decimal(texts(m, "b:Quantity/b:QuantityString")[0]),
            texts(m, "b:Quantity/b:UnitOfMeasure")[0],
        )
        for m in assembly.xpath("b:MaterialRequirement[b:MaterialUse='Consumed']", namespaces=NS)
    }
    expected = {
        c.item.code: (c.required_qty, c.item.uom.code)
        for c in ProductionComponent.objects.filter(order=first).select_related("item__uom")
    }
    assert consumed == expected and consumed["KT-BODY"] == (Decimal(100), "ea")
    assert not assembly.xpath("b:MaterialRequirement[b:MaterialUse='Produced']", namespaces=NS)
    assert texts(test, "b:MaterialRequirement[b:MaterialUse='Produced']/b:MaterialDefinitionID") == ["KT-200"]
    assert texts(test, "b:MaterialRequirement/b:Quantity/b:QuantityString") == ["100"]
    # Assembly needs a crew of two qualified for ASSY.
    assert texts(assembly, "b:PersonnelRequirement/b:PersonnelClassID") == ["QUALIFIED-ASSY"]
    assert texts(assembly, "b:PersonnelRequirement/b:Quantity/b:QuantityString") == ["2"]


def test_without_a_published_schedule_there_is_nothing_to_export_and_outsiders_read_nothing(api_as, floor):
    missing = api_as(Role.PLANNER).get(f"{API}/operations-schedule/")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    partner = api_as(Role.PARTNER)
    for path in ("operations-schedule", "material-definitions", "material-lots", "equipment"):
        assert partner.get(f"{API}/{path}/").status_code == 403


def test_items_lots_and_equipment_are_material_and_equipment_information(api_as, floor, receive, bin_, company, schema):
    Item.objects.filter(pk=floor["element"].pk).update(tracking=Tracking.LOT)
    element = Item.objects.get(pk=floor["element"].pk)
    receive(element, 20, bin_("B-01"), lot="EL-7")
    receive(element, 5, bin_("A-02"), lot="EL-7")
    receive(element, 3, bin_("A-02"), lot="EL-8")
    site = Site.objects.create(company=company, code="P1", name="Plant\x01 1")  # a control character XML cannot carry
    hall = Area.objects.create(site=site, code="HALL-A", name="Hall A")
    WorkCenter.objects.filter(pk=floor["assembly"].pk).update(area=hall)
    api = api_as(Role.PLANNER)

    materials = document(api.get(f"{API}/material-definitions/"), schema)
    units = {
        texts(d, "b:ID")[0]: texts(d, "b:MaterialDefinitionProperty[b:ID='UnitOfMeasure']/b:Value/b:ValueString")[0]
        for d in materials.xpath("b:MaterialDefinition", namespaces=NS)
    }
    assert units == {"KT-200": "ea", "KT-BODY": "ea", "HE-2000": "ea", "DESCALER": "kg"}

    lots = document(api.get(f"{API}/material-lots/"), schema)
    on_hand = {
        texts(lot, "b:ID")[0]: (
            texts(lot, "b:MaterialDefinitionID")[0],
            Decimal(texts(lot, "b:Quantity/b:QuantityString")[0]),
        )
        for lot in lots.xpath("b:MaterialLot", namespaces=NS)
    }
    assert on_hand == {"EL-7": ("HE-2000", Decimal(25)), "EL-8": ("HE-2000", Decimal(3))}

    equipment = document(api.get(f"{API}/equipment/"), schema)
    assert texts(equipment, "b:Equipment/b:ID") == ["P1", "TEST"]  # the bench's center is in no area yet
    assert texts(equipment, "b:Equipment[b:ID='P1']/b:Description") == ["Plant\ufffd 1"]
    assy = equipment.xpath("b:Equipment[b:ID='P1']/b:EquipmentChild[b:ID='HALL-A']/b:EquipmentChild", namespaces=NS)
    assert texts(assy[0], "b:ID") == ["ASSY"] and texts(assy[0], "b:EquipmentLevel") == ["WorkCenter"]
    assert texts(assy[0], "b:EquipmentChild/b:ID") == ["ASSY-1", "ASSY-2"]
    assert set(texts(assy[0], "b:EquipmentChild/b:EquipmentLevel")) == {"WorkUnit"}


# --- Import -------------------------------------------------------------------------------------------------------


def performance(number: str, segments: list[str]) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OperationsPerformance xmlns="{B2MML}">
  <ID>PERF-1</ID>
  <OperationsType>Production</OperationsType>
  <OperationsResponse>
    <ID>RESP-{number}</ID>
    <OperationsRequestID>{number}</OperationsRequestID>
    {"".join(segments)}
  </OperationsResponse>
</OperationsPerformance>""".encode()


def segment(ident: str, machine: str, start: float, end: float, materials: str, state: str = "Completed") -> str:
    return f"""<SegmentResponse>
      <ID>{ident}</ID>
      <ActualStartTime>{at(start).isoformat()}</ActualStartTime>
      <ActualEndTime>{at(end).isoformat()}</ActualEndTime>
      <SegmentRequirementID>{ident}</SegmentRequirementID>
      <SegmentState>{state}</SegmentState>
      <EquipmentActual><ID>{ident}-EQ</ID><EquipmentID>{machine}</EquipmentID></EquipmentActual>
      {materials}
    </SegmentResponse>"""


def material(ident: str, use: str, item: str, quantity: str, unit: str = "ea", lot: str = "", where: str = "") -> str:
    lot_id = f"<MaterialLotID>{lot}</MaterialLotID>" if lot else ""
    location = (
        f"<StorageLocation><Location>{where}</Location><LocationType>Equipment</LocationType></StorageLocation>"
        if where
        else ""
    )
    return f"""<MaterialActual>
        <ID>{ident}</ID><MaterialDefinitionID>{item}</MaterialDefinitionID>{lot_id}
        <MaterialUse>{use}</MaterialUse>{location}
        <Quantity><QuantityString>{quantity}</QuantityString><UnitOfMeasure>{unit}</UnitOfMeasure></Quantity>
      </MaterialActual>"""


@pytest.fixture
def tracked(floor, receive, bin_):
    """A lot-tracked element with 20 in lot EL-7, a lot-tracked kettle, and a released order of 10."""
    Item.objects.filter(pk__in=[floor["element"].pk, floor["kettle"].pk]).update(tracking=Tracking.LOT)
    receive(Item.objects.get(pk=floor["element"].pk), 20, bin_("B-01"), lot="EL-7")
    floor["order"] = floor.order("10")
    return floor


def full_run(number: str, consumed_lot: str = "EL-7", item: str = "HE-2000") -> bytes:
    return performance(
        number,
        [
            segment(
                f"{number}-10",
                "ASSY-1",
                0,
                30,
                material("C1", "Consumed", item, "10", lot=consumed_lot, where="MAIN/STOCK/B-01")
                + material("P1", "Produced", "KT-200", "10"),
            ),
            segment(f"{number}-20", "TEST-1", 40, 60, material("P2", "Produced", "KT-200", "10", lot="KT-0001")),
        ],
    )


def test_an_operations_performance_is_recorded_as_runs_counts_consumption_and_output(api_as, tracked, schema):
    order = tracked["order"]
    body = full_run(order.number)
    assert schema.validate(etree.fromstring(body)), schema.error_log  # what we send is a valid document

    answer = api_as(Role.OPERATOR).post(f"{API}/operations-performance/", body, content_type="application/xml")

    assert answer.status_code == 201, answer.content
    runs = {run.operation.seq: run for run in OperationRun.objects.select_related("operation", "machine")}
    assert {seq: (run.machine.code, run.state, run.good_qty) for seq, run in runs.items()} == {
        10: ("ASSY-1", RunState.DONE, Decimal(10)),
        20: ("TEST-1", RunState.DONE, Decimal(10)),
    }
    assert (runs[10].started_at, runs[10].finished_at) == (at(0), at(30))
    kinds = list(ProductionEvent.objects.order_by("id").values_list("kind", "source"))
    assert [kind for kind, _ in kinds].count(EventKind.COUNT) == 2 and {s for _, s in kinds} == {"api"}
    assert (
        answer.json()["events"]
        == ProductionEvent.objects.filter(kind__in=[EventKind.CONSUME, EventKind.COUNT, EventKind.PRODUCE]).count()
    )
    # Stock moved: 10 of lot EL-7 consumed, 10 kettles received under lot KT-0001.
    component = order.components.get(item__code="HE-2000")
    assert component.issued_qty == 10
    assert Quant.objects.get(lot__code="EL-7", location__code="MAIN/STOCK/B-01").quantity == 10
    produced = Lot.objects.get(item__code="KT-200", code="KT-0001")
    assert sum(q.quantity for q in produced.quants.all()) == 10
    order.refresh_from_db()
    assert order.completed_qty == 10


def before_and_after(order) -> tuple:
    return (
        ProductionEvent.objects.count(),
        OperationRun.objects.count(),
        order.components.get(item__code="HE-2000").issued_qty,
        Quant.objects.get(lot__code="EL-7").quantity,
        Lot.objects.filter(item__code="KT-200").count(),
    )


def test_a_document_that_is_not_xml_or_not_b2mml_is_refused_with_the_line_and_nothing_is_recorded(api_as, tracked):
    order = tracked["order"]
    api = api_as(Role.OPERATOR)
    before = before_and_after(order)

    garbage = api.post(f"{API}/operations-performance/", b"<OperationsPerformance>", content_type="application/xml")
    [(key, message)] = errors(garbage).items()
    assert key == (None, "invalid_document") and "Not well-formed XML" in message and "line 1" in message

    # A quantity in the wrong place: the schema's line and complaint are in the answer.
    wrong = full_run(order.number).replace(b"<MaterialUse>Consumed</MaterialUse>", b"<Amount>10</Amount>")
    invalid = api.post(f"{API}/operations-performance/", wrong, content_type="application/xml")
    [(key, message)] = errors(invalid).items()
    assert key == (None, "invalid_document") and "line " in message and "Amount" in message

    schedule = b'<OperationsSchedule xmlns="http://www.mesa.org/xml/B2MML"><ID>S</ID></OperationsSchedule>'
    assert (None, "invalid_document") in errors(
        api.post(f"{API}/operations-performance/", schedule, content_type="application/xml")
    )
    assert before_and_after(order) == before


def test_unknown_orders_items_and_lots_are_named_and_the_import_is_all_or_nothing(api_as, tracked):
    order = tracked["order"]
    api = api_as(Role.OPERATOR)
    before = before_and_after(order)

    def refused(body: bytes) -> dict:
        return errors(api.post(f"{API}/operations-performance/", body, content_type="application/xml"))

    unknown_order = refused(full_run("MO-1999-00001"))
    assert unknown_order == {
        ("MO-1999-00001-10.OperationsRequestID", "does_not_exist"): "There is no production order MO-1999-00001."
    }
    # The first segment would be recorded, the second names a lot that does not exist: neither is.
    unknown_lot = refused(full_run(order.number, consumed_lot="EL-99"))
    assert unknown_lot == {(f"{order.number}-10.MaterialLotID", "does_not_exist"): "HE-2000 has no lot EL-99."}
    unknown_item = refused(full_run(order.number, item="NO-SUCH"))
    assert list(unknown_item) == [(f"{order.number}-10.MaterialDefinitionID", "does_not_exist")]
    assert "NO-SUCH" in unknown_item[(f"{order.number}-10.MaterialDefinitionID", "does_not_exist")]
    late = (
        full_run(order.number)
        .replace(b"<MaterialLotID>KT-0001</MaterialLotID>", b"")
        .replace(b"<EquipmentID>TEST-1</EquipmentID>", b"<EquipmentID>NOPE</EquipmentID>")
    )
    assert refused(late) == {(f"{order.number}-20.EquipmentID", "does_not_exist"): "There is no machine NOPE."}
    assert before_and_after(order) == before


def test_importing_needs_the_right_to_record_on_the_floor(api_as, tracked):
    body = full_run(tracked["order"].number)
    for role in (Role.SALES, Role.PARTNER):
        answer = api_as(role).post(f"{API}/operations-performance/", body, content_type="application/xml")
        assert answer.status_code == 403
    assert not ProductionEvent.objects.exists()
