"""A customer's or supplier's own login reads and writes its own records only, asserted over the whole URL conf.

A partner login is a user with the partner role and a core.PartnerUser link to its partner. The partner role
holds no model permission (a model permission is not scoped to a partner), so every staff endpoint and
page refuses it; the portal endpoints (viewsets using core.api.portal.PartnerScopedMixin) serve it, each
filtered to its partner through the viewset's `partner_field`. Every URL of /api/v1/ is walked:

- outside the portal: 403 for GET and POST (405 where the method does not exist), for a customer's and a
  supplier's login, and for a partner-role login without a link;
- in the portal: the lists show the caller's records only (and do show them: every portal model has
  records of two partners of its kind, made in tests/core/partner_fixtures.py, else this test fails);
  another partner's record is a 404 on its detail, on every command (POST) of it and on any write, and
  stays as it was; staff logins, the other portal's partners and unlinked partner logins get 403.
"""

import copy
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import APIRootView
from rest_framework.test import APIClient

from core.api.errors import not_found
from core.api.portal import PartnerScopedMixin
from core.api.tokens import ApiTokenViewSet
from core.api.views import TokenView
from core.roles import Role
from core.services.roles import model_access
from srm.services import sourcing
from tests.conftest import records_for_module
from tests.core.partner_fixtures import (
    PORTAL_CREATES,
    PORTAL_RECORDS,
    PortalWorld,
    partner_make,
    portal_login,
    portal_world,
)
from tests.core.partner_fixtures import token_client as token_client_of

API = "/api/v1/"
# Views a partner's login reaches outside the portal, none of which shows a record: the token exchange
# (how a partner system signs in), the OpenAPI schema and its Swagger UI (the portal's documentation), and
# the routers' API roots (the URLs of an app's endpoints).
DOCUMENTATION_VIEWS = (TokenView, SpectacularAPIView, SpectacularSwaggerView, APIRootView)
# Views of the caller's own records, whoever the caller is: a login's API tokens. A partner's login manages
# its own there and sees no other login's (tests/core/test_tokens.py).
OWN_RECORD_VIEWS = (ApiTokenViewSet,)
WRITE_METHODS = ("put", "patch", "delete")


# --- Every endpoint under /api/v1/, from the URL conf ---------------------------------------------------------

GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
CONVERTER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")
PLACEHOLDER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Endpoint:
    route: str  # "/api/v1/srm/portal/asns/{pk}/": a placeholder per URL parameter
    name: str
    callback: object

    @property
    def view(self) -> type | None:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def actions(self) -> dict[str, str]:
        """{method: viewset action} of a viewset route; {method: method} of a plain view."""
        actions = getattr(self.callback, "actions", None)
        if actions is not None:
            return dict(actions)
        view = self.view
        return {m: m for m in ("get", "post", "put", "patch", "delete") if view is not None and hasattr(view, m)}

    @property
    def parameters(self) -> list[str]:
        return PLACEHOLDER.findall(self.route)

    @property
    def is_portal(self) -> bool:
        return self.view is not None and issubclass(self.view, PartnerScopedMixin)

    def url(self, **values) -> str:
        return PLACEHOLDER.sub(lambda m: str(values.get(m[1], "1")), self.route)

    def __str__(self) -> str:
        return self.route


def _template(pattern) -> str | None:
    """A route with {name} placeholders, or None for the format-suffix variants (they repeat a route)."""
    route = getattr(pattern, "_route", None)
    if route is not None:
        route = CONVERTER.sub(lambda m: "{" + m["name"] + "}", route)
    else:
        regex = pattern.regex.pattern.removeprefix("^").removesuffix("$")
        route = GROUP.sub(lambda m: "{" + m["name"] + "}", regex).replace("\\.", ".")
    if "{format}" in route:
        return None
    assert not re.search(r"[()\[\]?*+^$\\]", route), f"cannot read the route {pattern}"
    return route


def _walk(patterns, prefix: str = "/"):
    for entry in patterns:
        route = _template(entry.pattern)
        if route is None:
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield Endpoint(route=prefix + route, name=entry.name or "", callback=entry.callback)


@cache
def api_endpoints() -> tuple[Endpoint, ...]:
    """Every route under /api/v1/ but the catch-all (which answers unknown URLs with a 404)."""
    endpoints = {e.route: e for e in _walk(get_resolver().url_patterns) if e.route.startswith(API)}
    return tuple(e for _route, e in sorted(endpoints.items()) if e.callback is not not_found)


def staff_endpoints() -> list[Endpoint]:
    outside = DOCUMENTATION_VIEWS + OWN_RECORD_VIEWS
    return [e for e in api_endpoints() if not e.is_portal and not issubclass(e.view or object, outside)]


def portal_endpoints() -> list[Endpoint]:
    return [e for e in api_endpoints() if e.is_portal]


def portal_viewsets() -> list[type]:
    return sorted({e.view for e in portal_endpoints()}, key=lambda view: view.__name__)


def model_label(viewset: type) -> str:
    assert getattr(viewset, "queryset", None) is not None, f"{viewset.__name__}: the test reads the model of `queryset`"
    return viewset.queryset.model._meta.label_lower


def routes_of(viewset: type) -> list[Endpoint]:
    return [e for e in portal_endpoints() if e.view is viewset]


def call(api: APIClient, method: str, url: str):
    """A request with an empty body for the writing methods."""
    if method in ("get", "head", "options"):
        return getattr(api, method)(url)
    return getattr(api, method)(url, {}, format="json")


# --- Logins ---------------------------------------------------------------------------------------------------


def partner_role_user(username: str):
    user = get_user_model().objects.create_user(username=username, password="pw-Takt-2026")
    user.groups.add(Group.objects.get(name=Role.PARTNER))
    return user


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[PortalWorld]:
    # Made once for the module (a few seconds of orders, quotes, receipts and invoices): see records_for_module.
    with records_for_module(django_db_blocker):
        yield portal_world()


@pytest.fixture
def world(module_world, db) -> PortalWorld:
    # A copy of the records for each test; the API clients (a token each, no state) are shared.
    return copy.deepcopy(module_world, memo={id(module_world.clients): module_world.clients})


@pytest.fixture
def outsiders(api_as) -> dict[str, APIClient]:
    """Who a portal refuses: staff (even the admin, who holds every permission) and an unlinked partner login."""
    return {
        "admin": api_as(Role.ADMIN),
        "sales": api_as(Role.SALES),
        "buyer": api_as(Role.BUYER),
        "partner role without a link": token_client_of(partner_role_user("unlinked")),
    }


# --- The walk finds what it should ---------------------------------------------------------------------------


def test_the_walk_finds_both_portals_and_the_staff_endpoints():
    kinds = {viewset.portal_kind for viewset in portal_viewsets()}
    assert kinds == {"customer", "supplier"}, kinds
    assert any(e.route == "/api/v1/erp/sales-orders/" for e in staff_endpoints())
    for viewset in portal_viewsets():
        assert viewset.partner_field, viewset
        assert any(not e.parameters and e.actions.get("get") == "list" for e in routes_of(viewset)), viewset


def test_every_portal_resource_has_records_of_two_partners_in_the_fixture():
    missing = [
        f"{viewset.__name__}: ({viewset.portal_kind!r}, {model_label(viewset)!r})"
        for viewset in portal_viewsets()
        if (viewset.portal_kind, model_label(viewset)) not in PORTAL_RECORDS
    ]
    assert missing == [], "add a factory of these records to tests/core/partner_fixtures.py: " + ", ".join(missing)


@pytest.mark.django_db
def test_the_partner_role_holds_no_permission_at_all():
    # A model permission is not scoped to a partner: any one would open every partner's records of it.
    assert [label for label, rule in model_access().items() if Role.PARTNER in rule.view] == []
    assert list(Group.objects.get(name=Role.PARTNER).permissions.values_list("codename", flat=True)) == []


# --- Outside the portal: 403 ------------------------------------------------------------------------------------


def refused(response, method: str, endpoint: Endpoint) -> bool:
    if response.status_code == 405:
        return method not in endpoint.actions
    return response.status_code == 403


def app_of(url: str) -> str:
    """The app a URL belongs to (its first segment under /api/v1/, else under /), to group the checks."""
    return url.removeprefix(API).strip("/").split("/")[0] or "home"


STAFF_ENDPOINTS_BY_APP: dict[str, list[Endpoint]] = {}
for _endpoint in staff_endpoints():
    STAFF_ENDPOINTS_BY_APP.setdefault(app_of(_endpoint.route), []).append(_endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize("app", sorted(STAFF_ENDPOINTS_BY_APP))
def test_staff_endpoints_refuse_partner_logins(app, world):
    logins = {
        "customer": world.clients[world.partners["customer"][0].pk],
        "supplier": world.clients[world.partners["supplier"][0].pk],
        "partner role without a link": token_client_of(partner_role_user("unlinked")),
    }
    answered = []
    for endpoint in STAFF_ENDPOINTS_BY_APP[app]:
        url = endpoint.url()
        for who, api in logins.items():
            for method in ("get", "post"):
                response = call(api, method, url)
                if not refused(response, method, endpoint):
                    answered.append((who, method.upper(), url, response.status_code))
    assert answered == []


@pytest.mark.django_db
def test_unknown_api_addresses_are_404_for_partner_logins(world):
    api = world.clients[world.partners["customer"][0].pk]
    for url in ("/api/v1/no-such-thing/", "/api/v1/crm/portal/no-such-thing/"):
        assert api.get(url).status_code == 404, url
        assert api.post(url, {}, format="json").status_code == 404, url


@pytest.mark.django_db
def test_partner_logins_get_a_token_and_read_the_documentation_only(world):
    customer = world.partners["customer"][0]
    user = customer.users.get().user
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": "pw-Takt-2026"})
    assert response.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/crm/portal/orders/").status_code == 200
    assert api.get("/api/v1/erp/sales-orders/").status_code == 403
    assert api.get("/api/v1/schema/").status_code == 200
    roots = [e for e in api_endpoints() if e.view is APIRootView]
    assert roots
    for root in roots:
        body = api.get(root.url(), HTTP_ACCEPT="application/json").json()
        assert all(isinstance(link, str) and link.startswith("http") for link in body.values()), root


# --- The portal ---------------------------------------------------------------------------------------------


def rows(api: APIClient, url: str) -> list[dict]:
    """Every row of a portal list, page after page."""
    found: list[dict] = []
    while url:
        response = api.get(url, {"page_size": 500} if "?" not in url else None)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        page = body["results"] if isinstance(body, dict) and "results" in body else body
        found += page
        url = body.get("next") if isinstance(body, dict) else None
    return found


def listed_ids(api: APIClient, viewset: type) -> set[int]:
    ids: set[int] = set()
    for endpoint in routes_of(viewset):
        if endpoint.parameters or endpoint.actions.get("get") != "list":
            continue
        for row in rows(api, endpoint.url()):
            assert "id" in row, f"{endpoint}: portal rows carry their id (the detail URL's)"
            ids.add(row["id"])
    return ids


def snapshot(model, pks) -> dict:
    """The stored values of some records, to tell whether anything wrote to them."""
    return {
        obj.pk: {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        for obj in model._default_manager.filter(pk__in=pks)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", portal_viewsets(), ids=lambda v: v.__name__)
def test_a_portal_lists_only_the_callers_records(world, viewset):
    kind, label = viewset.portal_kind, model_label(viewset)
    model = viewset.queryset.model
    assert (kind, label) in PORTAL_RECORDS, "see test_every_portal_resource_has_records_of_two_partners_in_the_fixture"
    for me, other in (world.partners[kind], reversed(world.partners[kind])):
        listed = listed_ids(world.clients[me.pk], viewset)
        mine = {record.pk for record in world.owned(kind, label, me)}
        theirs = {record.pk for record in world.owned(kind, label, other)}
        assert listed & mine, f"{viewset.__name__} lists none of {me.code}'s records: the fixture proves nothing"
        assert not listed & theirs, f"{viewset.__name__} shows {other.code}'s records to {me.code}"
        strangers = model._default_manager.filter(pk__in=listed).exclude(**{viewset.partner_field: me})
        assert list(strangers.values_list("pk", flat=True)) == [], f"{viewset.__name__} leaks to {me.code}"


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", portal_viewsets(), ids=lambda v: v.__name__)
def test_another_partners_record_is_404_on_every_detail_route_and_stays_as_it_was(world, viewset):
    kind, label = viewset.portal_kind, model_label(viewset)
    model = viewset.queryset.model
    lookup = viewset.lookup_url_kwarg or viewset.lookup_field
    detail_routes = [e for e in routes_of(viewset) if lookup in e.parameters]
    assert detail_routes, f"{viewset.__name__} has no detail route"
    for me, other in (world.partners[kind], reversed(world.partners[kind])):
        api = world.clients[me.pk]
        # Records the other partner sees of its own, and one of mine that I see.
        theirs = listed_ids(world.clients[other.pk], viewset) & {r.pk for r in world.owned(kind, label, other)}
        mine = listed_ids(api, viewset) & {r.pk for r in world.owned(kind, label, me)}
        assert theirs and mine
        before = snapshot(model, theirs)
        count = model._default_manager.count()
        for endpoint in detail_routes:
            own_url = endpoint.url(**{lookup: min(mine)})
            if endpoint.actions.get("get"):
                assert api.get(own_url).status_code == 200, own_url
            for pk in theirs:
                url = endpoint.url(**{lookup: pk})
                for method in endpoint.actions:
                    response = call(api, method, url)
                    assert response.status_code == 404, (me.code, method.upper(), url, response.status_code)
                for method in WRITE_METHODS:
                    if method not in endpoint.actions:
                        assert call(api, method, url).status_code in (404, 405), (me.code, method.upper(), url)
        assert snapshot(model, theirs) == before, f"{me.code} changed {other.code}'s records"
        assert model._default_manager.count() == count


def create_route(viewset: type) -> Endpoint | None:
    return next((e for e in routes_of(viewset) if not e.parameters and "post" in e.actions), None)


def test_every_portal_create_has_a_body_naming_a_partners_records_in_the_fixture():
    missing = [
        f"{viewset.__name__}: ({viewset.portal_kind!r}, {model_label(viewset)!r})"
        for viewset in portal_viewsets()
        if create_route(viewset) and (viewset.portal_kind, model_label(viewset)) not in PORTAL_CREATES
    ]
    assert missing == [], "add a body to PORTAL_CREATES in tests/core/partner_fixtures.py: " + ", ".join(missing)


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", [v for v in portal_viewsets() if create_route(v)], ids=lambda v: v.__name__)
def test_a_portal_creates_on_the_callers_records_only(world, viewset):
    kind, label = viewset.portal_kind, model_label(viewset)
    model, url = viewset.queryset.model, create_route(viewset).url()
    body_naming = PORTAL_CREATES[(kind, label)]
    for me, other in (world.partners[kind], reversed(world.partners[kind])):
        api = world.clients[me.pk]
        count = model._default_manager.count()
        foreign = api.post(url, body_naming(world, other), format="json")
        assert foreign.status_code == 400, (me.code, url, foreign.status_code, foreign.content[:300])
        # Another partner's record is named as one that does not exist: the refusal confirms nothing.
        assert "does_not_exist" in {error["code"] for error in foreign.json()["errors"]}, foreign.json()
        assert model._default_manager.count() == count, f"{me.code} wrote onto {other.code}'s records"
        empty = api.post(url, {}, format="json")
        assert empty.status_code == 400 and model._default_manager.count() == count, (url, empty.status_code)
        # The same body naming my own records is fine: the refusal above was for the other's records only.
        own = api.post(url, body_naming(world, me), format="json")
        assert own.status_code == 201, (me.code, url, own.status_code, own.content[:300])
        created = model._default_manager.get(pk=own.json()["id"])
        assert model._default_manager.filter(pk=created.pk, **{viewset.partner_field: me}).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", portal_viewsets(), ids=lambda v: v.__name__)
def test_a_portal_refuses_staff_the_other_portals_partners_and_unlinked_logins(world, outsiders, viewset):
    kind, label = viewset.portal_kind, model_label(viewset)
    other_kind = "supplier" if kind == "customer" else "customer"
    refused_logins = {**outsiders, **{p.code: world.clients[p.pk] for p in world.partners[other_kind]}}
    record = world.owned(kind, label, world.partners[kind][0])[0]
    lookup = viewset.lookup_url_kwarg or viewset.lookup_field
    for endpoint in routes_of(viewset):
        url = endpoint.url(**{lookup: record.pk})
        for who, api in refused_logins.items():
            for method in endpoint.actions:
                response = call(api, method, url)
                assert response.status_code == 403, (who, method.upper(), url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", portal_viewsets(), ids=lambda v: v.__name__)
def test_a_portal_refuses_the_logins_of_an_inactive_partner(world, viewset):
    partner = world.partners[viewset.portal_kind][0]
    partner.active = False
    partner.save(update_fields=["active"])
    for endpoint in routes_of(viewset):
        if not endpoint.parameters and "get" in endpoint.actions:
            assert world.clients[partner.pk].get(endpoint.url()).status_code == 403, endpoint


@pytest.mark.django_db
def test_a_partner_that_is_customer_and_supplier_sees_both_portals_its_own_records_only(world, make_user):
    both = partner_make("B-BOTH", "both", world.base)
    made = {key: factory(world.base, both) for key, factory in PORTAL_RECORDS.items()}
    api = portal_login(both)
    for viewset in portal_viewsets():
        key = (viewset.portal_kind, model_label(viewset))
        listed = listed_ids(api, viewset)
        assert listed & {r.pk for r in made[key]}, viewset.__name__
        others = {r.pk for pair in world.records[key].values() for r in pair}
        assert not listed & others, viewset.__name__


@pytest.mark.django_db
def test_an_rfq_sent_to_two_suppliers_shows_each_only_its_own_quote(world):
    # An RFQ is shared by the suppliers invited to it: each sees it, but never who else was asked nor their quotes.
    one, two = world.partners["supplier"]
    rfq = sourcing.rfq_create(
        title="Cables",
        respond_by=timezone.localdate() + datetime.timedelta(days=5),
        lines=[{"item": world.base.items[1], "quantity": Decimal(100)}],
    )
    sourcing.rfq_invite(rfq=rfq, suppliers=[one, two])
    sourcing.rfq_send(rfq=rfq)
    for supplier, price in ((one, "9.10"), (two, "8.70")):
        sourcing.supplier_quote_submit(
            rfq=rfq,
            supplier=supplier,
            reference=f"{supplier.code}-Q",
            lines=[{"rfq_line": rfq.lines.get(), "unit_price": Decimal(price), "lead_time_days": 5}],
        )
    for me, other in ((one, two), (two, one)):
        body = world.clients[me.pk].get(f"/api/v1/srm/portal/rfqs/{rfq.pk}/")
        assert body.status_code == 200
        text = body.content.decode()
        assert f"{me.code}-Q" in text and f"{other.code}-Q" not in text and other.code not in text
