"""A planner's morning in a real browser (Debian's Chromium, Playwright, the live test server, a real Celery
worker): Run MRP and watch its progress bar fill through htmx, firm the planned orders from the list, then
Schedule now (published when solved) and watch that run too. The MRP run at 100 % goes to
docs/screenshots/planning-mrp-run.png, the firmed list to planning-firmed.png and the solved schedule to
planning-schedule.png (docs/user-guide/planning.md)."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from aps.choices import PlannedOrderState, ScheduleState
from aps.models import MrpRun, PlannedOrder, Schedule, ScheduleOperation
from core.models import Machine, WorkCenter
from core.roles import Role
from erp.choices import ProductionOrderState, PurchaseOrderState
from erp.models import ProductionOrder, PurchaseOrder
from tests.browser import screenshot, signed_in  # noqa: F401  (the fixture)


def progress_done(page) -> str:
    """Wait until the polled progress bar says the run succeeded; its text, e.g. "100%"."""
    page.wait_for_selector("#run-progress [data-status=succeeded]", timeout=60_000)
    return page.inner_text("#run-progress .progress-bar")


def test_mrp_run_firm_and_schedule_with_the_progress_bar(plant, celery_worker, live_server, make_user, signed_in):  # noqa: F811
    today = timezone.localdate()
    kettle = plant.item("KT", make=True, lead=2)
    element, lid = plant.item("HE", lead=5), plant.item("LID", lead=5)
    plant.bom(kettle, [(element, "1", "0"), (lid, "1", "0")])
    plant.routing(kettle, minutes="30")
    Machine.objects.create(work_center=WorkCenter.objects.get(code="ASSY"), code="ASSY-1", name="Assembly line 1")
    plant.sale(kettle, 4, today + datetime.timedelta(days=20))
    make_user(Role.PLANNER, username="planner-li")

    with signed_in("planner-li", reverse("aps:mrp_home")) as page:
        page.wait_for_selector("text=MRP has not run yet.")
        page.get_by_role("button", name="Run MRP").click()
        page.wait_for_selector("text=MRP is running; its progress is shown below.")
        mrp_bar = progress_done(page)
        screenshot(page, "planning-mrp-run")

        page.goto(live_server.url + reverse("aps:plannedorder_list"))
        page.wait_for_selector("#firm-selected")
        for box in page.locator("#firm-selected input[name=orders]").all():
            box.check()
        page.get_by_role("button", name="Firm selected").click()
        page.wait_for_selector("text=Firmed into")
        screenshot(page, "planning-firmed")

        page.goto(live_server.url + reverse("aps:schedule_list"))
        page.fill("#schedule-now [name=name]", "Monday plan")
        page.check("#schedule-now [name=publish]")
        page.get_by_role("button", name="Schedule now").click()
        page.wait_for_selector("text=Monday plan is being solved")
        schedule_bar = progress_done(page)
        page.goto(live_server.url + reverse("aps:schedule_list"))
        with page.expect_navigation():
            page.click("#published-schedule >> text=Monday plan")
        page.wait_for_selector("#machine-loads")
        screenshot(page, "planning-schedule")

    assert (mrp_bar, schedule_bar) == ("100%", "100%")
    assert MrpRun.objects.get().planned_order_count == 3
    assert set(PlannedOrder.objects.values_list("state", flat=True)) == {PlannedOrderState.FIRMED}
    production = ProductionOrder.objects.get()
    assert (production.item, production.quantity, production.state) == (kettle, Decimal(4), ProductionOrderState.FIRM)
    purchase = PurchaseOrder.objects.get()
    assert purchase.state == PurchaseOrderState.DRAFT
    assert sorted(purchase.lines.values_list("item__code", flat=True)) == ["HE", "LID"]
    schedule = Schedule.objects.get()
    assert (schedule.name, schedule.state) == ("Monday plan", ScheduleState.PUBLISHED)
    placed = ScheduleOperation.objects.get(job__schedule=schedule)
    assert (placed.operation.order, placed.machine.code) == (production, "ASSY-1")
    assert placed.end - placed.start >= datetime.timedelta(minutes=120)  # 4 kettles x 30 minutes
