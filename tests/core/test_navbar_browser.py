"""The top bar on a 1280 x 800 screen, in a real browser (Debian's Chromium, Playwright, the live test server)
over the demo company: for every demo login it is one row, with one entry per system the role uses
(core/navigation.py) and search, language and the user's menu compact; the administrator, who sees every
system, gets each system's dropdown whole on the screen."""

from django.urls import reverse

from core.demo import DEMO_PASSWORD, USERS
from tests.browser import VIEWPORT
from tests.mes.test_browser import CHROMIUM, playwright_session  # noqa: F401  (the fixture)

ONE_ROW = 64  # px: the bar is 56 px high on one row, about 100 px on two


def bar_of(page) -> dict | None:
    """The bar's height, where its last control (the user's menu) ends and its top-level entries; None on a
    page without it (a partner's portal)."""
    bar = page.locator("nav.navbar")
    if bar.count() == 0:
        return None
    user_menu = page.locator("#user-menu").bounding_box()
    return {
        "height": bar.bounding_box()["height"],
        "right": user_menu["x"] + user_menu["width"],
        "entries": page.locator("#nav-systems > li > a").all_inner_texts(),
    }


def dropdowns_off_screen(page) -> list[str]:
    """The systems whose dropdown, opened, does not fit within the 1280 x 800 screen."""
    outside = []
    for toggle in page.locator("#nav-systems > li > a").all():
        toggle.click()
        box = page.locator("#nav-systems .dropdown-menu.show").bounding_box()
        if box["x"] < 0 or box["x"] + box["width"] > VIEWPORT["width"] or box["y"] + box["height"] > VIEWPORT["height"]:
            outside.append(toggle.inner_text())
        toggle.click()
    return outside


def test_the_top_bar_is_one_row_at_1280_px_for_every_role(live_server, demo_loaded, playwright_session):  # noqa: F811
    bars, off_screen = {}, None
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = browser.new_context(viewport=VIEWPORT)  # one cache of the static files for every login
        for username, *_names, role in USERS:
            context.clear_cookies()
            page = context.new_page()
            # Signed in onto a light page: the bar is the same on every page, the dashboards take longer.
            page.goto(f"{live_server.url}{reverse('login')}?next={reverse('two_factor')}")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            bars[role, username] = bar_of(page)
            if username == "admin":
                off_screen = dropdowns_off_screen(page)
            page.close()
        browser.close()

    staff = {key: bar for key, bar in bars.items() if key[0] != "partner"}
    assert all(bar is not None and bar["entries"] for bar in staff.values()), staff
    too_big = {
        key: bar for key, bar in bars.items() if bar and (bar["height"] >= ONE_ROW or bar["right"] > VIEWPORT["width"])
    }
    assert too_big == {}  # one row, nothing pushed off the right edge
    assert len(bars["admin", "admin"]["entries"]) == 8  # every system: no menu left out of the grouping
    assert off_screen == []
