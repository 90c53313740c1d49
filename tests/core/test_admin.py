import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from core.roles import Role

TAKT_MODELS = [m for app in settings.TAKT_APPS for m in apps.get_app_config(app).get_models()]


def test_every_takt_model_is_in_the_admin_console():
    assert [m._meta.label for m in TAKT_MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", TAKT_MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_render_for_the_admin_role(client, make_user, model):
    client.force_login(make_user(Role.ADMIN, is_staff=True, is_superuser=True))
    meta = model._meta
    assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    assert add.status_code in (200, 403)  # 403: read-only records (events, runs) cannot be added by hand


@pytest.mark.django_db
def test_a_non_admin_role_cannot_open_the_admin_console(client_as):
    response = client_as(Role.FINANCE).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
