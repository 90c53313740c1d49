"""The operator tablet in a real browser: Debian's Chromium, driven by Playwright, against the live test
server. Sign in as the tablet, scan a badge, pick a machine, scan the operation's barcode from the
production traveller, start > count > complete; the scanner is the keyboard (type, Enter). The
screenshot of the machine screen goes to docs/screenshots/mes-tablet.png.

`make test` installs Chromium where it is missing; without it this test fails, it does not skip."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from core.roles import Role
from erp.choices import OperationState
from mes.choices import EventKind
from mes.models import ProductionEvent
from tests.browser import CHROMIUM, playwright_session  # noqa: F401  (the fixture; others import both from here)

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "mes-tablet.png"
TABLET_SIZE = {"width": 1280, "height": 800}


def test_scan_start_count_complete_on_the_tablet(live_server, floor, make_user, playwright_session):  # noqa: F811
    make_user(Role.OPERATOR, username="tablet-assy")
    operation = floor.order("5").operations.get(seq=10)
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(viewport=TABLET_SIZE)
        page.on("dialog", lambda dialog: dialog.accept())  # "Complete operation 10 of ...?"

        page.goto(live_server.url + reverse("mes:tablet_home"))
        page.fill("#id_username", "tablet-assy")
        page.fill("#id_password", "pw-Takt-2026")
        page.click("button[type=submit]")
        page.wait_for_selector("#id_badge:focus")  # ready for the scanner, no tap needed
        page.keyboard.type("B-1001")  # the badge scanner types into the focused field and presses Enter
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Hello Li Wei")
        page.click("#machine-ASSY-1")
        page.wait_for_selector("text=Li Wei is on ASSY-1")
        page.wait_for_selector("#id_operation:focus")  # the traveller's operation barcode, scanned
        page.keyboard.type(f"{operation.order.number}/10")
        page.keyboard.press("Enter")
        page.click(f"#dispatch-{operation.pk}.dispatch-scanned button[name=start]")
        page.wait_for_selector("text=Started operation 10")
        page.click("#count")
        page.wait_for_selector("#id_good:focus")
        page.keyboard.type("5")  # the cursor waits in Good
        page.click("#count-submit")
        page.wait_for_selector("text=Counted 5 good")
        good = page.inner_text("#run-good")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        page.click("#complete")
        page.wait_for_selector("text=Completed operation 10")
        current = page.inner_text("#current-run")
        browser.close()

    assert good == "5" and "Nothing runs here" in current
    operation.refresh_from_db()
    assert (operation.state, operation.good_qty, operation.machine.code) == (OperationState.DONE, 5, "ASSY-1")
    events = ProductionEvent.objects.order_by("id")
    assert [event.kind for event in events] == [
        EventKind.OPERATOR_ON,
        EventKind.START,
        EventKind.COUNT,
        EventKind.COMPLETE,
    ]
    assert {(event.employee.badge, event.user.username) for event in events} == {("B-1001", "tablet-assy")}
    assert SCREENSHOT.stat().st_size > 10_000
