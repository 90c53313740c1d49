"""Every web page but a handful refuses a customer's or supplier's own login (see test_partner_scoping.py for
the API). The walk runs over an empty database: a command or line URL of a record that does not exist is a
404 to anyone."""

import pytest
from django.contrib.messages import get_messages

from core.models import DomainEvent, PartnerUser
from core.roles import Role
from tests.core.partner_fixtures import partner_make, portal_base
from tests.core.test_partner_scoping import app_of
from tests.urls import all_urls


def _customer_login(make_user):
    user = make_user(Role.PARTNER)
    PartnerUser.objects.create(user=user, partner=partner_make("C-ONE", "customer", portal_base()))
    return user


# --- Web pages ------------------------------------------------------------------------------------------------

# Pages a partner login may open: signing in and out, the language switch, the health checks, and the home
# page (which shows it no record: see the test below).
OPEN_TO_PARTNERS = {
    "/",
    "/accounts/login/",
    "/accounts/logout/",
    "/i18n/setlang/",
    "/health/live",
    "/health/ready",
}
# A download answers 404, not 403, to who may not see it (no page reveals that the file exists).
DOWNLOADS_THAT_HIDE = {"srm:certificate_document"}
STAFF_PAGES = [(name, url) for name, url in all_urls() if not url.startswith("/api/") and url not in OPEN_TO_PARTNERS]
STAFF_PAGES_BY_APP: dict[str, list[tuple[str, str]]] = {}
for _name, _url in STAFF_PAGES:
    STAFF_PAGES_BY_APP.setdefault(app_of(_url), []).append((_name, _url))


def page_refuses(client, name: str, url: str) -> bool:
    """GET is a 403. A POST-only URL (a command button's) refuses the POST: a 403, or the page it came from
    with "Your role cannot do this.", or a 404 when the URL names a record (the sample one does not exist)."""
    response = client.get(url)
    if name in DOWNLOADS_THAT_HIDE:
        return response.status_code == 404
    if response.status_code != 405:
        return response.status_code == 403
    response = client.post(url, {})
    if response.status_code == 302:
        return [str(m) for m in get_messages(response.wsgi_request)] == ["Your role cannot do this."]
    return response.status_code == 403 or (response.status_code == 404 and "/1/" in url)


@pytest.mark.django_db
@pytest.mark.parametrize("app", sorted(STAFF_PAGES_BY_APP))
def test_every_staff_page_refuses_a_partner_login(client, make_user, app):
    client.force_login(_customer_login(make_user))
    events = DomainEvent.objects.count()
    opened = [url for name, url in STAFF_PAGES_BY_APP[app] if not page_refuses(client, name, url)]
    assert opened == []
    assert DomainEvent.objects.count() == events  # no refused command wrote anything


@pytest.mark.django_db
def test_a_partner_logins_home_page_links_to_no_staff_page(client, make_user):
    client.force_login(_customer_login(make_user))
    html = client.get("/").content.decode()
    linked = [url for _name, url in STAFF_PAGES if f'href="{url}"' in html]
    assert linked == []
