"""The role dashboards in a real browser (Debian's Chromium, Playwright, the live test server): an administrator
opens every role's tab and static/js/dashboard.js draws every chart the page describes, without a script
error. A sale and a supplier invoice give the finance charts something to draw. (The user guide's screenshots
are taken over the demo company: tests/core/test_dashboard_demo_browser.py.)"""

import datetime
from decimal import Decimal

from django.utils import timezone

from core.models import Partner
from core.roles import Role
from erp.choices import InvoiceKind
from erp.services.invoices import invoice_create, invoice_post
from tests.core.test_dashboard import ROLE_PANELS
from tests.erp.conftest import company  # noqa: F401  (shared fixtures)
from tests.mes.test_browser import CHROMIUM, playwright_session  # noqa: F401

ROLES = sorted(ROLE_PANELS, key=list(Role).index)


def test_every_roles_charts_are_drawn(live_server, company, make_user, playwright_session):  # noqa: F811
    today = timezone.localdate()
    for kind, code, amount, age in [
        (InvoiceKind.CUSTOMER, "MEDIAHOME", 500, 40),
        (InvoiceKind.SUPPLIER, "HEATCO", 120, 5),
    ]:
        partner = Partner.objects.create(code=code, name=code, kind=kind, currency=company.currency)
        invoice = invoice_create(
            kind=kind,
            partner=partner,
            invoice_date=today - datetime.timedelta(days=age),
            due_date=today - datetime.timedelta(days=age - 30),
            lines=[{"description": "Kettles", "quantity": 1, "unit_price": Decimal(amount)}],
        )
        invoice_post(invoice=invoice)
    make_user(Role.ADMIN, username="boss")
    drawn, errors = {}, []
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "pw-Takt-2026")
        page.click("button[type=submit]")
        page.wait_for_selector("#dashboard")
        for role in ROLES:
            page.goto(f"{live_server.url}/?role={role.value}")
            page.wait_for_selector("#dashboard")
            page.wait_for_function("() => typeof Chart !== 'undefined'")
            drawn[role] = page.evaluate(
                "() => [...document.querySelectorAll('canvas[data-chart-spec]')]"
                ".map((canvas) => [canvas.dataset.chartSpec, Boolean(Chart.getChart(canvas))])"
            )
        browser.close()

    assert errors == []
    for role, charts in drawn.items():
        assert charts and all(done for _id, done in charts), (role, charts)
    assert [chart for chart, _done in drawn[Role.FINANCE]] == [
        "chart-finance-profit-0",
        "chart-finance-aging-0",
        "chart-stock-value-0",
    ]
