"""The top bar's search in a real browser (Debian's Chromium, Playwright): typing shows a dropdown of top hits,
a hit opens its record, Enter opens the results page. The screenshot goes to docs/screenshots/search.png."""

from pathlib import Path

from django.conf import settings

from core.models import Item, Partner, Unit
from core.roles import Role
from tests.mes.test_browser import CHROMIUM, playwright_session  # noqa: F401 (the fixture)

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "search.png"


def test_typing_in_the_top_bar_shows_hits_and_a_hit_opens_its_record(live_server, make_user, playwright_session):  # noqa: F811
    ea = Unit.objects.get(code="ea")
    kettle = Item.objects.create(code="KT-200", name="Kettle 1.7 l", uom=ea)
    Item.objects.create(code="KT-200-LID", name="Kettle lid", uom=ea)
    Partner.objects.create(code="KETTLE-WORLD", name="Kettle World GmbH", kind="customer")
    make_user(Role.PLANNER, username="planner-search")
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(live_server.url + "/accounts/login/?next=/")
        page.fill("#id_username", "planner-search")
        page.fill("#id_password", "pw-Takt-2026")
        page.click("button[type=submit]")
        page.click("input[name=q]")
        page.keyboard.type("kettle")
        page.wait_for_selector("#search-hits.show >> text=KT-200 Kettle 1.7 l")
        hits = page.inner_text("#search-hits")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        page.click("#search-hits >> text=KT-200 Kettle 1.7 l")
        page.wait_for_url(f"**{kettle.get_absolute_url()}")
        page.fill("input[name=q]", "kt-200")
        page.keyboard.press("Enter")
        page.wait_for_selector("#search-results")
        results = page.inner_text("#search-results")
        browser.close()

    assert "Items" in hits and "Partners" in hits and "KETTLE-WORLD Kettle World GmbH" in hits
    assert results.index("KT-200 Kettle 1.7 l") < results.index("KT-200-LID Kettle lid")
