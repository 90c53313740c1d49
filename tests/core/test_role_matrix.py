"""Who may open and write what, asserted for every role and anonymous over every URL of the project.

The URL conf is walked (pages, the API under /api/v1/, the admin: tests/core/role_matrix.py) and every route
needs a rule saying which roles may open it, and every write method of an API route (POST, PUT, PATCH,
DELETE, as its viewset or view answers them) a write rule; a new URL or write without one fails
`test_every_url_has_a_rule`. Then, over the demo company (and `extra_records()`), each role (a login holding
that role only) and anonymous open every URL with real records in its parameters, and the answer must match
the rule (tests/core/role_matrix_requests.py):

- allowed: 200, a redirect to a page other than a sign-in page, or for a POST-only page (405 to a GET) the
  POST of an empty form answered with 200, 302 or 400. On the API a GET asks the model's view permission
  (core/api/permissions.py), so a GET of a POST-only action answers 405 to who may view the model;
- refused: 403 (a page's button refused with "Your role cannot do this." counts too: that login may see the
  record, not press the button), the sign-in page for anonymous (401/403 on the API), or a 404 where the
  rule `hides` what the login may not see (another login's token, a certificate's document).

Each API write is sent with an empty JSON body: refused is a 403 (401 to anonymous), allowed any answer but
401, 403, 404 or a server error (a 400 naming the missing fields passed the permission check). For a record
that does not exist, every staff role gets a 403 where its rule refuses it and a 404 where it allows it (or an
answer given before the lookup: ANSWERED_BEFORE_THE_LOOKUP): the permission is checked before anything is
looked up. A partner's login gets a 403 from every staff URL for a
missing record, for any body (`test_a_missing_record_is_refused_to_a_partner_not_reported`).

Every request runs in a savepoint rolled back at once, so a command that went through changes nothing for
the next URL. A partner's login (the partner role, linked to a customer) is refused everywhere but the
public URLs and the home page; its portal endpoints are asserted in test_partner_scoping.py. The admin site
admits staff accounts only (`test_the_admin_site_admits_no_role`).

The roles' tests are shared out over this module and test_role_matrix_office.py, test_role_matrix_floor.py:
the test workers share out whole files. One test per role and check, each collecting every wrong answer
into one message.
"""

import uuid

import pytest
from django.db import transaction

from core.roles import Role
from tests.core.role_matrix import routes, rule_of, write_rule_of, writes_of
from tests.core.role_matrix_requests import (  # noqa: F401 (matrix_world, quiet_refusals: fixtures)
    MissingRecordMatrix,
    extra_records,
    login,
    matrix_world,
    missing_url_of,
    parametrize_roles,
    partner_skips,
    quiet_refusals,
    role_id,
    site_routes,
    url_of,
)

# What bench/page_crawl.py imports from here.
__all__ = ["extra_records", "login", "url_of"]


def pytest_generate_tests(metafunc):
    parametrize_roles(metafunc, (None, Role.ADMIN, Role.PARTNER))


class TestRoleMatrix(MissingRecordMatrix):
    pass


def test_every_url_has_a_rule():
    uncovered = [f"{route.name}  {route.template}" for route in routes() if rule_of(route) is None]
    uncovered += [
        f"{method} {route.name}  {route.template}"
        for route in routes()
        for method in writes_of(route)
        if write_rule_of(route, method) is None
    ]
    assert uncovered == [], "add a rule to RULES or WRITE_RULES in tests/core/role_matrix.py for:\n" + "\n".join(
        uncovered
    )


@pytest.mark.usefixtures("matrix_world", "quiet_refusals")
def test_a_missing_record_is_refused_to_a_partner_not_reported(db):
    """A partner's login gets a 403 from every staff URL for a record that does not exist too, for GET and
    for a POST of any body: a 404 (or a form's errors) would tell it whether the record exists."""
    role = Role.PARTNER
    client = login(role)
    told = []
    for route in site_routes():
        rule = rule_of(route)
        if not route.parameters or rule.allows(role) or rule.hides or partner_skips(route, role):
            continue
        url = missing_url_of(route)
        with transaction.atomic():
            answers = [client.get(url).status_code, client.post(url, {"quantity": "x"}).status_code]
            transaction.set_rollback(True)
        if answers != [403, 403] and not (route.is_api and answers[1] in (403, 405)):
            told.append(f"{route.name} {url}: GET {answers[0]}, POST {answers[1]}")
    assert told == [], f"{len(told)} URLs tell {role_id(role)} more than a 403:\n" + "\n".join(told)


@pytest.mark.usefixtures("matrix_world", "quiet_refusals")
@pytest.mark.parametrize("admin_site_role", [None, Role.ADMIN], ids=role_id)
def test_the_admin_site_admits_no_role(db, admin_site_role):
    """The admin site admits staff accounts (is_staff) only: not the admin role, which holds every
    permission (so every other role is refused too), and not anonymous users."""
    client = login(admin_site_role)
    admitted = []
    for route in routes():
        if not route.is_admin or rule_of(route).public:
            continue
        values = {p: (uuid.UUID(int=1) if p == "uuid" else 1) for p in route.parameters}
        response = client.get(route.url(**values))
        if not (response.status_code == 302 and response["Location"].startswith("/admin/login/")):
            admitted.append(f"{route.name}: {response.status_code}")
    assert admitted == []
