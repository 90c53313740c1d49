"""Who may reach what: anonymous users nowhere, roles only where MODEL_ACCESS lets them."""

import pytest
from django.apps import apps
from django.conf import settings

from core.roles import Role
from core.services.roles import model_access


def test_every_model_of_every_takt_app_has_an_access_rule():
    rules = model_access()
    models = [m._meta.label_lower for app in settings.TAKT_APPS for m in apps.get_app_config(app).get_models()]
    assert [label for label in models if label not in rules] == []


# Anonymous users on every URL, and each role on every URL: tests/core/test_role_matrix.py.


@pytest.mark.django_db
def test_the_admin_console_sends_anonymous_users_to_its_login(client):
    response = client.get("/admin/core/item/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


FINANCE_PAGES = ["/core/currencies/", "/core/exchange-rates/", "/core/exchange-rates/add/"]
FINANCE_APIS = ["/api/v1/core/exchange-rates/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", FINANCE_PAGES)
def test_an_operator_cannot_reach_finance_pages(client_as, url):
    assert client_as(Role.OPERATOR).get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url", FINANCE_APIS)
def test_an_operator_cannot_reach_finance_apis(api_as, url):
    api = api_as(Role.OPERATOR)
    assert api.get(url).status_code == 403
    payload = {"currency": "EUR", "valid_from": "2026-01-01", "rate": "7.9"}
    assert api.post(url, payload, format="json").status_code == 403


@pytest.mark.django_db
def test_finance_can_reach_and_change_exchange_rates(client_as, api_as):
    assert client_as(Role.FINANCE).get("/core/exchange-rates/add/").status_code == 200
    created = api_as(Role.FINANCE).post(
        "/api/v1/core/exchange-rates/", {"currency": "EUR", "valid_from": "2026-01-01", "rate": "7.9"}, format="json"
    )
    assert created.status_code == 201, created.content


@pytest.mark.django_db
def test_menus_show_only_what_the_role_may_open(client_as):
    operator_home = client_as(Role.OPERATOR).get("/").content.decode()
    assert "/core/items/" in operator_home and "/core/currencies/" not in operator_home


@pytest.mark.django_db
def test_roles_sync_puts_back_a_changed_group_and_audits_it_but_not_a_group_it_creates():
    from auditlog.models import LogEntry
    from django.contrib.auth.models import Group

    from core.services.roles import roles_sync

    group = Group.objects.get(name=Role.SALES)
    rights = set(group.permissions.values_list("pk", flat=True))
    group.permissions.clear()
    Group.objects.get(name=Role.BUYER).delete()
    last = LogEntry.objects.order_by("pk").last()
    counts = roles_sync()
    assert set(Group.objects.get(name=Role.SALES).permissions.values_list("pk", flat=True)) == rights
    assert Group.objects.get(name=Role.BUYER).permissions.count() == counts[Role.BUYER] > 0
    since = LogEntry.objects.filter(pk__gt=last.pk if last else 0)
    # The new buyer group's creation is audited, its hundreds of rights are not; the put-back sales rights are.
    assert sorted(entry.object_repr for entry in since if "permissions" in entry.changes_dict) == [str(Role.SALES)]
    assert since.filter(object_repr=str(Role.BUYER), action=LogEntry.Action.CREATE).exists()
