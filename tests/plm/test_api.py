"""The PLM API over real HTTP: drafts changed through the services, change orders moved by commands,
effective engineering data read by date, attachments within their limits. Each user has a token."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Unit
from core.roles import Role
from plm.choices import EcoState, RevisionState
from plm.models import Attachment, BomLine, BomRevision, RoutingRevision
from plm.services import changes

pytestmark = pytest.mark.django_db

API = "/api/v1/plm"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


@pytest.fixture
def kettle(make_item, released_bom):
    """KT-200 > KT-BODY (> 800 g of SS-304, 5 % scrap), HE-2000, CB-EU; all released as rev A."""
    kettle = make_item("KT-200", name="Kettle")
    body, element, cable = make_item("KT-BODY", name="Body"), make_item("HE-2000"), make_item("CB-EU")
    steel = make_item("SS-304", uom="kg", name="Steel sheet")
    released_bom(kettle, {body: 1, element: 1, cable: 1})
    released_bom(body, {steel: (800, 5, Unit.objects.get(code="g"))})
    return kettle


def bom_of(code: str, revision: str = "A") -> BomRevision:
    return BomRevision.objects.get(item__code=code, revision=revision)


# --- Revisions and lines ------------------------------------------------------------------------------


def test_revisions_and_lines_are_listed_and_read_with_business_codes(api_as, kettle):
    api = api_as(Role.PLANNER)
    listing = api.get(f"{API}/bom-revisions/", {"item": "KT-200"}).json()
    assert listing["count"] == 1
    (revision,) = listing["results"]
    assert revision["item"] == "KT-200" and revision["item_name"] == "Kettle"
    assert (revision["revision"], revision["state"], revision["eco"]) == ("A", "released", None)
    assert "lines" not in revision

    detail = api.get(f"{API}/bom-revisions/{revision['id']}/").json()
    assert [line["component"] for line in detail["lines"]] == ["KT-BODY", "HE-2000", "CB-EU"]
    assert detail["lines"][0] == {
        "id": detail["lines"][0]["id"],
        "position": 10,
        "component": "KT-BODY",
        "component_name": "Body",
        "qty_per": "1.000000",
        "scrap_pct": "0.00",
        "uom": "ea",
    }
    assert api.get(f"{API}/bom-revisions/", {"state": "draft"}).json()["count"] == 0
    assert api.get(f"{API}/bom-revisions/", {"ordering": "-item__code"}).json()["results"][0]["item"] == "KT-BODY"
    unknown = api.get(f"{API}/bom-revisions/", {"item": "NOPE"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "item"

    lines = api.get(f"{API}/bom-lines/", {"bom": revision["id"]}).json()
    assert lines["count"] == 3 and lines["results"][2]["bom"] == revision["id"]


def test_lists_take_a_fixed_number_of_queries(
    api_as, kettle, make_item, make_user, released_bom, django_assert_max_num_queries
):
    engineer = make_user(Role.ENGINEER)
    for n in range(10):
        released_bom(make_item(f"P-{n}"), {kettle: 1})
        changes.eco_create(title=f"T{n}", reason="R", effective_date=timezone.localdate(), user=engineer)
    api = api_as(Role.ENGINEER)
    for url in ("bom-revisions/", "bom-lines/", "routing-revisions/", "routing-operations/", "ecos/"):
        with django_assert_max_num_queries(6):
            assert api.get(f"{API}/{url}").status_code == 200, url


def test_an_engineer_drafts_a_bom_and_a_cycle_is_refused_naming_it(api_as, kettle):
    api = api_as(Role.ENGINEER)
    created = api.post(
        f"{API}/bom-revisions/", {"item": "KT-BODY", "copy_from": bom_of("KT-BODY").pk, "note": "Thinner wall"}
    )
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["revision"], draft["state"], draft["note"]) == ("B", "draft", "Thinner wall")
    assert [(line["component"], line["qty_per"], line["uom"]) for line in draft["lines"]] == [
        ("SS-304", "800.000000", "g")
    ]

    added = api.post(f"{API}/bom-lines/", {"bom": draft["id"], "component": "CB-EU", "qty_per": "2"})
    assert added.status_code == 201, added.content
    assert (added.json()["position"], added.json()["uom"], added.json()["qty_per"]) == (20, "ea", "2.000000")

    cycle = api.post(f"{API}/bom-lines/", {"bom": draft["id"], "component": "KT-200", "qty_per": "1"})
    assert cycle.status_code == 400
    ((field, code),) = errors(cycle)
    assert (field, code) == (None, "bom_cycle")
    assert "KT-200 > KT-BODY > KT-200" in cycle.json()["errors"][0]["message"]

    wrong_unit = api.post(f"{API}/bom-lines/", {"bom": draft["id"], "component": "CB-EU", "uom": "kg", "qty_per": 1})
    assert wrong_unit.status_code == 400 and "CB-EU" in errors(wrong_unit)[("uom", "unit_category_mismatch")]
    assert api.post(f"{API}/bom-lines/", {"bom": draft["id"], "component": "CB-EU"}).status_code == 400

    line_url = f"{API}/bom-lines/{added.json()['id']}/"
    changed = api.patch(line_url, {"qty_per": "3", "scrap_pct": "1.5"}, format="json")
    assert changed.status_code == 200 and changed.json()["qty_per"] == "3.000000"
    assert changed.json()["scrap_pct"] == "1.50"
    moved = api.patch(line_url, {"bom": bom_of("KT-200").pk}, format="json")
    assert ("bom", "read_only") in errors(moved)
    assert api.delete(line_url).status_code == 204

    url = f"{API}/bom-revisions/{draft['id']}/"
    noted = api.patch(url, {"note": "Thinner wall, 0.6 mm"}, format="json")
    assert noted.status_code == 200 and noted.json()["note"] == "Thinner wall, 0.6 mm"
    released = api.patch(url, {"state": "released", "effective_from": "2026-01-01"}, format="json")
    assert released.status_code == 400
    assert set(errors(released)) == {("state", "read_only"), ("effective_from", "read_only")}
    assert bom_of("KT-BODY", "B").state == RevisionState.DRAFT

    assert api.delete(url).status_code == 204
    assert not BomRevision.objects.filter(item__code="KT-BODY", revision="B").exists()


def test_a_copy_must_come_from_the_same_item(api_as, kettle):
    response = api_as(Role.ENGINEER).post(
        f"{API}/bom-revisions/", {"item": "KT-BODY", "copy_from": bom_of("KT-200").pk}
    )
    assert response.status_code == 400 and ("copy_from", "other_item") in errors(response)


def test_released_revisions_and_their_lines_do_not_change(api_as, kettle):
    api = api_as(Role.ENGINEER)
    bom = bom_of("KT-200")
    line = bom.lines.get(component__code="HE-2000")
    attempts = [
        api.patch(f"{API}/bom-lines/{line.pk}/", {"qty_per": "2"}, format="json"),
        api.delete(f"{API}/bom-lines/{line.pk}/"),
        api.post(f"{API}/bom-lines/", {"bom": bom.pk, "component": "CB-EU", "qty_per": "1"}),
        api.patch(f"{API}/bom-revisions/{bom.pk}/", {"note": "x"}, format="json"),
        api.delete(f"{API}/bom-revisions/{bom.pk}/"),
    ]
    for response in attempts:
        assert response.status_code == 400
        assert list(errors(response)) == [(None, "revision_not_draft")]
        assert "KT-200 rev A is released" in response.json()["errors"][0]["message"]
    line.refresh_from_db()
    assert line.qty_per == 1 and bom.lines.count() == 3 and BomRevision.objects.filter(pk=bom.pk).exists()


def test_routings_are_drafted_the_same_way_and_read_by_date(api_as, make_item, released_routing, work_center):
    kettle = make_item("KT-200")
    routing = released_routing(kettle, [(10, "1.5"), (20, "0.8")])
    api = api_as(Role.ENGINEER)
    draft = api.post(f"{API}/routing-revisions/", {"item": "KT-200", "copy_from": routing.pk}).json()
    assert draft["revision"] == "B" and [op["seq"] for op in draft["operations"]] == [10, 20]

    added = api.post(
        f"{API}/routing-operations/",
        {"routing": draft["id"], "work_center": "ASSY", "name": "Hi-pot test", "run_minutes_per_unit": "0.5"},
    )
    assert added.status_code == 201, added.content
    assert (added.json()["seq"], added.json()["work_center"], added.json()["setup_minutes"]) == (30, "ASSY", "0.00")
    url = f"{API}/routing-operations/{added.json()['id']}/"
    assert api.patch(url, {"setup_minutes": "5"}, format="json").json()["setup_minutes"] == "5.00"
    unknown = api.patch(url, {"work_center": "PAINT"}, format="json")
    assert ("work_center", "does_not_exist") in errors(unknown)
    released_op = routing.operations.first()
    frozen = api.patch(f"{API}/routing-operations/{released_op.pk}/", {"name": "x"}, format="json")
    assert list(errors(frozen)) == [(None, "revision_not_draft")]

    effective = api.get(f"{API}/items/KT-200/routing/").json()
    assert effective["revision"] == "A"
    assert [(op["seq"], op["work_center"], op["run_minutes_per_unit"]) for op in effective["operations"]] == [
        (10, "ASSY", "1.5000"),
        (20, "ASSY", "0.8000"),
    ]
    assert api.delete(url).status_code == 204
    assert api.delete(f"{API}/routing-revisions/{draft['id']}/").status_code == 204
    assert not RoutingRevision.objects.filter(revision="B").exists()


# --- Change orders ------------------------------------------------------------------------------------------


def test_a_change_order_from_draft_to_release_through_the_api(api_as, kettle, make_item):
    engineer, quality, planner = api_as(Role.ENGINEER), api_as(Role.QUALITY), api_as(Role.PLANNER)
    today = timezone.localdate()
    created = engineer.post(
        f"{API}/ecos/", {"title": "Stronger element", "reason": "Boil time", "effective_date": today.isoformat()}
    )
    assert created.status_code == 201, created.content
    eco = created.json()
    assert eco["number"].startswith(f"ECO-{today.year}-") and eco["state"] == "draft"
    assert eco["requested_by"].startswith("engineer") and eco["bom_revisions"] == [] and eco["impact"] == {}
    url = f"{API}/ecos/{eco['id']}"
    assert engineer.patch(f"{url}/", {"title": "3 kW element"}, format="json").json()["title"] == "3 kW element"

    proposal = engineer.post(f"{url}/propose-bom/", {"item": "KT-200"})
    assert proposal.status_code == 201, proposal.content
    proposal = proposal.json()
    assert (proposal["revision"], proposal["state"], proposal["eco"]) == ("B", "draft", eco["id"])
    again = engineer.post(f"{url}/propose-bom/", {"item": "KT-200"})
    assert list(errors(again)) == [(None, "already_proposed")]

    make_item("HE-3000")
    (element,) = [line for line in proposal["lines"] if line["component"] == "HE-2000"]
    swapped = engineer.patch(f"{API}/bom-lines/{element['id']}/", {"component": "HE-3000"}, format="json")
    assert swapped.status_code == 200, swapped.content

    submitted = engineer.post(f"{url}/submit/")
    assert submitted.status_code == 200, submitted.content
    eco = submitted.json()
    assert eco["state"] == "review" and eco["impact"]["obsoleted_components"] == ["HE-2000"]
    assert eco["bom_revisions"] == [{"id": proposal["id"], "item": "KT-200", "revision": "B", "state": "in_review"}]
    frozen = engineer.patch(f"{API}/bom-lines/{element['id']}/", {"qty_per": "2"}, format="json")
    assert list(errors(frozen)) == [(None, "revision_not_draft")]
    retitled = engineer.patch(f"{url}/", {"title": "Late edit"}, format="json")
    assert list(errors(retitled)) == [(None, "eco_wrong_state")]
    early = engineer.post(f"{url}/release/")
    assert list(errors(early)) == [(None, "eco_wrong_state")]

    for client, role in ((engineer, "engineer"), (quality, "quality"), (planner, "planner")):
        decided = client.post(f"{url}/decide/", {"role": role, "decision": "approved"})
        assert decided.status_code == 200, decided.content
    eco = decided.json()
    assert eco["state"] == "approved"
    assert sorted((a["role"], a["decision"], a["decided_by"].split("-")[0]) for a in eco["approvals"]) == [
        ("engineer", "approved", "engineer"),
        ("planner", "approved", "planner"),
        ("quality", "approved", "quality"),
    ]

    released = engineer.post(f"{url}/release/")
    assert released.status_code == 200, released.content
    assert released.json()["state"] == "released" and released.json()["released_by"].startswith("engineer")

    effective = planner.get(f"{API}/items/KT-200/bom/").json()
    assert (effective["revision"], effective["state"], effective["effective_from"]) == (
        "B",
        "released",
        today.isoformat(),
    )
    assert [line["component"] for line in effective["lines"]] == ["KT-BODY", "HE-3000", "CB-EU"]
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    before = planner.get(f"{API}/items/KT-200/bom/", {"date": yesterday}).json()
    assert (before["revision"], before["state"], before["effective_to"]) == ("A", "obsolete", today.isoformat())
    assert "HE-2000" in [line["component"] for line in before["lines"]]


@pytest.fixture
def eco_in_review(kettle, make_user):
    engineer = make_user(Role.ENGINEER)
    eco = changes.eco_create(title="T", reason="R", effective_date=timezone.localdate(), user=engineer)
    changes.eco_propose_bom(eco=eco, item=kettle)
    return changes.eco_submit(eco=eco, user=engineer)


def test_only_a_member_of_a_role_decides_for_it(api_as, eco_in_review):
    url = f"{API}/ecos/{eco_in_review.pk}/decide/"
    planner = api_as(Role.PLANNER)
    response = planner.post(url, {"role": "quality", "decision": "approved"})
    assert response.status_code == 400
    assert list(errors(response)) == [(None, "not_in_role")]
    assert not eco_in_review.approvals.exists()

    assert ("role", "invalid_choice") in errors(planner.post(url, {"role": "finance", "decision": "approved"}))
    unexplained = api_as(Role.QUALITY).post(url, {"role": "quality", "decision": "rejected"})
    assert ("comment", "required") in errors(unexplained)
    rejected = api_as(Role.QUALITY).post(url, {"role": "quality", "decision": "rejected", "comment": "No drop test"})
    assert rejected.json()["state"] == "rejected" and rejected.json()["bom_revisions"][0]["state"] == "draft"
    assert api_as(Role.OPERATOR).post(url, {"role": "planner", "decision": "approved"}).status_code == 403


def test_a_planner_reads_change_orders_but_cannot_open_or_move_them(api_as, eco_in_review):
    planner = api_as(Role.PLANNER)
    assert planner.get(f"{API}/ecos/", {"state": "review"}).json()["count"] == 1
    assert planner.get(f"{API}/ecos/", {"state": "draft"}).json()["count"] == 0
    payload = {"title": "T", "reason": "R", "effective_date": "2026-12-01"}
    assert planner.post(f"{API}/ecos/", payload).status_code == 403
    for command in ("submit", "release", "reopen", "cancel"):
        assert planner.post(f"{API}/ecos/{eco_in_review.pk}/{command}/").status_code == 403, command
    assert planner.post(f"{API}/ecos/{eco_in_review.pk}/propose-bom/", {"item": "KT-200"}).status_code == 403
    assert api_as(Role.ENGINEER).delete(f"{API}/ecos/{eco_in_review.pk}/").status_code == 405  # cancelled instead


def test_a_proposed_draft_is_dropped_by_cancelling_its_change_order(api_as, kettle, make_user):
    engineer = api_as(Role.ENGINEER)
    eco = engineer.post(f"{API}/ecos/", {"title": "T", "reason": "R", "effective_date": "2030-01-01"}).json()
    proposal = engineer.post(f"{API}/ecos/{eco['id']}/propose-bom/", {"item": "KT-200"}).json()
    refused = engineer.delete(f"{API}/bom-revisions/{proposal['id']}/")
    assert (
        list(errors(refused)) == [(None, "revision_in_eco")] and eco["number"] in refused.json()["errors"][0]["message"]
    )
    cancelled = engineer.post(f"{API}/ecos/{eco['id']}/cancel/").json()
    assert cancelled["state"] == EcoState.CANCELLED and cancelled["bom_revisions"] == []


# --- Item engineering reads ----------------------------------------------------------------------------------


def test_the_explosion_extends_quantities_with_scrap_into_each_components_unit(api_as, kettle):
    response = api_as(Role.PLANNER).get(f"{API}/items/KT-200/explosion/", {"quantity": "10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["item"], body["date"], body["quantity"]) == ("KT-200", timezone.localdate().isoformat(), "10.000000")
    rows = [(r["level"], r["component"], r["qty_per"], r["uom"], r["extended_qty"], r["unit"]) for r in body["rows"]]
    assert rows == [
        (1, "KT-BODY", "1.000000", "ea", "10.000000", "ea"),
        (2, "SS-304", "800.000000", "g", "8.400000", "kg"),  # 10 x 800 g x 1.05
        (1, "HE-2000", "1.000000", "ea", "10.000000", "ea"),
        (1, "CB-EU", "1.000000", "ea", "10.000000", "ea"),
    ]
    steel = body["rows"][1]
    assert steel["path"] == ["KT-200", "KT-BODY", "SS-304"] and steel["scrap_pct"] == "5.00"
    assert steel["component_name"] == "Steel sheet"


def test_where_used_one_level_or_indented(api_as, kettle):
    api = api_as(Role.PLANNER)
    direct = api.get(f"{API}/items/SS-304/where-used/").json()
    assert direct["indented"] is False
    assert direct["rows"] == [
        {
            "level": 1,
            "parent": "KT-BODY",
            "parent_name": "Body",
            "revision": "A",
            "component": "SS-304",
            "qty_per": "800.000000",
            "uom": "g",
        }
    ]
    indented = api.get(f"{API}/items/SS-304/where-used/", {"indented": "true"}).json()
    assert [(r["level"], r["parent"], r["component"]) for r in indented["rows"]] == [
        (1, "KT-BODY", "SS-304"),
        (2, "KT-200", "KT-BODY"),
    ]


def test_bad_dates_quantities_and_unknown_items_answer_in_the_error_format(api_as, kettle, make_item):
    api = api_as(Role.PLANNER)
    assert list(errors(api.get(f"{API}/items/KT-200/bom/", {"date": "22.11.2026"}))) == [("date", "invalid")]
    assert ("date", "invalid") in errors(api.get(f"{API}/items/KT-200/explosion/", {"date": "2026-02-30"}))
    for quantity in ("lots", "0", "-1"):
        response = api.get(f"{API}/items/KT-200/explosion/", {"quantity": quantity})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "quantity", quantity
    assert ("indented", "invalid") in errors(api.get(f"{API}/items/SS-304/where-used/", {"indented": "maybe"}))

    unknown = api.get(f"{API}/items/NOPE/bom/")
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == [
        {"field": None, "code": "not_found", "message": "There is no item with code NOPE."}
    ]
    make_item("M6.10")  # codes may hold dots
    no_bom = api.get(f"{API}/items/M6.10/bom/", {"date": "2026-11-22"})
    assert no_bom.status_code == 404 and no_bom.json()["errors"][0]["message"] == (
        "M6.10 has no BOM effective on 2026-11-22."
    )
    assert api.get(f"{API}/items/M6.10/routing/").status_code == 404
    assert api.get(f"{API}/items/M6.10/explosion/").json()["rows"] == []


def test_item_reads_need_the_item_and_the_revisions_view_rights(api_as, make_user, kettle, released_routing):
    released_routing(kettle, [(10, "1")])
    bom_reader = make_user()  # no role: only the two rights a BOM read needs
    bom_reader.user_permissions.add(
        Permission.objects.get(codename="view_item", content_type__app_label="core"),
        Permission.objects.get(codename="view_bomrevision", content_type__app_label="plm"),
    )
    api = APIClient()
    api.force_authenticate(bom_reader)
    assert api.get(f"{API}/items/KT-200/bom/").status_code == 200
    assert api.get(f"{API}/items/KT-200/routing/").status_code == 403
    assert api_as(Role.OPERATOR).get(f"{API}/items/KT-200/routing/").status_code == 200
    partner = api_as(Role.PARTNER)  # a partner's login reads its own records through the portal only
    assert partner.get(f"{API}/items/KT-200/bom/").status_code == 403
    assert partner.get(f"{API}/items/KT-200/routing/").status_code == 403


# --- Attachments -----------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def upload(name: str, content: bytes = b"%PDF-1.7 drawing", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_attachment_is_uploaded_listed_and_deleted(api_as, kettle, media, django_capture_on_commit_callbacks):
    api = api_as(Role.QUALITY)
    response = api.post(
        f"{API}/attachments/",
        {"target_type": "item", "target_id": kettle.pk, "file": upload("KT-200 GA.pdf"), "description": "GA"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["target_type"], body["target_id"], body["name"], body["size"]) == (
        "item",
        kettle.pk,
        "KT-200 GA.pdf",
        16,
    )
    assert body["uploaded_by"].startswith("quality") and body["description"] == "GA"
    assert "file" not in body  # the download view checks access; media paths are never handed out
    download = api.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    (stored,) = stored_files(media)
    assert stored.read_bytes() == b"%PDF-1.7 drawing"

    listed = api.get(f"{API}/attachments/", {"target_type": "item", "target_id": kettle.pk}).json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]
    assert api.get(f"{API}/attachments/", {"target_type": "bomrevision"}).json()["count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{API}/attachments/{body['id']}/").status_code == 204
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_attachments_beyond_the_limits_are_refused_and_never_stored(api_as, kettle, media, settings):
    settings.TAKT_ATTACHMENT_MAX_BYTES = 1000
    api = api_as(Role.ENGINEER)
    bom = bom_of("KT-200")

    def attach(file, target_type="bomrevision", target_id=bom.pk):
        return api.post(
            f"{API}/attachments/",
            {"target_type": target_type, "target_id": target_id, "file": file},
            format="multipart",
        )

    assert ("file", "file_too_large") in errors(attach(upload("big.pdf", b"x" * 1001)))
    page = attach(upload("notes.html", b"<script>alert(1)</script>", "text/html"))
    assert ("file", "file_type_not_allowed") in errors(page)
    assert ".html" in errors(page)[("file", "file_type_not_allowed")]
    svg = attach(upload("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"))
    assert ("file", "file_type_not_allowed") in errors(svg)
    assert ("target_id", "does_not_exist") in errors(attach(upload("ok.pdf"), target_id=999999))
    assert ("target_type", "invalid_choice") in errors(attach(upload("ok.pdf"), target_type="partner"))
    assert not Attachment.objects.exists() and stored_files(media) == []

    assert attach(upload("ok.pdf", b"%PDF-" + b"x" * 995)).status_code == 201
    assert api_as(Role.PLANNER).post(f"{API}/attachments/", {}).status_code == 403


def test_a_line_is_stored_as_sent(api_as, kettle):
    api = api_as(Role.ENGINEER)
    draft = api.post(f"{API}/bom-revisions/", {"item": "KT-200"}).json()
    line = api.post(
        f"{API}/bom-lines/",
        {"bom": draft["id"], "component": "SS-304", "qty_per": "0.25", "uom": "kg", "scrap_pct": "2", "position": 5},
    ).json()
    stored = BomLine.objects.get(pk=line["id"])
    assert (stored.position, stored.qty_per, stored.scrap_pct, stored.uom.code) == (5, Decimal("0.25"), 2, "kg")
    taken = api.post(f"{API}/bom-lines/", {"bom": draft["id"], "component": "CB-EU", "qty_per": "1", "position": 5})
    assert list(errors(taken)) == [(None, "unique_together")]
