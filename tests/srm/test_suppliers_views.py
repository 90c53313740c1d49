"""The supplier screens: who sees them; the supplier list and page (approvals, certificates with expiry badges,
blocks with their reasons, open orders); a buyer's supplier item from the new page to its price breaks,
approval and preference; certificates uploaded, renewed and removed by quality; an item's sources."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Contact, Partner, PartnerBlock
from core.roles import Role
from core.services.roles import model_access
from erp.services.purchasing import purchase_order_create
from srm.models import Approval, Certificate, SupplierItem, SupplierPrice
from tests.urls import all_urls

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def today_plus(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def supplied(make_source, make_certificate, second_supplier, element, warehouse):
    """HeatCo: the preferred source of ELEMENT with two price breaks, a contact, an open order, a certificate
    expiring soon; Therma: conditional, with an expired required certificate (blocked)."""
    source = make_source(prices={0: "10", 100: "9"}, supplier_part_number="HC-7", preferred=True)
    make_source(supplier=second_supplier, approval=Approval.CONDITIONAL)
    Contact.objects.create(partner=source.supplier, name="Li Na", email="li@heatco.example", is_primary=True)
    purchase_order_create(
        supplier=source.supplier,
        warehouse=warehouse,
        lines=[{"item": element, "quantity": Decimal(5), "unit_price": Decimal(10)}],
    )
    make_certificate(valid_to=today_plus(10), number="Q-SOON")
    make_certificate(supplier=second_supplier, valid_to=today_plus(-3), number="T-OLD", blocks_purchasing=True)
    return source


# --- Who sees what -----------------------------------------------------------------------------------------


def test_every_supplier_page_sends_anonymous_users_to_sign_in(client):
    names = ("srm:supplier_", "srm:supplieritem", "srm:supplierprice", "srm:certificate", "srm:item_sources")
    urls = [url for name, url in all_urls() if name.startswith(names)]
    assert len(urls) >= 15
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", list(Role))
def test_the_pages_follow_the_access_table(client_as, supplied, role):
    client = client_as(role)
    allowed = role == Role.ADMIN or role in model_access()["srm.supplieritem"].view
    expected = 200 if allowed else 403
    for url in (
        reverse("srm:supplier_list"),
        reverse("srm:supplier_detail", args=[supplied.supplier_id]),
        reverse("srm:supplieritem_list"),
        reverse("srm:supplieritem_detail", args=[supplied.pk]),
        reverse("srm:item_sources", args=[supplied.item_id]),
    ):
        assert client.get(url).status_code == expected, url
    certificate = Certificate.objects.first()
    allowed = role == Role.ADMIN or role in model_access()["srm.certificate"].view
    assert client.get(reverse("srm:certificate_detail", args=[certificate.pk])).status_code == (200 if allowed else 403)


def test_the_menu_and_the_item_and_partner_pages_link_here(client_as, supplied):
    client = client_as(Role.BUYER)
    home = page(client.get("/"))
    assert reverse("srm:supplier_list") in home and reverse("srm:certificate_list") in home
    item_page = page(client.get(reverse("core:item_detail", args=[supplied.item_id])))
    assert reverse("srm:item_sources", args=[supplied.item_id]) in item_page
    partner_page = page(client.get(reverse("core:partner_detail", args=[supplied.supplier_id])))
    assert reverse("srm:supplier_detail", args=[supplied.supplier_id]) in partner_page


# --- Suppliers ---------------------------------------------------------------------------------------------


def test_the_supplier_list_shows_approvals_certificates_and_blocks(client_as, supplied, company):
    Partner.objects.create(code="C-ONLY", name="A customer", kind="customer")
    client = client_as(Role.BUYER)
    html = page(client.get(reverse("srm:supplier_list")))
    assert "HEATCO" in html and "THERMA" in html and "C-ONLY" not in html
    rows = {row.code: row for row in client.get(reverse("srm:supplier_list")).context["table"].data}
    heatco, therma = rows["HEATCO"], rows["THERMA"]
    assert (heatco.approved_count, heatco.conditional_count, heatco.expiring_count, heatco.block_count) == (1, 0, 1, 0)
    assert (therma.approved_count, therma.conditional_count, therma.expired_count, therma.block_count) == (0, 1, 1, 1)
    blocked = client.get(reverse("srm:supplier_list"), {"blocked": "true"}).context["table"].data
    assert [row.code for row in blocked] == ["THERMA"]
    expiring = client.get(reverse("srm:supplier_list"), {"certificates": "expiring"}).context["table"].data
    assert [row.code for row in expiring] == ["HEATCO"]
    export = client.get(reverse("srm:supplier_list"), {"export": "csv"})
    assert b"HEATCO" in b"".join(export.streaming_content)


def test_the_supplier_list_reads_a_fixed_number_of_queries(client_as, make_source, item, company):
    client = client_as(Role.BUYER)

    def queries_for(count: int) -> int:
        for n in range(count):
            supplier = Partner.objects.create(code=f"S{count}-{n}", name="S", kind="supplier")
            make_source(supplier=supplier, item=item(f"I{count}-{n}"))
        with CaptureQueriesContext(connection) as queries:
            page(client.get(reverse("srm:supplier_list")))
        return len(queries)

    assert queries_for(2) == queries_for(5)


def test_the_supplier_page_shows_contacts_items_certificates_blocks_and_open_orders(client_as, supplied):
    client = client_as(Role.BUYER)
    heatco = page(client.get(reverse("srm:supplier_detail", args=[supplied.supplier_id])))
    assert "Li Na" in heatco and "HC-7" in heatco and "from 100: 9 CNY" in heatco
    assert "Q-SOON" in heatco and "Expiring" in heatco and "Preferred" in heatco
    assert supplied.supplier.purchase_orders.get().number in heatco
    assert "<strong>Purchasing is blocked</strong>" not in heatco

    therma = Partner.objects.get(code="THERMA")
    html = page(client.get(reverse("srm:supplier_detail", args=[therma.pk])))
    expired_on = today_plus(-3).isoformat()
    assert (
        "<strong>Purchasing is blocked</strong>" in html
        and f"ISO 9001 certificate T-OLD expired on {expired_on}" in html
    )
    assert "Expired" in html and "Conditional" in html


def test_a_required_certificate_expiring_later_is_announced_on_the_page(client_as, make_certificate, supplier):
    make_certificate(valid_to=today_plus(40), blocks_purchasing=True, number="Q-LATER")
    html = page(client_as(Role.BUYER).get(reverse("srm:supplier_detail", args=[supplier.pk])))
    block = PartnerBlock.objects.get()
    assert f'id="block-{block.pk}"' in html and "Purchasing will be blocked from" in html
    assert f"ISO 9001 certificate Q-LATER expired on {today_plus(40).isoformat()}" in html
    assert "<strong>Purchasing is blocked</strong>" not in html


def test_a_customer_has_no_supplier_page(client_as, company):
    customer = Partner.objects.create(code="C1", name="C1", kind="customer")
    assert client_as(Role.BUYER).get(reverse("srm:supplier_detail", args=[customer.pk])).status_code == 404


# --- Supplier items ------------------------------------------------------------------------------------------


def test_a_buyer_adds_a_source_from_the_supplier_page_and_prices_it(client_as, supplier, element):
    client = client_as(Role.BUYER)
    add = reverse("srm:supplieritem_add")
    form = client.get(add, {"supplier": supplier.pk}).context["form"]
    assert form.initial["supplier"] == str(supplier.pk)
    response = client.post(
        add,
        {
            "supplier": supplier.pk,
            "item": "ELEMENT",
            "supplier_part_number": "HC-7",
            "approval": "approved",
            "preferred": "on",
            "min_order_qty": "50",
            "order_multiple": "10",
            "active": "on",
        },
    )
    source = SupplierItem.objects.get()
    assert response.status_code == 302 and response["Location"] == source.get_absolute_url()
    assert (source.preferred, source.lead_time_days, source.min_order_qty) == (True, 10, Decimal(50))

    duplicate = client.post(
        add,
        {
            "supplier": supplier.pk,
            "item": "ELEMENT",
            "approval": "pending",
            "min_order_qty": "0",
            "order_multiple": "0",
        },
    )
    assert "already supplies ELEMENT" in str(duplicate.context["form"].errors["item"])

    url = source.get_absolute_url()
    client.post(
        reverse("srm:supplierprice_add", args=[source.pk]),
        {"new-min_quantity": "0", "new-unit_price": "10", "new-valid_to": today_plus(30).isoformat()},
    )
    response = client.post(
        reverse("srm:supplierprice_add", args=[source.pk]),
        {"new-min_quantity": "0", "new-unit_price": "11"},
        follow=True,
    )
    assert any("has a price from 0 already" in m for m in messages_of(response))
    price = SupplierPrice.objects.get()
    client.post(
        reverse("srm:supplierprice_edit", args=[source.pk, price.pk]),
        {f"price{price.pk}-min_quantity": "0", f"price{price.pk}-unit_price": "9.5"},
    )
    price.refresh_from_db()
    assert (price.unit_price, price.valid_to) == (Decimal("9.5"), None)
    html = page(client.get(url))
    assert 'id="add-price"' in html and "9.5" in html
    client.post(reverse("srm:supplierprice_remove", args=[source.pk, price.pk]))
    assert not SupplierPrice.objects.exists()


def test_terms_approval_preference_and_removal_from_the_source_page(client_as, make_source, second_supplier):
    first = make_source(preferred=True)
    other = make_source(supplier=second_supplier, approval=Approval.PENDING)
    client = client_as(Role.BUYER)
    edit = reverse("srm:supplieritem_edit", args=[other.pk])
    assert client.get(edit).context["form"].initial["lead_time_days"] == 20
    client.post(
        edit,
        {
            "lead_time_days": "5",
            "min_order_qty": "0",
            "order_multiple": "0",
            "currency": other.currency_id,
            "active": "on",
        },
    )
    other.refresh_from_db()
    assert other.lead_time_days == 5

    assert "Make preferred" not in page(client.get(other.get_absolute_url()))
    client.post(reverse("srm:supplieritem_approval", args=[other.pk]), {"approval": "approved"})
    assert "Make preferred" in page(client.get(other.get_absolute_url()))
    response = client.post(reverse("srm:supplieritem_command", args=[other.pk, "prefer"]), follow=True)
    assert "THERMA is now the preferred source of ELEMENT." in messages_of(response)
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.preferred, other.preferred) == (False, True)

    bad = client.post(reverse("srm:supplieritem_approval", args=[other.pk]), {"approval": "maybe"}, follow=True)
    assert any("Approval" in m for m in messages_of(bad))
    response = client.post(reverse("srm:supplieritem_remove", args=[other.pk]))
    assert response["Location"] == reverse("srm:supplier_detail", args=[second_supplier.pk])
    assert not SupplierItem.objects.filter(pk=other.pk).exists()


def test_the_office_reads_sources_but_only_buyers_change_them(client_as, make_source):
    source = make_source()
    client = client_as(Role.PLANNER)
    html = page(client.get(source.get_absolute_url()))
    assert 'id="add-price"' not in html and 'id="approval"' not in html
    response = client.post(
        reverse("srm:supplieritem_approval", args=[source.pk]), {"approval": "disqualified"}, follow=True
    )
    assert "Your role cannot do this." in messages_of(response)
    source.refresh_from_db()
    assert source.approval == Approval.APPROVED
    assert client.get(reverse("srm:supplieritem_add")).status_code == 403


# --- Certificates --------------------------------------------------------------------------------------------


def test_quality_uploads_renews_downloads_and_removes_a_certificate(client_as, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as(Role.QUALITY)
    add = reverse("srm:certificate_add")
    assert 'enctype="multipart/form-data"' in page(client.get(add, {"supplier": supplier.pk}))
    expired = today_plus(-1)
    response = client.post(
        add,
        {
            "supplier": supplier.pk,
            "kind": "iso_9001",
            "number": "12345",
            "valid_from": (expired - datetime.timedelta(days=365)).isoformat(),
            "valid_to": expired.isoformat(),
            "blocks_purchasing": "on",
            "document": SimpleUploadedFile("iso.pdf", b"%PDF-1.4 cert", content_type="application/pdf"),
        },
    )
    certificate = Certificate.objects.get()
    assert response["Location"] == certificate.get_absolute_url()
    html = page(client.get(certificate.get_absolute_url()))
    assert "Expired" in html and f"ISO 9001 certificate 12345 expired on {expired.isoformat()}" in html

    download = client.get(reverse("srm:certificate_document", args=[certificate.pk]))
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 cert"

    renew = reverse("srm:certificate_renew", args=[certificate.pk])
    assert page(client.get(renew)).count("Renew") >= 2
    refused = client.post(renew, {"valid_from": "2020-01-01", "valid_to": expired.isoformat()})
    assert "must run past the current expiry" in str(refused.context["form"].errors["valid_to"])
    client.post(renew, {"valid_from": timezone.localdate().isoformat(), "valid_to": today_plus(365).isoformat()})
    certificate.refresh_from_db()
    assert certificate.valid_to == today_plus(365)
    assert not PartnerBlock.objects.filter(lifted_at=None, effective_from__lte=timezone.localdate()).exists()

    response = client.post(reverse("srm:certificate_remove", args=[certificate.pk]))
    assert response["Location"] == reverse("srm:supplier_detail", args=[supplier.pk])
    assert not Certificate.objects.exists()


def test_a_page_uploaded_as_a_certificate_is_refused_on_the_form(client_as, supplier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client_as(Role.BUYER).post(
        reverse("srm:certificate_add"),
        {
            "supplier": supplier.pk,
            "kind": "rohs",
            "number": "R",
            "valid_from": "2026-01-01",
            "valid_to": "2027-01-01",
            "document": SimpleUploadedFile("x.html", b"<script></script>", content_type="text/html"),
        },
    )
    assert "cannot be attached" in str(response.context["form"].errors["document"])
    assert not Certificate.objects.exists()


def test_the_certificate_list_filters_by_status(client_as, supplied):
    client = client_as(Role.PLANNER)
    expired = client.get(reverse("srm:certificate_list"), {"status": "expired"}).context["table"].data
    assert [row.number for row in expired] == ["T-OLD"]
    expiring = client.get(reverse("srm:certificate_list"), {"status": "expiring"}).context["table"].data
    assert [row.number for row in expiring] == ["Q-SOON"]


# --- An item's sources ---------------------------------------------------------------------------------------


def test_the_items_sources_page_lists_the_avl_and_picks_a_source(client_as, supplied):
    client = client_as(Role.PLANNER)
    url = reverse("srm:item_sources", args=[supplied.item_id])
    html = page(client.get(url))
    assert "HEATCO" in html and "THERMA" in html and 'id="picked"' not in html
    picked = page(client.get(url, {"quantity": "150", "on": timezone.localdate().isoformat()}))
    assert 'id="picked"' in picked and "<strong>HEATCO</strong>" in picked and "9 CNY" in picked
    bad = page(client.get(url, {"quantity": "-1", "on": timezone.localdate().isoformat()}))
    assert 'id="picked"' not in bad
