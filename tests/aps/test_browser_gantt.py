"""The Gantt's drag-and-drop in a real browser (Debian's Chromium, Playwright, the live test server): a planner
drags an operation's bar to the other machine of its work center and five hours later; static/js/gantt.js posts
the drop, the chart is redrawn from the server's answer, and the operation stays where it was put (pinned). The
chart after the move goes to docs/screenshots/planning-gantt.png (docs/user-guide/planning.md)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from aps.choices import FixedReason
from aps.models import ScheduleOperation
from core.roles import Role
from tests.aps.scheduling_plant import NOW, assert_valid, at
from tests.browser import screenshot, signed_in  # noqa: F401  (the fixture)


def test_dragging_a_bar_moves_the_operation_to_another_machine_and_time(shop, make_user, signed_in):  # noqa: F811
    cell = shop.work_center("CELL", machines=2)
    housing = shop.item("HOUSING")
    due = NOW.date() + datetime.timedelta(days=3)
    first, second = shop.order(housing, 1, due, [(cell, 120)]), shop.order(housing, 1, due, [(cell, 120)])
    schedule = shop.solve(frozen_until=NOW)
    dragged = ScheduleOperation.objects.select_related("machine").get(operation__order=first)
    other = ScheduleOperation.objects.select_related("machine").get(operation__order=second)
    assert (dragged.start, other.start) == (NOW, NOW) and dragged.machine != other.machine  # side by side
    make_user(Role.PLANNER, username="planner-gantt")

    with signed_in("planner-gantt", reverse("aps:schedule_gantt", args=[schedule.pk])) as page:
        bar = page.locator(f".gantt-bar[data-operation='{dragged.pk}']")
        bar.wait_for()
        box = bar.bounding_box()
        px_per_minute = box["width"] / 120  # the bar is the operation's two hours
        track = page.locator(f".gantt-track[data-machine='{other.machine.pk}']").bounding_box()
        x, y = box["x"] + 10, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 300 * px_per_minute, track["y"] + track["height"] / 2, steps=12)
        page.mouse.up()
        page.wait_for_selector("[data-gantt-alert].alert-success")
        message = page.inner_text("[data-gantt-alert]")
        screenshot(page, "planning-gantt")

    dragged.refresh_from_db()
    assert (dragged.machine, dragged.start, dragged.fixed) == (other.machine, at(300), FixedReason.PINNED)
    moved_to = timezone.localtime(at(300)).strftime("%Y-%m-%d %H:%M")
    assert message.startswith(f"{dragged.job.reference} op 10 now starts on {other.machine.code} at {moved_to}.")
    other.refresh_from_db()
    assert other.start == NOW  # the bar it now follows stayed where it was
    assert_valid(schedule)
