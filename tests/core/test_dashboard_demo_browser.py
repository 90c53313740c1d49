"""Each role's dashboard over the demo company, in a real browser (Debian's Chromium, Playwright, the live test
server): every chart drawn without a script error, the operator's OEE from the shop floor's history
(mes/demo/history.py), and a screenshot of each for its role's user guide (docs/screenshots/dashboard-*.png)."""

import json

from django.urls import reverse

from core.demo import DEMO_PASSWORD
from tests.browser import VIEWPORT, screenshot
from tests.mes.test_browser import CHROMIUM, playwright_session  # noqa: F401  (the fixture)

# Demo login: the screenshot of its dashboard.
DASHBOARDS = {
    "sales": "dashboard-sales",
    "planner": "dashboard-planning",
    "operator": "dashboard-production",
    "warehouse": "dashboard-warehouse",
    "buyer": "dashboard-purchasing",
    "finance": "dashboard-finance",
}


def test_each_roles_dashboard_draws_the_demos_story(live_server, demo_loaded, playwright_session):  # noqa: F811
    errors, drawn, oee_figures, oee_trend = [], {}, [], {}
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        # Reduced motion: the charts are drawn at once, not caught by the screenshot halfway up.
        context = browser.new_context(viewport={**VIEWPORT, "height": 1000}, reduced_motion="reduce")
        for username, name in DASHBOARDS.items():
            context.clear_cookies()
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(live_server.url + reverse("login"))
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            page.wait_for_selector("#dashboard")
            page.wait_for_function("() => typeof Chart !== 'undefined'")
            drawn[username] = page.evaluate(
                "() => [...document.querySelectorAll('canvas[data-chart-spec]')]"
                ".map((canvas) => Boolean(Chart.getChart(canvas)))"
            )
            if username == "operator":
                oee_figures = page.locator("[data-figure^='production-oee-']").all_inner_texts()
                oee_trend = json.loads(page.locator("script#chart-production-oee-0").inner_text())
            screenshot(page, name)
            page.close()
        browser.close()

    assert errors == []
    assert all(charts and all(charts) for charts in drawn.values()), drawn
    # OEE, availability, performance, quality over 8 weeks: each a percentage of the history's work.
    assert len(oee_figures) == 4 and all(figure.endswith("%") for figure in oee_figures), oee_figures
    oee_per_week = [point for point in oee_trend["datasets"][0]["data"] if point is not None]
    assert len(oee_per_week) >= 3 and all(0 < point < 100 for point in oee_per_week), oee_per_week
