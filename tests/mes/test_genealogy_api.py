"""The genealogy API: a lot's trace as a tree both ways, the recall list, lots named by code (and by item
where items share a code), and clear answers for unknown lots and bad parameters."""

import pytest

from core.roles import Role
from wms.models import Lot

pytestmark = pytest.mark.django_db


def _codes(node: dict) -> list[str]:
    return [node["lot"], *(code for child in node["children"] for code in _codes(child))]


def test_the_backward_trace_of_a_serial(chain, api_as, django_assert_max_num_queries):
    api = api_as(Role.QUALITY)
    serial = chain.serials[0]
    with django_assert_max_num_queries(15):
        response = api.get(f"/api/v1/mes/lots/{serial.code}/trace/", {"direction": "backward"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["direction"], body["lot_count"]) == ("backward", 7)
    root = body["root"]
    lots = chain.lots
    assert sorted(_codes(root)) == sorted(
        [serial.code, *(lots[name].code for name in ("UNIT", "BODY", "SHELL", "BLANK", "S-A", "G-1"))]
    )
    assert (root["item"], root["depth"], root["order"], root["made_on"]) == (
        "KT-900",
        0,
        None,
        [{"number": chain.orders["KT-900"].number, "item": "KT-900"}],
    )
    body_node = root["children"][0]["children"][0]
    assert (body_node["lot"], body_node["order"], body_node["quantity"]) == (
        lots["BODY"].code,
        chain.orders["UNIT"].number,
        "4.000000",
    )
    assert [m["code"] for m in body_node["machines"]] == ["ASSY-1"]
    assert sorted(o["number"] for o in body_node["operators"]) == ["E-1001", "E-1002"]
    assert [e["kind"] for e in body_node["events"]] == ["start", "consume", "consume", "produce", "complete"]
    assert [i["number"] for i in body_node["inspections"]] == ["IN-1"]
    gasket = next(n for n in body_node["children"] if n["item"] == "GASKET")
    (receipt,) = gasket["receipts"]
    assert (receipt["reference"], receipt["supplier"]) == (
        chain.purchase_orders["G-1"],
        {"code": "HEATCO", "name": "Heatco"},
    )


def test_the_forward_trace_of_a_supplier_lot_reaches_the_customer(chain, api_as):
    response = api_as(Role.SALES).get("/api/v1/mes/lots/S-A/trace/", {"direction": "forward", "item": "STEEL"})
    assert response.status_code == 200, response.json()
    root = response.json()["root"]
    serials = {serial.code for serial in chain.serials}
    assert set(_codes(root)) == serials | {chain.lots[n].code for n in ("S-A", "BLANK", "SHELL", "BODY", "UNIT")}

    def shipped(node):
        yield from ((node["lot"], s["customer"]["code"], s["reference"], s["delivery_note"]) for s in node["shipments"])
        for child in node["children"]:
            yield from shipped(child)

    assert sorted(shipped(root)) == [
        (chain.serials[0].code, "MEDIAHOME", chain.sales_order, chain.delivery_note),
        (chain.serials[1].code, "MEDIAHOME", chain.sales_order, chain.delivery_note),
    ]


def test_the_recall_list(chain, api_as):
    response = api_as(Role.QUALITY).get("/api/v1/mes/lots/S-A/recall/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["lot"], body["item"], body["customers"]) == (
        "S-A",
        "STEEL",
        [{"code": "MEDIAHOME", "name": "Mediahome"}],
    )
    bin_code = chain.floor["bin"].code
    lines = [
        (
            line["lot"],
            line["depth"],
            line["finished"],
            [(q["location"], q["quantity"]) for q in line["on_hand"]],
            [(s["customer"]["code"], s["reference"]) for s in line["shipments"]],
        )
        for line in body["lines"]
    ]
    assert lines == [
        (chain.serials[0].code, 5, True, [], [("MEDIAHOME", chain.sales_order)]),
        (chain.serials[1].code, 5, True, [], [("MEDIAHOME", chain.sales_order)]),
        (chain.serials[2].code, 5, True, [(bin_code, "1.000000")], []),
        (chain.serials[3].code, 5, True, [(bin_code, "1.000000")], []),
    ]


def test_a_code_two_items_share_needs_the_item(chain, api_as):
    Lot.objects.create(item=chain.lots["SHELL"].item, code="G-1")
    api = api_as(Role.QUALITY)
    response = api.get("/api/v1/mes/lots/G-1/trace/", {"direction": "forward"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("item", "ambiguous")
    assert "GASKET, SHELL" in error["message"]
    response = api.get("/api/v1/mes/lots/G-1/trace/", {"direction": "forward", "item": "GASKET"})
    assert response.status_code == 200 and response.json()["lot_count"] == 3 + len(chain.serials)
    response = api.get("/api/v1/mes/lots/G-1/recall/", {"item": "SHELL"})
    assert response.status_code == 200 and response.json()["lines"][0]["item"] == "SHELL"


def test_unknown_lots_and_bad_parameters_are_answered_clearly(chain, api_as):
    api = api_as(Role.QUALITY)
    response = api.get("/api/v1/mes/lots/NOPE-1/trace/", {"direction": "backward"})
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"field": None, "code": "not_found", "message": "No lot or serial number NOPE-1."}]
    }
    response = api.get("/api/v1/mes/lots/S-A/recall/", {"item": "GASKET"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "No lot or serial number S-A of item GASKET."
    response = api.get("/api/v1/mes/lots/S-A/trace/", {"direction": "sideways"})
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("direction", "invalid_choice")]
    response = api.get("/api/v1/mes/lots/S-A/trace/")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("direction", "required")]


def test_the_api_needs_the_genealogy_permission(chain, api_as):
    assert api_as(Role.PARTNER).get("/api/v1/mes/lots/S-A/recall/").status_code == 403
