"""The supplier master over HTTP with tokens: supplier items with their price breaks, approval and preference,
certificates (with a document, renewed, removed, blocking purchasing), the sources lookup; each refusal a 400
naming field, code and reason; who may read and write."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import PartnerBlock
from core.roles import Role
from srm.models import Approval, Certificate, SupplierItem, SupplierPrice

pytestmark = pytest.mark.django_db

API = "/api/v1/srm"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


@pytest.fixture
def buyer(api_as):
    return api_as(Role.BUYER)


def test_a_supplier_item_is_created_by_codes_priced_approved_and_preferred(buyer, supplier, second_supplier, element):
    created = buyer.post(
        f"{API}/supplier-items/",
        {"supplier": "HEATCO", "item": "ELEMENT", "supplier_part_number": "HC-7", "min_order_qty": "50"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["supplier"], body["item"], body["approval"], body["currency"], body["lead_time_days"]) == (
        "HEATCO",
        "ELEMENT",
        "pending",
        "CNY",
        10,
    )
    url = f"{API}/supplier-items/{body['id']}/"
    assert errors(buyer.post(f"{url}prefer/")) == {
        ("preferred", "not_approved"): "HEATCO ELEMENT is pending: only an active, approved source can be preferred."
    }
    approved = buyer.post(f"{url}approval/", {"approval": "approved"}, format="json").json()
    assert approved["approval"] == "approved" and approved["approval_changed_by"].startswith("buyer")
    assert buyer.post(f"{url}prefer/").json()["preferred"] is True

    price = buyer.post(
        f"{API}/supplier-prices/",
        {"supplier_item": body["id"], "min_quantity": "100", "unit_price": "9.5"},
        format="json",
    )
    assert price.status_code == 201, price.content
    overlap = buyer.post(
        f"{API}/supplier-prices/",
        {"supplier_item": body["id"], "min_quantity": "100", "unit_price": "9", "valid_from": "2027-01-01"},
        format="json",
    )
    assert list(errors(overlap)) == [("valid_from", "overlap")]
    changed = buyer.put(
        f"{API}/supplier-prices/{price.json()['id']}/", {"min_quantity": "100", "unit_price": "9"}, format="json"
    )
    assert changed.json()["unit_price"] == "9.000000"
    listed = buyer.get(f"{API}/supplier-prices/", {"supplier_item": body["id"]}).json()["results"]
    assert [row["id"] for row in listed] == [price.json()["id"]]
    assert buyer.get(f"{API}/supplier-prices/", {"supplier_item": body["id"] + 1}).status_code == 400
    detail = buyer.get(url).json()
    assert [(p["min_quantity"], p["unit_price"]) for p in detail["prices"]] == [("100.000000", "9.000000")]

    patched = buyer.patch(url, {"lead_time_days": 4, "order_multiple": "25"}, format="json").json()
    assert (patched["lead_time_days"], patched["order_multiple"], patched["supplier_part_number"]) == (
        4,
        "25.000000",
        "HC-7",
    )
    assert buyer.delete(f"{API}/supplier-prices/{price.json()['id']}/").status_code == 204
    assert buyer.delete(url).status_code == 204
    assert not SupplierItem.objects.exists() and not SupplierPrice.objects.exists()


def test_bad_supplier_item_input_is_named(buyer, supplier, customer, element, make_source):
    make_source()
    duplicate = buyer.post(f"{API}/supplier-items/", {"supplier": "HEATCO", "item": "ELEMENT"}, format="json")
    assert list(errors(duplicate)) == [("item", "duplicate")]
    not_supplier = buyer.post(f"{API}/supplier-items/", {"supplier": "MEDIAHOME", "item": "ELEMENT"}, format="json")
    assert list(errors(not_supplier)) == [("supplier", "not_a_supplier")]
    unknown = buyer.post(
        f"{API}/supplier-items/",
        {"supplier": "NOPE", "item": "ELEMENT", "min_order_qty": "-1", "approval": "maybe"},
        format="json",
    )
    assert set(errors(unknown)) == {
        ("supplier", "does_not_exist"),
        ("min_order_qty", "min_value"),
        ("approval", "invalid_choice"),
    }
    source = SupplierItem.objects.get()
    read_only = buyer.patch(f"{API}/supplier-items/{source.pk}/", {"approval": "approved"}, format="json")
    assert list(errors(read_only)) == [("approval", "read_only")]


def test_supplier_items_are_filtered_by_supplier_item_and_approval(buyer, make_source, second_supplier, element):
    make_source()
    make_source(supplier=second_supplier, approval=Approval.CONDITIONAL)
    listed = buyer.get(f"{API}/supplier-items/", {"approval": "conditional"}).json()["results"]
    assert [row["supplier"] for row in listed] == ["THERMA"]
    assert len(buyer.get(f"{API}/supplier-items/", {"item": "ELEMENT", "supplier": "HEATCO"}).json()["results"]) == 1


def test_roles(api_as, client, make_source):
    source = make_source()
    assert client.get(f"{API}/supplier-items/").status_code in (401, 403)
    assert api_as(Role.ENGINEER).get(f"{API}/supplier-items/").status_code == 200  # the office reads
    assert api_as(Role.WAREHOUSE).get(f"{API}/supplier-items/").status_code == 403
    assert api_as(Role.PARTNER).get(f"{API}/supplier-items/").status_code == 403
    assert api_as(Role.PLANNER).post(f"{API}/supplier-items/{source.pk}/prefer/").status_code == 403
    assert (
        api_as(Role.QUALITY).post(f"{API}/supplier-items/{source.pk}/approval/", {"approval": "pending"}).status_code
        == 403
    )
    assert api_as(Role.PLANNER).get(f"{API}/certificates/").status_code == 200
    certificate = {
        "supplier": "HEATCO",
        "kind": "rohs",
        "number": "R",
        "valid_from": "2026-01-01",
        "valid_to": "2027-01-01",
    }
    assert api_as(Role.PLANNER).post(f"{API}/certificates/", certificate, format="json").status_code == 403
    # Quality keeps certificates too.
    assert api_as(Role.QUALITY).post(f"{API}/certificates/", certificate, format="json").status_code == 201


def test_a_certificate_with_its_document_blocks_purchasing_once_expired_until_renewed(
    api_as, supplier, warehouse, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    quality = api_as(Role.QUALITY)
    expired = timezone.localdate() - datetime.timedelta(days=1)
    created = quality.post(
        f"{API}/certificates/",
        {
            "supplier": "HEATCO",
            "kind": "iso_9001",
            "number": "12345",
            "valid_from": (expired - datetime.timedelta(days=365)).isoformat(),
            "valid_to": expired.isoformat(),
            "blocks_purchasing": "true",
            "document": SimpleUploadedFile("iso.pdf", b"%PDF-1.4 certificate", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["blocks_purchasing"]) == ("expired", True)
    assert body["document"].endswith(f"/srm/certificates/{body['id']}/document/")
    block = PartnerBlock.objects.get(lifted_at=None)
    assert block.reason == f"ISO 9001 certificate 12345 expired on {expired.isoformat()}"

    # ERP refuses a new order, with the reason.
    order = api_as(Role.BUYER).post(
        "/api/v1/erp/purchase-orders/",
        {"supplier": "HEATCO", "warehouse": "MAIN", "lines": []},
        format="json",
    )
    assert errors(order)[("supplier", "blocked")].endswith(
        f"ISO 9001 certificate 12345 expired on {expired.isoformat()}"
    )

    url = f"{API}/certificates/{body['id']}/"
    early = quality.post(f"{url}renew/", {"valid_from": "2020-01-01", "valid_to": expired.isoformat()}, format="json")
    assert list(errors(early)) == [("valid_to", "not_later")]
    until = timezone.localdate() + datetime.timedelta(days=365)
    renewed = quality.post(
        f"{url}renew/", {"valid_from": timezone.localdate().isoformat(), "valid_to": until.isoformat()}, format="json"
    )
    assert renewed.json()["status"] == "valid"
    assert not PartnerBlock.objects.filter(lifted_at=None, effective_from__lte=timezone.localdate()).exists()

    patched = quality.patch(url, {"blocks_purchasing": False, "issued_by": "TÜV"}, format="json").json()
    assert (patched["blocks_purchasing"], patched["issued_by"]) == (False, "TÜV")
    assert not PartnerBlock.objects.filter(lifted_at=None).exists()
    assert quality.delete(url).status_code == 204
    assert not Certificate.objects.exists()


def test_a_bad_document_or_period_is_refused(api_as, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    quality = api_as(Role.QUALITY)
    payload = {"supplier": "HEATCO", "kind": "rohs", "number": "R", "valid_from": "2026-06-01"}
    page = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    bad = quality.post(
        f"{API}/certificates/", {**payload, "valid_to": "2027-01-01", "document": page}, format="multipart"
    )
    assert list(errors(bad)) == [("document", "file_type_not_allowed")]
    backwards = quality.post(f"{API}/certificates/", {**payload, "valid_to": "2026-01-01"}, format="json")
    assert list(errors(backwards)) == [("valid_to", "invalid_period")]
    assert not Certificate.objects.exists()


def test_the_sources_lookup_answers_the_source_to_buy_from_and_the_others(
    api_as, make_source, second_supplier, element
):
    make_source(prices={0: "10", 100: "6"}, min_order_qty=Decimal(100))
    make_source(supplier=second_supplier, prices={0: "8"}, approval=Approval.CONDITIONAL)
    answer = api_as(Role.PLANNER).get(f"{API}/sources/", {"item": "ELEMENT", "quantity": "20"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["source"]["supplier"] == "HEATCO"
    assert (body["source"]["order_quantity"], body["source"]["unit_price"]) == ("100.000000", "6.000000")
    assert [(s["supplier"], s["approval"]) for s in body["sources"]] == [
        ("HEATCO", "approved"),
        ("THERMA", "conditional"),
    ]
    missing = api_as(Role.PLANNER).get(f"{API}/sources/", {"item": "NOPE", "quantity": "0"})
    assert set(errors(missing)) == {("item", "does_not_exist"), ("quantity", "min_value")}


def test_the_sources_lookup_answers_null_without_a_source(api_as, element):
    body = api_as(Role.BUYER).get(f"{API}/sources/", {"item": "ELEMENT", "quantity": "1", "on": "2026-12-01"}).json()
    assert body == {"item": "ELEMENT", "quantity": "1.000000", "on": "2026-12-01", "source": None, "sources": []}
