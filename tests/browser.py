"""What the browser tests share: Debian's Chromium driven by Playwright against the live test server, a page
signed in as a user, and the screenshots the user guide (docs/user-guide/) shows.

Playwright's sync API runs an event loop in the test's thread, and Django refuses database calls from a thread
with a running loop: a test sets its data up before `signed_in`, and reads the database after the `with` block.
For the same reason there is one Chromium per test, not per module (its loop would run across the fixtures).

`make test` installs Chromium where it is missing; without it these tests fail, they do not skip.

Test modules import the fixtures they use: `from tests.browser import signed_in  # noqa: F401`.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "pw-Takt-2026"  # tests/conftest.py user_with_role's


def playwright_maker():
    """Playwright's session maker, once Chromium is known to be there."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test needs Debian's Chromium. `make test` installs it "
            "(apt-get install -y chromium, as root)."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: install the dev extras (pip install '.[dev]').")
    return sync_playwright


@pytest.fixture
def playwright_session():
    """Playwright's session maker, for a test that opens its own Chromium."""
    return playwright_maker()


@pytest.fixture
def signed_in(live_server):
    """`with signed_in(username, path) as page:` a 1280 x 800 page of a fresh Chromium, signed in through the
    sign-in form and sent on to `path`. Confirmation dialogs are accepted. A script error on any page fails
    the test when the block ends."""

    @contextlib.contextmanager
    def open_as(username: str, path: str = "/") -> Iterator:
        script_errors: list[str] = []
        with playwright_maker()() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            try:
                page = browser.new_page(viewport=VIEWPORT, reduced_motion="reduce")  # charts drawn at once
                page.on("dialog", lambda dialog: dialog.accept())
                page.on("pageerror", lambda error: script_errors.append(str(error)))
                page.goto(f"{live_server.url}{reverse('login')}?{urlencode({'next': path})}")
                page.fill("#id_username", username)
                page.fill("#id_password", PASSWORD)
                with page.expect_navigation():
                    page.click("button[type=submit]")
                yield page
            finally:
                browser.close()
        assert script_errors == [], script_errors

    return open_as


def screenshot(page, name: str) -> Path:
    """The whole page as docs/screenshots/<name>.png, for the user guide."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
