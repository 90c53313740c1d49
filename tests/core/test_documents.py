"""The documents' one layout: money and prices as printed, the addressee's address by kind, and a long body
running over pages that all say "Page x of y"."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.documents.parties import partner_address_lines, partner_party
from core.documents.pdf import Column, Layout, Party, barcode, lines_table, money, price, render_pdf
from core.models import Partner, PartnerAddress
from tests.pdf import font_of_each_string, fonts_drawn_with, has_code128, page_count, pdf_text


@pytest.mark.parametrize(
    ("amount", "printed"),
    [("2295", "2,295.00"), ("0.125", "0.13"), ("-1234.565", "-1,234.57"), ("1E+3", "1,000.00")],
)
def test_money_is_printed_in_cents_rounded_half_up_with_thousands(amount, printed):
    assert money(Decimal(amount)) == printed


@pytest.mark.parametrize(
    ("amount", "printed"), [("19.990000", "19.99"), ("0.012500", "0.0125"), ("1234.5", "1,234.50")]
)
def test_a_unit_price_keeps_the_places_it_has_beyond_cents(amount, printed):
    assert price(Decimal(amount)) == printed


@pytest.mark.django_db
def test_a_partner_is_addressed_at_its_default_address_of_the_kind_else_its_own():
    partner = Partner.objects.create(
        code="MH", name="MediaHome", kind="customer", street="1 Market St", postal_code="69001", city="Lyon",
        country="FR", vat_number="FR-1",
    )  # fmt: skip
    assert partner_address_lines(partner, "shipping") == ["1 Market St", "69001 Lyon", "FR"]
    for name, default in (("Old DC", False), ("DC Lyon", True)):
        PartnerAddress.objects.create(
            partner=partner, kind="shipping", name=name, street=f"{name} Quai", city="Lyon", country="FR",
            is_default=default,
        )  # fmt: skip
    assert partner_address_lines(partner, "shipping") == ["DC Lyon", "DC Lyon Quai", "Lyon", "FR"]
    assert partner_address_lines(partner, "billing") == ["1 Market St", "69001 Lyon", "FR"]
    party = partner_party(partner, heading="To", attention="Ms Li")
    assert (party.name, party.lines[-1], party.notes) == ("MediaHome", "Attn. Ms Li", ["VAT number: FR-1"])


@pytest.mark.django_db
def test_a_long_document_numbers_every_page_of_the_total_and_draws_its_barcodes():
    layout = Layout(title="TEST", name="Test T-1", company=None, identity=[("Number", "T-1")], barcode="T-1")
    rows = [[str(n), f"Line {n}", "1 ea"] for n in range(1, 121)]
    table = lines_table([Column("Pos", 20), Column("Text"), Column("Qty", 60, numeric=True)], rows, [("Sum", "120")])
    pdf = render_pdf(layout, [table, barcode("T-1/10")])
    pages = page_count(pdf)
    text = pdf_text(pdf)
    assert pages >= 3 and all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))
    assert "Line 120" in text and "Sum" in text and text.count("Pos") == pages  # the header on each page
    assert has_code128(pdf, "T-1") and has_code128(pdf, "T-1/10") and not has_code128(pdf, "T-2")


def test_a_document_in_chinese_is_set_in_the_cjk_font_throughout_and_reads_back():
    layout = Layout(title="TEST", name="Test T-1", company=None, identity=[("Number", "T-1")])
    with translation.override("zh-hans"):
        table = lines_table([Column("Pos", 40), Column("Text")], [["1", "Line one"]], [("Sum", "1")])
        pdf = render_pdf(layout, [table])
    assert fonts_drawn_with(pdf) == {"STSong-Light"}
    text = pdf_text(pdf)
    assert "第 1 页，共 1 页" in text and "Line one" in text and "TEST" in text and "Sum" in text  # noqa: RUF001


def test_chinese_text_in_an_english_document_is_set_in_the_cjk_font_and_the_rest_in_helvetica():
    party = Party(heading="To", name="宁波家电有限公司", lines=["1 Market St"])
    layout = Layout(title="INVOICE", name="Invoice 发票-1", company=None, identity=[("Number", "1")], party=party)
    pdf = render_pdf(layout, [lines_table([Column("Pos", 20), Column("Text")], [["1", "电水壶 Kettle"]])])
    fonts = font_of_each_string(pdf)
    for chinese in ("宁波家电有限公司", "电水壶 Kettle", "Invoice 发票-1"):
        assert fonts[chinese] == "STSong-Light", chinese
    for latin in ("INVOICE", "1 Market St", "Page 1 of 1"):
        assert fonts[latin] in ("Helvetica", "Helvetica-Bold"), latin
