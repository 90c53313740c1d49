"""A warehouse pick by scanning in a real browser (Debian's Chromium, Playwright, the live test server): on the
warehouse tablet the picker scans the sales order's number to open its pick list, then for each line the bin and
the item, and Enter on the prefilled quantity confirms it (static/js/scan.js: the scanner is a keyboard that
types and presses Enter). The screen after the first pick goes to docs/screenshots/warehouse-pick.png
(docs/user-guide/warehouse.md)."""

from decimal import Decimal

from django.urls import reverse

from core.roles import Role
from tests.browser import screenshot, signed_in  # noqa: F401  (the fixture)
from tests.wms.test_tablet import order, picking  # noqa: F401  (fixtures)
from wms.models import PickState, Quant, StockMove
from wms.selectors.stock import ledger_mismatches


def scan(page, code: str) -> None:
    """What a barcode scanner does: type into the focused field, press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_pick_list_is_opened_and_picked_by_scanning(warehouse, picking, make_user, signed_in):  # noqa: F811
    make_user(Role.WAREHOUSE, username="picker-zhang")
    pick_list = picking["pick_list"]
    with signed_in("picker-zhang", reverse("wms:tablet_pick_lists")) as page:
        page.wait_for_selector("[name=code]:focus")  # ready for the scanner, no tap needed
        scan(page, "SO-2026-00001")
        page.wait_for_selector("[name=location]:focus")
        first_bin = page.inner_text(".task-card")
        scan(page, "MAIN/STOCK/A-01")
        page.wait_for_selector("[name=item]:focus")
        scan(page, "KT-200")
        page.wait_for_selector("[name=quantity]:focus")
        page.keyboard.press("Enter")  # the prefilled quantity, confirmed as it is
        page.wait_for_selector("text=Picked 3 ea of KT-200 from MAIN/STOCK/A-01.")
        page.wait_for_selector("[name=location]:focus")
        second_bin = page.inner_text(".task-card")
        screenshot(page, "warehouse-pick")
        scan(page, "MAIN/STOCK/B-01")
        scan(page, "CB-EU")
        page.keyboard.press("Enter")
        page.wait_for_selector("#pick-done")
        done = page.inner_text("#pick-done")

    assert "A-01" in first_bin and "KT-200" in first_bin  # walking order: A-01 before B-01
    assert "B-01" in second_bin and "CB-EU" in second_bin
    assert f"Pick list {pick_list.number} is picked." in done
    pick_list.refresh_from_db()
    assert pick_list.state == PickState.PICKED
    assert sorted(pick_list.lines.values_list("item__code", "picked_qty")) == [
        ("CB-EU", Decimal(4)),
        ("KT-200", Decimal(3)),
    ]
    output = warehouse.output_location
    assert {quant.item.code: quant.quantity for quant in Quant.objects.filter(location=output)} == {
        "CB-EU": Decimal(4),
        "KT-200": Decimal(3),
    }
    assert StockMove.objects.filter(to_location=output).count() == 2
    assert ledger_mismatches() == []
