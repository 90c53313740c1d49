"""The Content-Security-Policy in a real browser (Debian's Chromium, as tests/mes/test_browser.py): signing
in, the two-factor page's QR code, a list searched through htmx, the admin (a form too) and the API's Swagger UI run
without one refusal in the browser's console (docs/security.md)."""

import pytest
from django.urls import reverse

from core.roles import Role
from tests.mes.test_browser import CHROMIUM, playwright_session  # noqa: F401 (the fixture)

PAGES = [
    ("two_factor", "img[alt^='QR code']"),
    ("admin:index", "#site-name"),
    ("admin:auth_user_add", "#user_form"),
    ("api-docs", ".swagger-ui .info"),
]


@pytest.mark.django_db(transaction=True)
def test_pages_run_without_a_content_security_policy_refusal(live_server, make_user, playwright_session):  # noqa: F811
    make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)
    refusals = []
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page()
        page.on(
            "console",
            lambda message: refusals.append(message.text) if "Content Security Policy" in message.text else None,
        )

        page.goto(live_server.url + reverse("login"))
        page.fill("#id_username", "root")
        page.fill("#id_password", "pw-Takt-2026")
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.goto(live_server.url + reverse("core:currency_list"))
        with page.expect_request(lambda request: request.headers.get("hx-request") == "true"):
            page.locator("form[hx-get] input[type=text]").first.type("EU")  # htmx's search as you type
        for name, shown in PAGES:
            page.goto(live_server.url + reverse(name))
            page.wait_for_selector(shown)
        browser.close()

    assert refusals == []
