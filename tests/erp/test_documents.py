"""ERP's printed documents: the order confirmation, the customer invoice and the production traveller, each
drawn for a real order in a fixed number of queries, served as a PDF to whoever may see its page and to no one
else."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import PartnerAddress
from core.roles import Role
from erp.documents import invoice_pdf, order_confirmation_pdf, production_traveller_pdf
from erp.services import sales
from erp.services.invoices import invoice_create, invoice_post, payment_register
from tests.erp.conftest import TODAY
from tests.erp.test_production import build_plant, new_order, released
from tests.erp.test_sales import ship_all
from tests.pdf import font_of_each_string, fonts_drawn_with, has_code128, page_count, pdf_text
from wms.services.picking import pick_list_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def addressed(company, customer):
    company.address, company.vat_number = "88 Kettle Road, Ningbo", "CN-913302"
    company.save()
    customer.street, customer.postal_code, customer.city, customer.country = "1 Market St", "69001", "Lyon", "FR"
    customer.vat_number, customer.payment_terms_days = "FR-12345", 45
    customer.save()
    return customer


@pytest.fixture
def order(addressed, item, warehouse, bin_, receive, vat):
    """MediaHome orders 3 kettles at 100 less 10 % with 13 % VAT and 2 toasters at 19.99; the kettles are on hand."""
    kettle, toaster = item("KT-200"), item("TS-400")
    receive(kettle, 3, bin_("A-01"))
    order = sales.sales_order_create(
        customer=addressed,
        warehouse=warehouse,
        order_date=TODAY,
        requested_date=TODAY + datetime.timedelta(days=14),
        promised_date=TODAY + datetime.timedelta(days=21),
        customer_reference="MH-PO-7781",
        lines=[
            {"item": kettle, "quantity": Decimal(3), "unit_price": Decimal(100), "discount_pct": Decimal(10)}
            | {"tax_rate": vat},
            {"item": toaster, "quantity": Decimal(2), "unit_price": Decimal("19.99")},
        ],
    )
    return sales.sales_order_confirm(order=order)


def pdf_of(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.status_code
    return response.content


# --- Order confirmation -------------------------------------------------------------------------------------------


def test_the_order_confirmation_prints_the_lines_prices_tax_promised_dates_and_terms(client_as, order):
    pdf = pdf_of(client_as(Role.SALES), reverse("erp:salesorder_pdf", args=[order.pk]))
    assert pdf.startswith(b"%PDF-") and page_count(pdf) == 1
    text = pdf_text(pdf)
    for expected in (
        "SmartAppliance Co.",
        "88 Kettle Road, Ningbo",
        "ORDER CONFIRMATION",
        order.number,
        "MH-PO-7781",
        "MediaHome",
        "1 Market St",
        "69001 Lyon",
        "VAT number: FR-12345",
        "KT-200",
        "3 ea",
        "100.00",
        "270.00",  # 3 x 90
        "VAT13",
        "39.98",  # 2 x 19.99, no tax
        "309.98",  # net
        "35.10",  # tax on the kettles
        "345.08",
        "Total CNY",
        (TODAY + datetime.timedelta(days=21)).isoformat(),
        "Payment: 45 days",
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_the_order_confirmation_goes_to_the_billing_address_and_reads_a_long_order_in_few_queries(
    order, item, django_assert_max_num_queries
):
    PartnerAddress.objects.create(
        partner=order.customer, kind="billing", name="MediaHome Accounts", street="9 Rue des Comptes", city="Paris",
        postal_code="75002", country="FR", is_default=True,
    )  # fmt: skip
    for position in range(30, 330, 10):
        order.lines.create(position=position, item=item(f"SP-{position}"), quantity=1, unit_price=Decimal("1.5"))
    with django_assert_max_num_queries(6):
        pdf = order_confirmation_pdf(order)
    text = pdf_text(pdf)
    assert "9 Rue des Comptes" in text and "1 Market St" not in text
    assert "SP-320" in text and page_count(pdf) == 2 and "Page 2 of 2" in text


def test_the_order_confirmation_is_for_staff_who_see_the_order(client, client_as, order):
    url = reverse("erp:salesorder_pdf", args=[order.pk])
    assert client_as(Role.PARTNER).get(url).status_code == 403
    assert (
        reverse("erp:salesorder_pdf", args=[order.pk])
        in client_as(Role.WAREHOUSE).get(order.get_absolute_url()).content.decode()
    )
    assert pdf_of(client_as(Role.WAREHOUSE), url)
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
    assert client_as(Role.SALES).get(reverse("erp:salesorder_pdf", args=[order.pk + 1000])).status_code == 404


# --- Invoice -----------------------------------------------------------------------------------------------------


def test_the_invoice_prints_what_shipped_with_tax_totals_due_date_and_payment_reference(
    client_as, order, bin_, django_assert_max_num_queries
):
    ship_all(order, bin_)  # the kettles: the toasters are not on hand
    invoice = sales.sales_order_invoice(order=order, invoice_date=TODAY)
    pdf = pdf_of(client_as(Role.FINANCE), reverse("erp:invoice_pdf", args=[invoice.pk]))
    text = pdf_text(pdf)
    for expected in (
        "INVOICE",
        invoice.number,
        order.number,
        "MH-PO-7781",
        "Bill to",
        "MediaHome",
        "69001 Lyon",
        "KT-200",
        "3 ea",
        "90.00",
        "VAT13",
        "13%",
        "270.00",
        "35.10",
        "305.10",
        invoice.due_date.isoformat(),
        f"Please pay 305.10 CNY by {invoice.due_date.isoformat()}, quoting {invoice.number}",
    ):
        assert expected in text, expected
    assert "TS-400" not in text
    with django_assert_max_num_queries(5):
        invoice_pdf(invoice)


def test_a_partly_paid_invoice_shows_what_is_paid_and_open(customer, company):
    invoice = invoice_create(
        kind="customer",
        partner=customer,
        invoice_date=TODAY,
        lines=[{"description": "Tooling fee", "quantity": Decimal(1), "unit_price": Decimal("1200")}],
    )
    invoice = invoice_post(invoice=invoice)
    payment_register(invoice=invoice, amount=Decimal("200"), date=TODAY)
    text = pdf_text(invoice_pdf(invoice))
    assert "Tooling fee" in text and "1,200.00" in text
    assert "Paid 200.00 Open 1,000.00" in text and "Please pay 1,000.00 CNY" in text


def test_the_invoice_pdf_is_for_who_sees_invoices_and_for_issued_customer_invoices_only(client_as, customer, supplier):
    def invoice_of(kind, partner):
        line = {"description": "Service", "quantity": Decimal(1), "unit_price": Decimal("10")}
        return invoice_create(kind=kind, partner=partner, invoice_date=TODAY, lines=[line])

    draft, supplier_invoice = invoice_of("customer", customer), invoice_post(invoice=invoice_of("supplier", supplier))
    posted = invoice_post(invoice=invoice_of("customer", customer))
    finance = client_as(Role.FINANCE)
    assert pdf_of(finance, reverse("erp:invoice_pdf", args=[posted.pk]))
    assert 'id="document-pdf"' in finance.get(posted.get_absolute_url()).content.decode()
    for unsent in (draft, supplier_invoice):  # a draft has no amounts yet; a supplier's invoice is theirs
        assert finance.get(reverse("erp:invoice_pdf", args=[unsent.pk])).status_code == 404
        assert 'id="document-pdf"' not in finance.get(unsent.get_absolute_url()).content.decode()
    assert client_as(Role.OPERATOR).get(reverse("erp:invoice_pdf", args=[posted.pk])).status_code == 403


# --- Production traveller ------------------------------------------------------------------------------------------


def test_the_traveller_carries_the_order_and_each_operation_as_barcodes_and_the_bins_to_pick(
    client_as, company, warehouse, bin_, django_assert_max_num_queries
):
    order = released(build_plant(warehouse, bin_))
    with django_assert_max_num_queries(8):
        pdf = production_traveller_pdf(order)
    text = pdf_text(pdf)
    for expected in (
        "PRODUCTION TRAVELLER",
        "KT-200",
        "100 ea",
        "2026-12-10",  # due
        "ASSY Assembly",
        "Fit the element",
        "TEST Test bench",
        "230",  # planned minutes of op 10: 30 + 2 x 100
        "KT-BODY",
        "HE-2000",
        "103 ea",  # 2.5 % scrap allowance, in whole units
        "DESCALER",
        "25 kg",
        "MAIN/STOCK/A-01 (100 ea)",
        "MAIN/STOCK/A-02 (25 kg)",
        "Made to BOM rev A · routing rev A",
    ):
        assert expected in text, expected
    for code in (order.number, f"{order.number}/10", f"{order.number}/20"):
        assert code in text and has_code128(pdf, code), code
    assert not has_code128(pdf, f"{order.number}/30")

    assert pdf_of(client_as(Role.OPERATOR), reverse("erp:productionorder_pdf", args=[order.pk]))
    assert client_as(Role.PARTNER).get(reverse("erp:productionorder_pdf", args=[order.pk])).status_code == 403
    page = client_as(Role.PLANNER).get(order.get_absolute_url()).content.decode()
    assert reverse("erp:productionorder_pdf", args=[order.pk]) in page


def test_a_planned_order_prints_without_routing_and_bom_yet(company, warehouse, bin_):
    text = pdf_text(production_traveller_pdf(new_order(build_plant(warehouse, bin_))))
    assert "No routing copied yet." in text and "No BOM copied yet." in text


def test_the_travellers_order_barcode_scanned_at_the_warehouse_tablet_opens_its_material_pick_list(
    client_as, company, warehouse, bin_
):
    order = released(build_plant(warehouse, bin_))
    pick_list = pick_list_create(request=order.material_request)
    text = pdf_text(production_traveller_pdf(order))
    assert order.number in text
    response = client_as(Role.WAREHOUSE).get(reverse("wms:tablet_pick_lists"), {"code": order.number})
    assert response.status_code == 302 and response["Location"] == reverse("wms:tablet_pick", args=[pick_list.pk])


# --- Chinese ---------------------------------------------------------------------------------------------------


def chinese_and_latin_fonts(pdf: bytes, chinese: str) -> tuple[str, set[str]]:
    """The font `chinese` is drawn in, and all the fonts the document draws with."""
    fonts = font_of_each_string(pdf)
    return fonts[chinese], set(fonts.values())


def test_the_sales_documents_print_in_chinese_and_a_chinese_customer_name_in_the_cjk_font(order, bin_):
    ship_all(order, bin_)
    invoice = sales.sales_order_invoice(order=order, invoice_date=TODAY)
    with translation.override("zh-hans"):
        documents = {"订单确认": order_confirmation_pdf(order), "发票": invoice_pdf(invoice)}
    for title, pdf in documents.items():
        assert fonts_drawn_with(pdf) == {"STSong-Light"} and title in pdf_text(pdf), title

    order.customer.name = "宁波美家电器有限公司"
    order.customer.save()
    for pdf in (order_confirmation_pdf(order), invoice_pdf(invoice)):
        font, fonts = chinese_and_latin_fonts(pdf, "宁波美家电器有限公司")
        assert font == "STSong-Light" and "Helvetica" in fonts


def test_the_traveller_prints_in_chinese_and_a_chinese_item_name_in_the_cjk_font(company, warehouse, bin_):
    order = released(build_plant(warehouse, bin_))
    with translation.override("zh-hans"):
        pdf = production_traveller_pdf(order)
    assert fonts_drawn_with(pdf) == {"STSong-Light", "Courier"}  # Courier: the codes printed under the barcodes
    assert "生产流转卡" in pdf_text(pdf)

    order.item.name = "电水壶 1.7 升"
    order.item.save()
    font, fonts = chinese_and_latin_fonts(production_traveller_pdf(order), f"{order.item.code} 电水壶 1.7 升")
    assert font == "STSong-Light" and "Helvetica" in fonts
