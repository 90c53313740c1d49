"""Every core screen renders over the whole demo company, for a role that may see it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from core.models import DomainEvent, TaskRun
from core.urls import SCREENS


@pytest.fixture
def demo_company(demo_loaded, db):
    planner = get_user_model().objects.get(username="planner")
    TaskRun.objects.create(task_name="tests.any", title="MRP", status="running", percent=42, created_by=planner)
    DomainEvent.objects.create(name="core.task_run.finished", payload={"run_id": "x"}, actor=planner)


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_list_detail_and_edit_pages_render(client, demo_company, screens):
    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get(reverse(screens.url_name("list"))).status_code == 200
    obj = screens.get_queryset().first()
    assert obj is not None, "the demo company has no record of this kind"
    assert client.get(obj.get_absolute_url()).status_code == 200
    if screens.editable:
        assert client.get(reverse(screens.url_name("edit"), args=[obj.pk])).status_code == 200
        assert client.get(reverse(screens.url_name("add"))).status_code == 200
        assert client.get(reverse(screens.url_name("delete"), args=[obj.pk])).status_code == 200


def test_the_demo_loads_twice_without_changing_anything(demo_company):
    from auditlog.models import LogEntry

    before = LogEntry.objects.count()
    call_command("demo_load", stdout=io.StringIO())
    assert LogEntry.objects.count() == before


def test_every_demo_user_signs_in_with_the_demo_password(client, demo_company):
    from core.demo import DEMO_PASSWORD, USERS

    for username, *_ in USERS:
        assert client.login(username=username, password=DEMO_PASSWORD), username
