"""Supplier certificates: a required one blocks new purchase orders from the day after it expires, with the
reason shown, until it is renewed or removed; the daily task warns of expiries ahead, once per expiry."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import BlockPurpose, DomainEvent, Partner, PartnerBlock
from core.selectors.partners import partner_blocks_in_force
from erp.services.purchasing import purchase_order_create
from srm.events import CERTIFICATE_EXPIRING
from srm.models import Certificate
from srm.services.suppliers import (
    certificate_add,
    certificate_remove,
    certificate_renew,
    certificate_update,
    certificates_expiry_warn,
)
from srm.tasks import certificates_expiry_warn_task
from tests.srm.suppliers_fixtures import codes, day, refused

pytestmark = pytest.mark.django_db


def today_plus(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def open_blocks(supplier) -> list[tuple[str, datetime.date]]:
    return list(PartnerBlock.objects.filter(partner=supplier, lifted_at=None).values_list("reason", "effective_from"))


@pytest.fixture
def order_from(warehouse, element):
    def order(supplier):
        return purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            lines=[{"item": element, "quantity": Decimal(10), "unit_price": Decimal(12)}],
        )

    return order


def test_a_required_certificate_sets_a_block_from_the_day_after_it_expires(make_certificate, supplier):
    certificate = make_certificate(valid_to=datetime.date(2026, 10, 31), number="12345", blocks_purchasing=True)
    block = PartnerBlock.objects.get()
    assert (block.partner, block.purpose, block.source) == (
        supplier,
        BlockPurpose.PURCHASING,
        f"srm.certificate:{certificate.pk}",
    )
    assert block.reason == "ISO 9001 certificate 12345 expired on 2026-10-31"
    assert block.effective_from == datetime.date(2026, 11, 1) and block.lifted_at is None
    assert not partner_blocks_in_force(
        partner=supplier, purpose=BlockPurpose.PURCHASING, on=datetime.date(2026, 10, 31)
    )
    assert partner_blocks_in_force(partner=supplier, purpose=BlockPurpose.PURCHASING, on=datetime.date(2026, 11, 1))


def test_an_optional_certificate_sets_no_block(make_certificate):
    make_certificate(blocks_purchasing=False)
    assert not PartnerBlock.objects.exists()


def test_an_expired_required_certificate_stops_new_purchase_orders_with_the_reason(
    make_certificate, supplier, second_supplier, order_from
):
    make_certificate(valid_to=today_plus(-1), number="12345", blocks_purchasing=True)
    error = refused(order_from, supplier=supplier)
    assert codes(error) == {("supplier", "blocked")}
    expired = today_plus(-1).isoformat()
    assert f"ISO 9001 certificate 12345 expired on {expired}" in error.messages[0]
    # Another supplier is not concerned.
    assert order_from(second_supplier).supplier == second_supplier


def test_a_certificate_expiring_later_does_not_block_today(make_certificate, supplier, order_from):
    make_certificate(valid_to=today_plus(0), blocks_purchasing=True)
    assert order_from(supplier).supplier == supplier


def test_renewal_lifts_the_block_and_sets_one_for_the_new_expiry(make_certificate, supplier, order_from):
    certificate = make_certificate(valid_to=today_plus(-1), number="12345", blocks_purchasing=True)
    old_block = PartnerBlock.objects.get()
    renewed = certificate_renew(
        certificate=certificate, valid_from=today_plus(0), valid_to=today_plus(365), number="12399"
    )
    old_block.refresh_from_db()
    assert old_block.lifted_at is not None
    assert open_blocks(supplier) == [
        (f"ISO 9001 certificate 12399 expired on {today_plus(365).isoformat()}", today_plus(366))
    ]
    assert (renewed.number, renewed.valid_to) == ("12399", today_plus(365))
    assert order_from(supplier).supplier == supplier


def test_a_renewal_must_run_past_the_current_expiry(make_certificate):
    certificate = make_certificate(valid_to=day(100), blocks_purchasing=True)
    error = refused(certificate_renew, certificate=certificate, valid_from=day(0), valid_to=day(100))
    assert codes(error) == {("valid_to", "not_later")}
    error = refused(certificate_renew, certificate=certificate, valid_from=day(300), valid_to=day(200))
    assert codes(error) == {("valid_to", "invalid_period")}
    assert PartnerBlock.objects.get().lifted_at is None


def test_a_certificate_no_longer_required_or_removed_lifts_its_block(make_certificate, supplier, order_from):
    certificate = make_certificate(valid_to=today_plus(-1), blocks_purchasing=True)
    certificate_update(certificate=certificate, blocks_purchasing=False)
    assert open_blocks(supplier) == []
    certificate_update(certificate=certificate, blocks_purchasing=True, number="N-2")
    assert len(open_blocks(supplier)) == 1
    certificate_remove(certificate=certificate)
    assert open_blocks(supplier) == [] and not Certificate.objects.exists()
    assert PartnerBlock.objects.count() == 2  # both kept, lifted, as history
    assert order_from(supplier).supplier == supplier


def test_a_certificate_of_a_customer_or_ending_before_it_starts_is_refused(make_certificate, supplier, company):
    customer = Partner.objects.create(code="C1", name="C1", kind="customer")
    assert codes(refused(make_certificate, supplier=customer)) == {("supplier", "not_a_supplier")}
    error = refused(
        certificate_add,
        supplier=supplier,
        kind="rohs",
        number="R",
        valid_from=datetime.date(2026, 5, 1),
        valid_to=datetime.date(2026, 4, 1),
    )
    assert codes(error) == {("valid_to", "invalid_period")}
    assert not Certificate.objects.exists() and not PartnerBlock.objects.exists()


def test_a_document_is_checked_for_size_and_type(make_certificate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    error = refused(make_certificate, document=bad)
    assert codes(error) == {("document", "file_type_not_allowed")}
    settings.TAKT_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("iso.pdf", b"%PDF-" + b"x" * 20, content_type="application/pdf")
    assert codes(refused(make_certificate, document=big)) == {("document", "file_too_large")}
    settings.TAKT_ATTACHMENT_MAX_BYTES = 1000
    certificate = make_certificate(document=SimpleUploadedFile("iso.pdf", b"%PDF-1.4", content_type="application/pdf"))
    assert certificate.document.name.startswith("srm/certificates/") and certificate.document.name.endswith(".pdf")
    assert Certificate.objects.count() == 1


def test_expiring_certificates_are_warned_of_once_per_expiry_date(make_certificate, second_supplier):
    soon = make_certificate(valid_to=day(10), blocks_purchasing=True)
    make_certificate(supplier=second_supplier, valid_to=day(30), kind="rohs", number="R-1")
    make_certificate(valid_to=day(31), kind="reach", number="X")  # beyond the window
    make_certificate(valid_to=day(-1), kind="iso_14001", number="E")  # expired already: blocked, not warned

    warned = certificates_expiry_warn(today=day(0), days=30)
    assert [(c.number, c.valid_to) for c in warned] == [("Q-1", day(10)), ("R-1", day(30))]
    assert DomainEvent.objects.filter(name=CERTIFICATE_EXPIRING).order_by("pk").first().payload == {
        "certificate": str(soon.pk),
        "supplier": "HEATCO",
        "kind": "iso_9001",
        "number": "Q-1",
        "valid_to": day(10).isoformat(),
        "days_left": 10,
        "blocks_purchasing": True,
    }
    # Run again the same day: nothing new. Renewed: warned again when the new expiry comes near.
    assert certificates_expiry_warn(today=day(0), days=30) == []
    certificate_renew(certificate=soon, valid_from=day(5), valid_to=day(40))
    assert [c.number for c in certificates_expiry_warn(today=day(15), days=30)] == ["X", "Q-1"]
    assert DomainEvent.objects.filter(name=CERTIFICATE_EXPIRING).count() == 4


def test_the_daily_task_warns_within_the_configured_days(make_certificate, settings):
    settings.TAKT_CERTIFICATE_WARNING_DAYS = 5
    make_certificate(valid_to=today_plus(5))
    make_certificate(valid_to=today_plus(6), number="Q-2")
    assert certificates_expiry_warn_task() == 1
    assert settings.CELERY_BEAT_SCHEDULE["srm-certificates-expiry-warn"]["task"] == certificates_expiry_warn_task.name
