"""Global search from the top bar: the registry, ranking, who sees what, its query bound and the htmx dropdown."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.choices import Tracking
from core.models import Item, Partner, PartnerUser, Unit
from core.roles import Role
from core.search import kind_matches, kinds_for, search, search_kinds
from tests.conftest import user_with_role
from wms.models import Lot

pytestmark = pytest.mark.django_db

URL = "/core/search/"


def item(code: str, name: str = "Part", **fields) -> Item:
    return Item.objects.create(code=code, name=name, uom=Unit.objects.get(code="ea"), **fields)


def test_each_app_registers_its_kinds_and_each_kind_is_a_valid_query_with_a_detail_page():
    keys = {kind.key for kind in search_kinds()}
    assert {
        "items",
        "partners",
        "sales_orders",
        "purchase_orders",
        "production_orders",
        "quotes",
        "opportunities",
        "service_cases",
        "lots",
        "serials",
        "receipts",
        "shipments",
        "change_orders",
        "bom_revisions",
    } <= keys
    for kind in search_kinds():
        # Field names, `where` and ordering are checked by running the query; the permission must exist.
        assert kind_matches(kind, "anything", 5) == []
        app_label, codename = kind.required_permission.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), kind.key
        meta = kind.model_class._meta
        reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[1])


def test_exact_code_ranks_before_prefix_before_contains():
    item("XKT-200", "Sleeve of a KT-200")
    item("KT-2000", "Big kettle")
    item("KT-200", "Kettle")
    item("TS-1", "Toaster for kt-200 owners")
    item("TS-2", "Toaster")
    hits = found_by(_user(Role.ADMIN), "kt-200")["items"]
    titles = [hit.title for hit in hits]
    assert titles[:2] == ["KT-200 Kettle", "KT-2000 Big kettle"]
    assert [hit.rank for hit in hits] == [0, 1, 2, 2]
    assert set(titles[2:]) == {"XKT-200 Sleeve of a KT-200", "TS-1 Toaster for kt-200 owners"}
    assert hits[0].url == reverse("core:item_detail", args=[Item.objects.get(code="KT-200").pk])


def test_every_word_must_match_some_field():
    item("KT-200", "Kettle white")
    item("KT-300", "Kettle black")
    hits = found_by(_user(Role.ADMIN), "kettle  BLACK")["items"]
    assert [hit.title for hit in hits] == ["KT-300 Kettle black"]


def test_lots_and_serial_numbers_are_told_apart():
    kettle = item("KT-200", "Kettle", tracking=Tracking.SERIAL)
    powder = item("PW-1", "Powder coat", tracking=Tracking.LOT)
    Lot.objects.create(item=kettle, code="SN-0042")
    Lot.objects.create(item=powder, code="L-0042")
    found = found_by(_user(Role.ADMIN), "0042")
    assert [hit.title for hit in found["serials"]] == ["KT-200 SN-0042"]
    assert [hit.title for hit in found["lots"]] == ["PW-1 L-0042"]


def test_a_user_searches_only_the_kinds_they_may_view():
    item("ACME-1", "Acme bracket")
    Partner.objects.create(code="ACME", name="Acme Ltd", kind="supplier")
    operator = _user(Role.OPERATOR)  # sees items, not partners nor orders
    assert not operator.has_perm("core.view_partner")
    assert {kind.key for kind in kinds_for(operator)} >= {"items"}
    assert "partners" not in {kind.key for kind in kinds_for(operator)}
    assert [kind.key for kind, _ in search(operator, "acme")] == ["items"]

    buyer_found = [kind.key for kind, _ in search(_user(Role.BUYER), "acme")]
    assert "partners" in buyer_found


def test_a_partner_login_has_no_search_box_and_is_refused_the_search(client):
    partner = Partner.objects.create(code="C-ONE", name="Customer One", kind="customer")
    Partner.objects.create(code="C-TWO", name="Customer Two", kind="customer")
    login = _user(Role.PARTNER)
    PartnerUser.objects.create(user=login, partner=partner)
    client.force_login(login)
    assert client.get(URL, {"q": "customer"}).status_code == 403
    assert 'role="search"' not in client.get("/").content.decode()
    assert kinds_for(login) == []


def test_staff_get_the_search_box(client_as):
    assert 'role="search"' in client_as(Role.PLANNER).get("/").content.decode()


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(URL, {"q": "kettle"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_results_page_groups_hits_by_kind_and_links_each_to_its_page(client_as):
    kettle = item("KT-200", "Kettle")
    partner = Partner.objects.create(code="KT-CUST", name="Kettle World", kind="customer")
    html = client_as(Role.SALES).get(URL, {"q": "kt"}).content.decode()
    assert 'data-kind="items"' in html and 'data-kind="partners"' in html
    assert f'href="{kettle.get_absolute_url()}"' in html and f'href="{partner.get_absolute_url()}"' in html


def test_a_query_too_short_or_matching_nothing_says_so(client_as):
    client = client_as(Role.PLANNER)
    assert "at least 2 characters" in client.get(URL, {"q": "k"}).content.decode()
    assert "Nothing found" in client.get(URL, {"q": "no such thing"}).content.decode()


def test_search_is_one_query_per_kind_however_many_records_match(client_as, django_assert_max_num_queries):
    for n in range(40):
        item(f"KT-{n:03d}", f"Kettle {n}", tracking=Tracking.SERIAL)
        Partner.objects.create(code=f"KT-P{n:03d}", name=f"Kettle shop {n}", kind="customer")
    Lot.objects.bulk_create(Lot(item=i, code=f"KT-SN-{i.pk}") for i in Item.objects.all())
    client = client_as(Role.ADMIN)
    kinds = len(search_kinds())
    client.get("/")  # the session, as any later request finds it
    # Session, user, the permissions (2), the partner-login check, then one query per kind.
    with django_assert_max_num_queries(kinds + 5):
        response = client.get(URL, {"q": "kt"})
    assert response.status_code == 200
    assert response.content.decode().count('class="list-group-item list-group-item-action"') == 3 * 10


def test_htmx_typing_gets_the_dropdown_of_top_hits_only(client_as):
    for n in range(5):
        item(f"KT-{n:03d}", f"Kettle {n}")
    response = client_as(Role.PLANNER).get(URL, {"q": "KT-"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-hits")
    html = response.content.decode()
    assert html.startswith('<div id="search-hits"') and "<nav" not in html and " show" in html
    assert html.count('class="dropdown-item"') == 3  # the top three hits
    assert 'href="/core/search/?q=KT-">All results' in html
    assert "HX-Target" in response["Vary"]

    empty = client_as(Role.PLANNER).get(URL, {"q": ""}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-hits")
    assert " show" not in empty.content.decode() and "dropdown-item" not in empty.content.decode()


def found_by(user, query: str) -> dict[str, list]:
    return {kind.key: hits for kind, hits in search(user, query)}


def _user(role: Role):
    return user_with_role(role, f"{role}-searcher")
