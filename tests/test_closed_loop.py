"""The closed loop of SPEC.md, end to end, through the REST API as each role drives it: SmartAppliance Co.
wins a quote for 200 kettles, MRP plans what it takes, the supplier confirms and announces its shipment, the
warehouse receives it in lots and puts it away, the schedule is solved, the floor makes the kettles with
their material picked and scanned, quality inspects them, the warehouse ships them, finance invoices, gets
paid and pays the supplier, and an after-sales case traces a kettle back to the supplier's lot.

Python is used directly only where no endpoint is the way: the plant's master data (the MES tests' floor_build
and a few rows more), the worker's side of the two Celery tasks (MRP and the schedule: the API queues them, the
test runs them in its own process) and of the outbox (dispatching the domain events and delivering the
webhooks). At the end every app's state is asserted, and that each step published its domain events."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.choices import Tracking
from core.models import DomainEvent, Item, Partner, PartnerUser, Unit, WebhookDelivery
from core.roles import Role
from core.services.events import event_dispatch
from core.services.webhooks import due_delivery_ids, webhook_delivery_attempt
from crm.services.opportunities import pipeline_defaults_ensure
from erp.models import JournalEntry, JournalLine, ProductionOrder, TaxRate
from plm.models import BomLine
from tests.aps.test_mrp_views import queued  # noqa: F401  (shared fixture: tasks handed to the broker)
from tests.conftest import user_with_role
from tests.core.test_webhooks import receiver  # noqa: F401  (shared fixture: a local HTTP receiver)
from tests.erp.conftest import company_make
from tests.erp.test_production import wip_of
from tests.mes.conftest import floor_build
from tests.wms.conftest import bin_of, warehouse_make
from wms.models import StockMove
from wms.selectors.stock import ledger_mismatches

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
KETTLES = Decimal(200)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.request["PATH_INFO"], response.status_code, response.content)
    return response.json()


def invoice_url(api: APIClient, number: str) -> str:
    """An invoice's URL by its number: a sales order's `invoice/` command answers the number but not the id."""
    (invoice,) = ok(api.get("/api/v1/erp/invoices/", {"q": number}))["results"]
    return f"/api/v1/erp/invoices/{invoice['id']}/"


def kettle_plant() -> dict:
    """The kettle floor of the MES tests (KT-200 of body, element and descaler, assembled on ASSY and tested on
    TEST, some stock of each component), plus what the loop needs: the kettle made in lots, a power base bought
    by lot (none on hand) on its released BOM, HEATCO supplying every component, MediaHome buying, VAT."""
    company = company_make()
    plant = floor_build(warehouse_make(), bin_of)
    each = Unit.objects.get(code="ea")
    plant["customer"] = Partner.objects.create(
        code="MEDIAHOME", name="MediaHome", kind="customer", currency=company.currency, credit_limit=Decimal(100000)
    )
    plant["supplier"] = supplier = Partner.objects.create(
        code="HEATCO", name="HeatCo Elements", kind="supplier", currency=company.currency, lead_time_days=3
    )
    plant["base"] = Item.objects.create(
        code="PB-1", name="Power base", uom=each, tracking=Tracking.LOT, standard_cost=Decimal(6)
    )
    BomLine.objects.create(
        bom=plant["bom"], position=40, component=plant["base"], qty_per=Decimal(1), scrap_pct=Decimal(0), uom=each
    )
    for name in ("body", "element", "powder", "base"):
        Item.objects.filter(pk=plant[name].pk).update(default_supplier=supplier, lead_time_days=3)
    Item.objects.filter(pk=plant["kettle"].pk).update(tracking=Tracking.LOT)
    TaxRate.objects.create(code="VAT13", name="VAT 13%", rate_pct=Decimal(13))
    pipeline_defaults_ensure()
    return plant


def staff(role: Role) -> APIClient:
    api = APIClient()
    user = user_with_role(role, f"{role}-loop")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def portal_login(partner: Partner) -> APIClient:
    user = user_with_role(Role.PARTNER, f"{partner.code.lower()}-portal")
    PartnerUser.objects.create(user=user, partner=partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_the_closed_loop_from_a_won_quote_to_a_paid_invoice_and_a_traced_kettle(
    queued,  # noqa: F811
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from aps.tasks import mrp_run_task, schedule_solve_task

    with time_machine.travel(MONDAY, tick=True) as clock:
        plant = kettle_plant()
        sales, planner, buyer = staff(Role.SALES), staff(Role.PLANNER), staff(Role.BUYER)
        warehouse, operator, quality = staff(Role.WAREHOUSE), staff(Role.OPERATOR), staff(Role.QUALITY)
        finance, admin = staff(Role.FINANCE), staff(Role.ADMIN)
        heatco = portal_login(plant["supplier"])
        today = MONDAY.date()

        # An integration listens to every event the loop publishes.
        names = ok(admin.get("/api/v1/core/webhooks/events/"))["events"]
        assert "wms.shipment.shipped" in names, names
        hook = ok(admin.post("/api/v1/core/webhooks/", {"url": receiver.url, "events": names}, format="json"), 201)

        # --- 1. CRM: the quote for 200 kettles is promised by capable-to-promise, sent and won ----------------
        opportunity = ok(
            sales.post(
                "/api/v1/crm/opportunities/",
                {
                    "name": "200 kettles for the spring catalog",
                    "account": "MEDIAHOME",
                    "expected_revenue": "17000",
                    "close_date": "2026-12-31",
                },
                format="json",
            ),
            201,
        )
        quote_body = {
            "account": "MEDIAHOME",
            "opportunity": opportunity["number"],
            "warehouse": "MAIN",
            "requested_date": (today + datetime.timedelta(days=14)).isoformat(),
            "lines": [{"item": "KT-200", "quantity": "200", "unit_price": "85", "tax_rate": "VAT13"}],
        }
        key = {"HTTP_IDEMPOTENCY_KEY": "loop-quote-1"}
        quote = ok(sales.post("/api/v1/crm/quotes/", quote_body, format="json", **key), 201)
        replay = sales.post("/api/v1/crm/quotes/", quote_body, format="json", **key)
        assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == quote["id"]
        quote_url = f"/api/v1/crm/quotes/{quote['id']}/"
        promised = ok(sales.post(f"{quote_url}promise/"))
        assert promised["promised_date"] is not None, promised
        promised_date = datetime.date.fromisoformat(promised["promised_date"])
        assert promised_date > today  # no kettle on hand: they must be made
        assert ok(sales.post(f"{quote_url}send/"))["state"] == "sent"
        accepted = ok(sales.post(f"{quote_url}accept/", {"customer_reference": "MH-PO-2611"}, format="json"))
        assert accepted["state"] == "accepted" and accepted["sales_order"].startswith("SO-")
        orders = ok(sales.get("/api/v1/erp/sales-orders/", {"q": "MH-PO-2611"}))["results"]
        assert [o["number"] for o in orders] == [accepted["sales_order"]]
        order_url = f"/api/v1/erp/sales-orders/{orders[0]['id']}/"
        sales_order = ok(sales.get(order_url))
        assert (sales_order["state"], sales_order["promised_date"]) == ("confirmed", promised["promised_date"])

        # --- 2. APS: MRP over the sales order; the planner firms every planned order ----------------------------
        with django_capture_on_commit_callbacks(execute=True):
            started = ok(planner.post("/api/v1/aps/runs/start/", {"today": today.isoformat()}, format="json"), 202)
        assert queued[-1] == ("aps.tasks.mrp_run", {"run_id": started["task_run"]})
        mrp_run_task(started["task_run"])  # what the worker does
        assert ok(planner.get(started["status_url"]))["status"] == "succeeded"
        planned = ok(planner.get("/api/v1/aps/planned-orders/", {"state": "planned"}))["results"]
        proposed = {(row["item"], row["kind"]): Decimal(row["quantity"]) for row in planned}
        # 200 kettles; components net of stock: 110 bodies, 110 elements, 30 kg of descaler on hand.
        assert proposed == {
            ("KT-200", "make"): KETTLES,
            ("KT-BODY", "buy"): Decimal(90),
            ("HE-2000", "buy"): Decimal(95),  # 205 with the element's 2.5 % scrap
            ("DESCALER", "buy"): Decimal(20),
            ("PB-1", "buy"): KETTLES,
        }, proposed
        firmed = ok(planner.post("/api/v1/aps/planned-orders/firm/", {"orders": [r["number"] for r in planned]}))
        assert len(firmed["firmed"]) == 5
        production_number = next(n for n in firmed["orders"] if n.startswith("MO-"))
        purchase_number = next(n for n in firmed["orders"] if not n.startswith("MO-"))
        assert len(set(firmed["orders"])) == 2  # one purchase order for HEATCO, one production order
        production = ok(planner.get("/api/v1/erp/production-orders/", {"q": production_number}))["results"][0]
        assert (production["state"], production["quantity"]) == ("firm", "200.000000")
        assert production["due_date"] == promised["promised_date"]  # planned for what sales promised
        assert production["sales_order_line"] is not None  # pegged to the customer's order

        # --- 3. SRM/ERP: the buyer sends the order; HEATCO confirms it and announces the lots ---------------------
        purchases = ok(buyer.get("/api/v1/erp/purchase-orders/", {"q": purchase_number}))["results"]
        purchase_url = f"/api/v1/erp/purchase-orders/{purchases[0]['id']}"
        purchase = ok(buyer.post(f"{purchase_url}/send/"))
        assert purchase["state"] == "sent" and purchase["supplier"] == "HEATCO"
        lines = {line["item"]: line for line in purchase["lines"]}
        arrives = today + datetime.timedelta(days=2)
        portal = "/api/v1/srm/portal"
        confirmed = ok(
            heatco.post(
                f"{portal}/purchase-orders/{purchases[0]['id']}/confirm/",
                {
                    "supplier_reference": "HC-OC-88",
                    "lines": [
                        {
                            "position": line["position"],
                            "confirmed_date": arrives.isoformat(),
                            "confirmed_quantity": line["quantity"],
                        }
                        for line in lines.values()
                    ],
                },
                format="json",
            )
        )
        assert confirmed["state"] == "confirmed"
        asn_lots = {"PB-1": "HC-PB-2611", "KT-BODY": "", "HE-2000": "", "DESCALER": ""}
        asn = ok(
            heatco.post(
                f"{portal}/asns/",
                {
                    "purchase_order": purchase_number,
                    "asn_number": "HC-ASN-88",
                    "ship_date": today.isoformat(),
                    "expected_date": arrives.isoformat(),
                    "carrier": "SF Express",
                    "lines": [
                        {"position": line["position"], "quantity": line["quantity"], "lot_code": asn_lots[code]}
                        for code, line in lines.items()
                    ],
                },
                format="json",
            ),
            201,
        )
        assert asn["receipt"].startswith("RC-")

        # --- 4. WMS: the dock receives against the ASN, in lots, and puts away to the bins the rules name -------
        clock.shift(datetime.timedelta(days=2))
        receipts = ok(warehouse.get("/api/v1/wms/receipts/", {"q": asn["receipt"]}))["results"]
        receipt_url = f"/api/v1/wms/receipts/{receipts[0]['id']}"
        receipt = ok(warehouse.get(f"{receipt_url}/"))
        for line in receipt["lines"]:
            body = {"line": line["id"], "quantity": line["outstanding"]}
            if line["lot_code"]:
                body["lot_code"] = line["lot_code"]
            received = ok(warehouse.post(f"{receipt_url}/receive/", body, format="json"), 201)
            for task in received["tasks"]:
                done = ok(
                    warehouse.post(
                        f"/api/v1/wms/tasks/{task['id']}/confirm/", {"location": task["to_location"]}, format="json"
                    )
                )
                assert done["state"] == "done"
        assert ok(warehouse.post(f"{receipt_url}/close/"))["state"] == "done"
        assert ok(buyer.get(f"{purchase_url}/"))["state"] == "received"

        # --- 5. APS: released to the floor, the finite-capacity schedule is solved and published ----------------
        production_url = f"/api/v1/erp/production-orders/{production['id']}"
        etag = planner.get(f"{production_url}/")["ETag"]  # released only if nobody changed it since
        released = ok(planner.post(f"{production_url}/release/", HTTP_IF_MATCH=etag))
        assert released["state"] == "released" and released["material_request"].startswith("SR-")
        ok(planner.patch("/api/v1/aps/scheduling-settings/", {"time_limit_seconds": 5}, format="json"))
        with django_capture_on_commit_callbacks(execute=True):
            schedule = ok(
                planner.post("/api/v1/aps/schedules/", {"name": "Kettles", "publish": True}, format="json"), 202
            )
        schedule_solve_task(schedule["task_run"])
        published = ok(planner.get("/api/v1/aps/schedules/published/"))
        assert (published["id"], published["state"], published["tardy_orders"]) == (schedule["id"], "published", 0)
        # The operators' dispatch list: the published schedule's operations, first to start first.
        dispatch = ok(operator.get("/api/v1/aps/schedule-operations/"))["results"]
        machine_of = {row["seq"]: row["machine"] for row in dispatch if row["reference"] == production_number}
        assert set(machine_of) == {10, 20} and machine_of[20] == "TEST-1", dispatch
        assert dispatch[0]["start"] <= dispatch[-1]["start"]

        # --- 6. MES: the material is picked, the operators run both operations, quality inspects the lot -------
        clock.shift(datetime.timedelta(hours=1))
        requests = ok(warehouse.get("/api/v1/wms/stock-requests/", {"q": released["material_request"]}))["results"]
        assert requests[0]["state"] == "reserved", requests
        pick_list = ok(
            warehouse.post("/api/v1/wms/pick-lists/", {"request": released["material_request"]}, format="json"), 201
        )
        for line in pick_list["lines"]:
            scan = {"location": line["from_location"], "quantity": line["quantity"], "lot": line["lot"] or ""}
            ok(warehouse.post(f"/api/v1/wms/pick-lines/{line['id']}/confirm/", scan, format="json"))

        mes = "/api/v1/mes"
        run = ok(
            operator.post(
                f"{mes}/operation-runs/start/",
                {"order": production_number, "seq": 10, "machine": machine_of[10], "badge": "B-1001"},
                format="json",
            ),
            201,
        )
        run_url = f"{mes}/operation-runs/{run['id']}"
        for component in released["components"]:
            scan = {"component": component["item"], "quantity": component["required_qty"], "badge": "B-1001"}
            if component["item"] == "PB-1":
                scan["lot"] = "HC-PB-2611"
            ok(operator.post(f"{run_url}/consume/", scan, format="json"), 201)
        clock.shift(datetime.timedelta(minutes=450))  # 30 minutes' setup and 2 a kettle, as the routing says
        ok(operator.post(f"{run_url}/count/", {"good_qty": "200", "badge": "B-1001"}, format="json"), 201)
        assert ok(operator.post(f"{run_url}/complete/", {"badge": "B-1001"}, format="json"))["state"] == "done"

        run = ok(
            operator.post(
                f"{mes}/operation-runs/start/",
                {"order": production_number, "seq": 20, "machine": machine_of[20], "badge": "B-1001"},
                format="json",
            ),
            201,
        )
        run_url = f"{mes}/operation-runs/{run['id']}"
        clock.shift(datetime.timedelta(minutes=210))  # a minute a kettle
        ok(operator.post(f"{run_url}/count/", {"good_qty": "200", "badge": "B-1001"}, format="json"), 201)
        produced = ok(
            operator.post(
                f"{run_url}/produce/",
                {"quantity": "200", "lot_code": "KT-2611-A", "location": "MAIN/STOCK/B-01", "badge": "B-1001"},
                format="json",
            ),
            201,
        )
        assert [(event["kind"], event["lot"], event["quantity"]) for event in produced] == [
            ("produce", "KT-2611-A", "200.000000")
        ]
        ok(
            quality.post(
                f"{mes}/inspection-plans/",
                {
                    "code": "KT-FINAL",
                    "name": "Kettle final test",
                    "item": "KT-200",
                    "trigger": "operation",
                    "frequency": "first_piece",
                    "characteristics": [{"name": "Boils dry safely", "kind": "attribute"}],
                },
                format="json",
            ),
            201,
        )
        test_operation = next(o for o in released["operations"] if o["seq"] == 20)
        inspection = ok(
            quality.post(
                f"{mes}/inspections/",
                {
                    "plan": "KT-FINAL",
                    "operation": test_operation["id"],
                    "lot": "KT-2611-A",
                    "measurements": [{"position": 1, "passed": True}],
                },
                format="json",
            ),
            201,
        )
        assert (inspection["result"], inspection["nonconformances"]) == ("passed", [])
        assert ok(operator.post(f"{run_url}/complete/", {"badge": "B-1001"}, format="json"))["state"] == "done"

        # --- 7. Feedback: ERP completes and closes the order at its actual cost; CRM shows the live status -----
        assert ok(planner.post(f"{production_url}/complete/"))["state"] == "completed"
        closed = ok(planner.post(f"{production_url}/close/", {}, format="json"))
        assert closed["state"] == "closed" and Decimal(closed["completed_qty"]) == KETTLES
        (tracking,) = ok(sales.get("/api/v1/crm/order-tracking/", {"q": accepted["sales_order"]}))["results"]
        assert (tracking["state"], tracking["status"], tracking["percent_done"]) == ("in_production", "ready", "100")
        assert [(p["order"], p["good_qty"]) for p in tracking["lines"][0]["production"]] == [
            (production_number, "200.000000")
        ]

        # --- 8. WMS ships, ERP invoices and posts to the journal, the customer pays, the supplier is paid ------
        clock.shift(datetime.timedelta(hours=2))
        request_number = ok(sales.get(order_url))["stock_request"]
        request = ok(warehouse.get("/api/v1/wms/stock-requests/", {"q": request_number}))["results"][0]
        assert ok(warehouse.post(f"/api/v1/wms/stock-requests/{request['id']}/reserve/"))["state"] == "reserved"
        pick_list = ok(warehouse.post("/api/v1/wms/pick-lists/", {"request": request_number}, format="json"), 201)
        for line in pick_list["lines"]:
            scan = {"location": line["from_location"], "quantity": line["quantity"], "lot": line["lot"] or ""}
            ok(warehouse.post(f"/api/v1/wms/pick-lines/{line['id']}/confirm/", scan, format="json"))
        shipment = ok(
            warehouse.post(
                "/api/v1/wms/shipments/",
                {"pick_list": pick_list["number"], "carrier": "SF Express", "packages": [{"code": "PAL-1"}]},
                format="json",
            ),
            201,
        )
        shipped = ok(
            warehouse.post(
                f"/api/v1/wms/shipments/{shipment['id']}/ship/", {"tracking_number": "SF2611"}, format="json"
            )
        )
        assert datetime.datetime.fromisoformat(shipped["shipped_at"]).date() <= promised_date  # the promise kept
        assert ok(sales.get(order_url))["state"] == "shipped"
        (tracking,) = ok(sales.get("/api/v1/crm/order-tracking/", {"q": accepted["sales_order"]}))["results"]
        assert [(s["number"], s["tracking_number"]) for s in tracking["shipments"]] == [(shipment["number"], "SF2611")]

        invoice = ok(finance.post(f"{order_url}invoice/", {"invoice_date": today.isoformat()}, format="json"), 201)
        # 200 x 85 = 17,000.00 + 13 % VAT = 2,210.00
        assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"], invoice["state"]) == (
            "17000.00",
            "2210.00",
            "19210.00",
            "posted",
        )
        paid = ok(
            finance.post(
                f"{invoice_url(finance, invoice['number'])}pay/",
                {"amount": "19210.00", "reference": "MH-2611"},
                format="json",
            )
        )
        assert paid["state"] == "paid"
        assert ok(sales.post(f"{order_url}close/"))["state"] == "closed"

        purchase = ok(buyer.get(f"{purchase_url}/"))
        bill = ok(
            finance.post(
                f"{purchase_url}/invoice/",
                {
                    "supplier_reference": "HC-INV-88",
                    "invoice_date": today.isoformat(),
                    "lines": [
                        {"position": line["position"], "quantity": line["quantity"], "unit_price": line["unit_price"]}
                        for line in purchase["lines"]
                    ],
                },
                format="json",
            ),
            201,
        )
        ok(
            finance.post(
                f"/api/v1/erp/invoices/{bill['id']}/pay/",
                {"amount": bill["total_amount"], "reference": "PAY-88"},
                format="json",
            )
        )
        assert ok(buyer.post(f"{purchase_url}/close/"))["state"] == "closed"

        # --- 9. After-sales: a case on the kettle lot traces back to the supplier's lot and the floor -----------
        case = ok(
            sales.post(
                "/api/v1/crm/service-cases/",
                {"account": "MEDIAHOME", "subject": "Kettle trips the breaker", "lot": "KT-2611-A"},
                format="json",
            ),
            201,
        )
        traced = ok(quality.get(f"/api/v1/crm/service-cases/{case['id']}/traceability/"))
        assert traced["unit"]["lot"] == "KT-2611-A"
        assert [(c["item"], c["depth"]) for c in traced["components"]] == [("PB-1", 1)], traced["components"]
        assert [s["code"] for s in traced["suppliers"]] == ["HEATCO"]
        assert [i["number"] for i in traced["inspections"]] == [inspection["number"]]

        # --- The final state of every app -----------------------------------------------------------------------
        # CRM: the quote won its opportunity; the order it became is closed.
        assert ok(sales.get(f"/api/v1/crm/opportunities/{opportunity['id']}/"))["state"] == "won"
        assert ok(sales.get(quote_url))["state"] == "accepted"
        order = ok(sales.get(order_url))
        assert order["state"] == "closed" and [Decimal(line["shipped_qty"]) for line in order["lines"]] == [KETTLES]
        tracked = ok(sales.get(f"/api/v1/crm/order-tracking/{order['id']}/"))
        assert (tracked["state"], tracked["lines"][0]["shipped"], tracked["lines"][0]["invoiced"]) == (
            "closed",
            "200.000000",
            "200.000000",
        ), tracked

        # WMS: every unit explained by moves; nothing left of the kettles or what went into them.
        assert ledger_mismatches() == []
        for code in ("KT-200", "KT-BODY", "HE-2000", "DESCALER", "PB-1"):
            stock = ok(warehouse.get(f"/api/v1/wms/items/{code}/stock/"))
            assert Decimal(stock["on_hand"]) == 0, (code, stock)

        # MES: the kettle lot traces back to the power base lot, its receipt and the supplier's order.
        trace = ok(quality.get(f"{mes}/lots/KT-2611-A/trace/", {"direction": "backward"}))
        (base,) = trace["root"]["children"]
        assert (base["lot"], base["item"], base["order"]) == ("HC-PB-2611", "PB-1", production_number)
        assert [(r["reference"], r["supplier"]["code"]) for r in base["receipts"]] == [(purchase_number, "HEATCO")]
        assert sorted(m["code"] for m in trace["root"]["machines"]) == sorted([machine_of[10], "TEST-1"])
        oee = ok(
            operator.get(
                f"{mes}/oee/",
                {
                    "start": MONDAY.isoformat(),
                    "end": (MONDAY + datetime.timedelta(days=3)).isoformat(),
                    "group_by": "machine",
                },
            )
        )
        good = {row["machine"]: row for row in oee["rows"]}
        for machine in (machine_of[10], machine_of[20]):
            figures = good[machine]["figures"]
            assert (figures["good_qty"], figures["quality"]) == ("200.000000", "1.0000"), figures
            assert 0 < Decimal(figures["performance"]) <= 1 and Decimal(figures["oee"]) > 0, figures

        # ERP: the production order at actual cost with its variances, the journal balanced entry by entry.
        costed = ok(finance.get(production_url + "/"))
        # Actual cost (material issued at its FIFO value, time absorbed at the rates) is the standard value
        # received plus the variances; the order's WIP is cleared.
        actual = sum(Decimal(c["issued_value"]) for c in costed["components"]) + sum(
            Decimal(o["absorbed_labor"]) + Decimal(o["absorbed_machine"]) for o in costed["operations"]
        )
        variances = {v["kind"]: Decimal(v["amount"]) for v in costed["variances"]}
        assert set(variances) >= {"material_price", "material_usage", "labor_efficiency", "machine_efficiency"}
        assert actual == Decimal(costed["received_value"]) + sum(variances.values()), (actual, costed)
        assert costed["state"] == "closed" and wip_of(ProductionOrder.objects.get(number=production_number)) == 0
        unbalanced = [
            entry.number
            for entry in JournalEntry.objects.annotate(debit=Sum("lines__debit"), credit=Sum("lines__credit"))
            if entry.debit != entry.credit
        ]
        assert unbalanced == []
        assert JournalLine.objects.aggregate(d=Sum("debit"))["d"] == JournalLine.objects.aggregate(c=Sum("credit"))["c"]
        assert set(JournalEntry.objects.values_list("source", "reference")) == {
            ("stock_move", "PO-TEST"),  # the plant's opening stock
            ("stock_move", purchase_number),  # 4. received at the order's price
            ("stock_move", production_number),  # 6. material issued, kettles received
            ("production", production_number),  # 6. time absorbed; 7. the variances
            ("stock_move", accepted["sales_order"]),  # 8. shipped: cost of goods sold
            ("customer_invoice", invoice["number"]),
            ("payment", invoice["number"]),
            ("supplier_invoice", bill["number"]),
            ("payment", bill["number"]),
        }
        # WMS: both stock requests of the loop done.
        requests = ok(warehouse.get("/api/v1/wms/stock-requests/"))["results"]
        assert sorted((r["reference"], r["kind"], r["state"]) for r in requests) == [
            (production_number, "material", "done"),
            (accepted["sales_order"], "shipment", "done"),
        ]

        # Core: each step left its domain events in order (a stock move's each: every move has one), and the
        # integration's endpoint received every one of them.
        steps = list(DomainEvent.objects.order_by("pk").values_list("name", flat=True))
        assert [name for name in steps if name != "wms.stock.moved"] == [
            "erp.sales_order.confirmed",  # 1. the quote accepted
            "crm.quote.accepted",
            "core.task_run.finished",  # 2. MRP
            *["aps.planned_order.firmed"] * 5,  # one a planned order
            "erp.purchase_order.sent",  # 3.
            "srm.asn.announced",  # the supplier's ASN
            *["wms.goods.received"] * 4,  # 4. one a receipt line
            "wms.receipt.closed",
            "erp.production_order.released",  # 5.
            "aps.schedule.published",  # the schedule solved and published
            "core.task_run.finished",
            *["mes.operation.started", "mes.operation.completed"],  # 6. assembly
            *["mes.operation.started", "mes.inspection.recorded", "mes.operation.completed"],  # the final test
            *["erp.production_order.completed", "erp.production_order.closed"],  # 7.
            "wms.shipment.shipped",  # 8.
            *["erp.invoice.posted", "erp.payment.registered"] * 2,  # 9. the customer's, then the supplier's
        ]
        assert steps.count("wms.stock.moved") == StockMove.objects.count()
        for event_id in DomainEvent.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
            assert event_dispatch(event_id=event_id)  # the outbox, as the worker runs it
        for delivery_id in due_delivery_ids():
            webhook_delivery_attempt(delivery_id=delivery_id)
        deliveries = WebhookDelivery.objects.filter(endpoint_id=hook["id"])
        assert set(deliveries.values_list("status", flat=True)) == {"delivered"}
        assert deliveries.count() == len(steps) == len(receiver.requests)
