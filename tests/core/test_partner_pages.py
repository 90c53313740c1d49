"""A customer's or supplier's own login sees no staff page linked from its home page. That every staff page
and endpoint refuses it (403, also for records that do not exist) is asserted over the whole URL conf by
tests/core/test_role_matrix.py; its own records through the portal by test_partner_scoping.py."""

import pytest

from core.models import PartnerUser
from core.roles import Role
from tests.core.partner_fixtures import partner_make, portal_base
from tests.urls import all_urls

# Pages a partner login may open: signing in and out, the language switch, the health checks, the home
# page (which shows it no record) and its own two-factor settings.
OPEN_TO_PARTNERS = {
    "/",
    "/accounts/two-factor/",
    "/accounts/login/",
    "/accounts/logout/",
    "/i18n/setlang/",
    "/health/live",
    "/health/ready",
}
STAFF_PAGES = [(name, url) for name, url in all_urls() if not url.startswith("/api/") and url not in OPEN_TO_PARTNERS]


@pytest.mark.django_db
def test_a_partner_logins_home_page_links_to_no_staff_page(client, make_user):
    user = make_user(Role.PARTNER)
    PartnerUser.objects.create(user=user, partner=partner_make("C-ONE", "customer", portal_base()))
    client.force_login(user)
    html = client.get("/").content.decode()
    linked = [url for _name, url in STAFF_PAGES if f'href="{url}"' in html]
    assert linked == []
