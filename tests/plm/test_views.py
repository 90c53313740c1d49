import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from plm.choices import EcoState, RevisionState
from plm.models import Attachment, BomRevision, EngineeringChangeOrder
from plm.services.revisions import bom_revision_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle(make_item, released_bom):
    kettle, body, steel = make_item("KT-200"), make_item("KT-BODY"), make_item("SS-304", "kg")
    released_bom(kettle, {body: 1})
    released_bom(body, {steel: ("0.42", 6)})
    return kettle


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_engineering_page_shows_the_tree_where_used_and_revisions(client_as, kettle, django_assert_max_num_queries):
    client = client_as(Role.PLANNER)
    with django_assert_max_num_queries(20):
        html = page(client.get(reverse("plm:item_engineering", args=[kettle.pk])))
    assert "KT-BODY" in html and "SS-304" in html and "0.4452" in html  # 0.42 kg + 6 % scrap
    steel = kettle.bom_revisions.get().lines.get().component.bom_revisions.get().lines.get().component
    html = page(client.get(reverse("plm:item_engineering", args=[steel.pk])))
    assert "KT-BODY" in html and "KT-200" in html  # indented where-used up to the top


def test_the_item_page_links_to_its_engineering_view(client_as, kettle):
    html = page(client_as(Role.ENGINEER).get(kettle.get_absolute_url()))
    assert reverse("plm:item_engineering", args=[kettle.pk]) in html
    operator_html = page(client_as(Role.OPERATOR).get(kettle.get_absolute_url()))
    assert "Engineering" in operator_html  # operators read work instructions and BOMs too


def test_an_engineer_edits_a_draft_through_the_page(client_as, kettle, make_item):
    client = client_as(Role.ENGINEER)
    draft = bom_revision_create(item=kettle, copy_from=kettle.bom_revisions.get())
    url = reverse("plm:bomline_add", args=[draft.pk])
    make_item("CB-EU")

    response = client.post(url, {"component": "CB-EU", "qty_per": "1", "scrap_pct": "0"}, follow=True)
    assert "Line added." in messages_of(response)
    response = client.post(url, {"component": "NOPE", "qty_per": "1", "scrap_pct": "0"}, follow=True)
    assert any("There is no item NOPE" in m for m in messages_of(response))
    response = client.post(url, {"component": "KT-200", "qty_per": "1", "scrap_pct": "0"}, follow=True)
    assert any("KT-200 > KT-200" in m for m in messages_of(response))

    line = draft.lines.get(component__code="CB-EU")
    client.post(
        reverse("plm:bomline_edit", args=[draft.pk, line.pk]),
        {"component": "CB-EU", "qty_per": "2", "scrap_pct": "1.5", "position": line.position},
    )
    line.refresh_from_db()
    assert line.qty_per == 2 and line.scrap_pct == Decimal("1.5")
    client.post(reverse("plm:bomline_remove", args=[draft.pk, line.pk]))
    assert not draft.lines.filter(component__code="CB-EU").exists()


def test_a_released_revision_shows_no_editing_and_refuses_posts(client_as, kettle):
    client = client_as(Role.ENGINEER)
    bom = kettle.bom_revisions.get()
    html = page(client.get(bom.get_absolute_url()))
    assert "changes only through an engineering change order" in html and "Add a component" not in html
    response = client.post(
        reverse("plm:bomline_add", args=[bom.pk]),
        {"component": "KT-BODY", "qty_per": "1", "scrap_pct": "0"},
        follow=True,
    )
    assert any("cannot change" in m for m in messages_of(response))
    assert client_as(Role.PLANNER).post(reverse("plm:bomline_add", args=[bom.pk]), {}).status_code == 403


def test_the_whole_change_through_the_screens(client, make_user, kettle, make_item):
    users = {role: make_user(role) for role in (Role.ENGINEER, Role.QUALITY, Role.PLANNER)}
    client.force_login(users[Role.ENGINEER])
    today = timezone.localdate()
    response = client.post(
        reverse("plm:engineeringchangeorder_add"),
        {"title": "Thicker steel", "reason": "Dents in transport", "effective_date": today},
    )
    eco = EngineeringChangeOrder.objects.get(title="Thicker steel")
    assert response.status_code == 302 and response["Location"] == eco.get_absolute_url()

    command = lambda name, **data: client.post(reverse("plm:eco_command", args=[eco.pk, name]), data, follow=True)  # noqa: E731
    command("propose", item="KT-BODY", kind="bom")
    proposal = BomRevision.objects.get(eco=eco)
    client.post(
        reverse("plm:bomline_edit", args=[proposal.pk, proposal.lines.get().pk]),
        {"component": "SS-304", "qty_per": "0.48", "scrap_pct": "6", "position": 10},
    )
    assert "Submitted for review." in messages_of(command("submit"))
    html = page(client.get(eco.get_absolute_url()))
    assert "KT-200" in html  # where-used in the recorded impact

    for role, user in users.items():
        client.force_login(user)
        assert "Decision recorded." in messages_of(command("decide", role=role.value, decision="approved"))
    client.force_login(users[Role.ENGINEER])
    assert "Released." in messages_of(command("release"))
    eco.refresh_from_db()
    assert eco.state == EcoState.RELEASED
    assert BomRevision.objects.get(item__code="KT-BODY", revision="A").state == RevisionState.OBSOLETE

    diff = page(client.get(reverse("plm:bomrevision_diff", args=[proposal.pk])))
    assert "changed" in diff and "0.48" in diff


def test_a_reviewer_without_the_role_is_told_so(client_as, kettle, make_user):
    from plm.services import changes

    engineer = make_user(Role.ENGINEER)
    eco = changes.eco_create(title="T", reason="R", effective_date=timezone.localdate(), user=engineer)
    changes.eco_propose_bom(eco=eco, item=kettle)
    changes.eco_submit(eco=eco, user=engineer)
    client = client_as(Role.PLANNER)
    html = page(client.get(eco.get_absolute_url()))
    assert 'value="planner"' in html and 'value="quality"' not in html
    response = client.post(
        reverse("plm:eco_command", args=[eco.pk, "decide"]), {"role": "quality", "decision": "approved"}, follow=True
    )
    assert any("Only a member of the quality role" in m for m in messages_of(response))


def upload(client, target, name: str, content: bytes):
    content_type = ContentType.objects.get_for_model(target)
    return client.post(
        reverse("plm:attachment_upload", args=[content_type.pk, target.pk]),
        {"file": SimpleUploadedFile(name, content), "description": "drawing"},
        follow=True,
    )


def test_attachments_are_stored_within_limits_and_always_downloaded(client_as, kettle, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as(Role.ENGINEER)
    assert "Attached." in messages_of(upload(client, kettle, "KT-200 drawing.pdf", b"%PDF-1.7 drawing"))
    attachment = Attachment.objects.get()
    assert attachment.size == 16 and attachment.name == "KT-200 drawing.pdf"

    response = client.get(attachment.get_download_url())
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 drawing"

    for name in ("page.html", "logo.svg", "noextension"):
        response = upload(client, kettle, name, b"<script>alert(1)</script>")
        assert any("cannot be attached" in m for m in messages_of(response)), name
    settings.TAKT_ATTACHMENT_MAX_BYTES = 10
    assert any("at most" in m for m in messages_of(upload(client, kettle, "big.pdf", b"x" * 11)))
    assert Attachment.objects.count() == 1
    assert (
        client_as(Role.PLANNER)
        .post(reverse("plm:attachment_upload", args=[ContentType.objects.get_for_model(kettle).pk, kettle.pk]))
        .status_code
        == 403
    )


def test_the_engineering_date_shows_the_revision_of_that_day(client_as, make_item, released_bom):
    parent, old, new = make_item("P"), make_item("OLD-PART"), make_item("NEW-PART")
    switch = datetime.date(2027, 3, 1)
    released_bom(parent, {old: 1}, "A", effective_to=switch)
    released_bom(parent, {new: 1}, "B", effective_from=switch)
    client = client_as(Role.ENGINEER)
    url = reverse("plm:item_engineering", args=[parent.pk])
    assert "OLD-PART" in page(client.get(url, {"date": "2027-02-28"}))
    assert "NEW-PART" in page(client.get(url, {"date": "2027-03-01"}))
    assert "NEW-PART" not in page(client.get(url, {"date": "not-a-date"}))  # a bad date falls back to today
