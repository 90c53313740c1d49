"""The finance screens: invoices (new draft, post, pay, cancel), payments, journal entries (manual entry,
reverse), accounts, budgets, and the six reports with their CSV downloads; who may open what."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import Partner
from core.roles import Role
from erp.choices import InvoiceKind, InvoiceState, JournalSource
from erp.models import Account, Budget, CostCenter, Invoice, JournalEntry
from erp.services.finance import journal_entry_create_manual
from erp.services.invoices import invoice_create, invoice_post, payment_register
from erp.views.finance import SCREENS
from tests.erp.conftest import TODAY
from tests.urls import all_urls
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.services.moves import stock_move_post

pytestmark = pytest.mark.django_db

D = Decimal
REPORTS = ["trial_balance", "profit_and_loss", "balance_sheet", "aging", "budget_report", "stock_valuation"]


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def draft(partner, kind=InvoiceKind.CUSTOMER, amount="100"):
    return invoice_create(
        kind=kind,
        partner=partner,
        invoice_date=TODAY,
        lines=[{"description": "Kettles", "quantity": 2, "unit_price": D(amount) / 2}],
    )


@pytest.fixture
def books(customer, supplier, vat, item, bin_):
    """A month of books: invoices in every state, a payment, a manual entry, a budget, valued stock."""
    paid = invoice_post(invoice=draft(customer))
    payment_register(invoice=paid, amount=D("40"), date=TODAY, reference="BANK-7")
    bill = invoice_post(invoice=draft(supplier, InvoiceKind.SUPPLIER, "55.50"))
    open_draft = draft(customer, amount="30")
    center = CostCenter.objects.create(code="CC-ASSY", name="Assembly")
    manual = journal_entry_create_manual(
        date=TODAY,
        memo="Bank charges",
        lines=[{"account": "6000", "debit": 5, "cost_center": "CC-ASSY"}, {"account": "1000", "credit": 5}],
    )
    Budget.objects.create(account=Account.objects.get(code="6000"), cost_center=center, year=2026, month=11, amount=9)
    kettle = item("KT-200", standard_cost=D("4"))
    stock_move_post(
        item=kettle,
        quantity=D(10),
        from_location=virtual_location(LocationKind.SUPPLIER),
        to_location=bin_("A-01"),
        kind=MoveKind.RECEIPT,
        unit_cost=D("4.20"),
    )
    return {"paid": paid, "bill": bill, "draft": open_draft, "manual": manual, "kettle": kettle, "center": center}


# --- Every screen -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_list_detail_and_edit_pages_render(client_as, books, screens):
    client = client_as(Role.FINANCE)
    page(client.get(reverse(screens.url_name("list"))))
    download = client.get(reverse(screens.url_name("list")), {"export": "csv"})
    assert download.status_code == 200 and b"".join(download.streaming_content).count(b"\n") > 1
    for obj in screens.get_queryset()[:5]:
        page(client.get(reverse(screens.url_name("detail"), args=[obj.pk])))
    if screens.editable:
        obj = screens.get_queryset().first()
        page(client.get(reverse(screens.url_name("edit"), args=[obj.pk])))
    if screens.editable or getattr(screens, "add_view", None):
        page(client.get(reverse(screens.url_name("add"))))


@pytest.mark.parametrize("model", ["invoice", "payment", "journalentry", "account", "budget"])
def test_list_pages_take_a_fixed_number_of_queries(client_as, books, customer, model, django_assert_max_num_queries):
    client = client_as(Role.FINANCE)
    for _ in range(5):  # more rows must not mean more queries
        invoice_post(invoice=draft(customer))
        journal_entry_create_manual(
            date=TODAY, memo="Fee", lines=[{"account": "6000", "debit": 1}, {"account": "1000", "credit": 1}]
        )
    with django_assert_max_num_queries(9):
        page(client.get(reverse(f"erp:{model}_list")))


def test_the_anonymous_are_sent_to_sign_in_everywhere_in_finance(client):
    names = {f"erp:{screens.meta.model_name}_{action}" for screens in SCREENS for action in ("list", "detail", "add")}
    names |= {f"erp:{name}" for name in [*REPORTS, "invoice_command", "journalentry_command"]}
    urls = [url for name, url in all_urls() if name in names]
    assert len(urls) >= len(REPORTS) + 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.FINANCE, set(REPORTS)),
        (Role.SALES, {"aging"}),
        (Role.BUYER, {"aging", "stock_valuation"}),
        (Role.PLANNER, {"stock_valuation"}),
        (Role.OPERATOR, set()),
    ],
)
def test_reports_follow_the_roles(client_as, books, role, allowed):
    client = client_as(role)
    for name in REPORTS:
        assert client.get(reverse(f"erp:{name}")).status_code == (200 if name in allowed else 403), name


def test_sales_and_partners_read_invoices_but_do_not_post_them(client_as, books):
    invoice = books["draft"]
    sales = client_as(Role.SALES)
    body = page(sales.get(invoice.get_absolute_url()))
    assert 'action="' + reverse("erp:invoice_command", args=[invoice.pk, "post"]) not in body
    page(sales.get(reverse("erp:payment_list")))
    response = sales.post(reverse("erp:invoice_command", args=[invoice.pk, "post"]), follow=True)
    assert messages_of(response) == ["Your role cannot do this."]
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.DRAFT
    assert client_as(Role.PARTNER).get(reverse("erp:invoice_list")).status_code == 403
    assert client_as(Role.PARTNER).get(reverse("erp:payment_list")).status_code == 403
    assert client_as(Role.OPERATOR).get(reverse("erp:journalentry_list")).status_code == 403


# --- Invoices --------------------------------------------------------------------------------------------------


def test_post_pay_and_cancel_from_the_invoice_page(client_as, books):
    client = client_as(Role.FINANCE)
    invoice = books["draft"]
    body = page(client.get(invoice.get_absolute_url()))
    assert f"erp/invoices/{invoice.pk}/post/" in body and "pay-form" not in body

    response = client.post(reverse("erp:invoice_command", args=[invoice.pk, "post"]), follow=True)
    assert messages_of(response) == [f"{invoice.number} is posted: 30.00 CNY."]
    assert "pay-form" in page(response)

    too_much = client.post(
        reverse("erp:invoice_command", args=[invoice.pk, "pay"]),
        {"amount": "31", "date": TODAY.isoformat()},
        follow=True,
    )
    assert "is more than the 30.00 still open" in messages_of(too_much)[0]
    bad = client.post(reverse("erp:invoice_command", args=[invoice.pk, "pay"]), {"amount": "x"}, follow=True)
    assert messages_of(bad)[0].startswith("Amount:")
    paid = client.post(
        reverse("erp:invoice_command", args=[invoice.pk, "pay"]),
        {"amount": "30", "date": TODAY.isoformat(), "reference": "BANK-9"},
        follow=True,
    )
    assert messages_of(paid)[0].startswith("Payment PAY-2026-")
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert "cancel-form" not in page(paid)
    refused = client.post(reverse("erp:invoice_command", args=[invoice.pk, "cancel"]), follow=True)
    assert messages_of(refused) == [f"{invoice.number} has payments: it cannot be cancelled."]
    assert invoice.payments.count() == 1

    bill = books["bill"]
    response = client.post(
        reverse("erp:invoice_command", args=[bill.pk, "cancel"]), {"date": TODAY.isoformat()}, follow=True
    )
    assert messages_of(response) == [f"{bill.number} is cancelled."]
    bill.refresh_from_db()
    assert bill.state == InvoiceState.CANCELLED and bill.journal_entry.reversed_by.date == TODAY


def test_a_new_invoice_from_its_page_and_its_refusals_on_the_fields(client_as, books, supplier):
    client = client_as(Role.FINANCE)
    url = reverse("erp:invoice_add")
    form = {
        "kind": "supplier",
        "partner": supplier.code,
        "invoice_date": TODAY.isoformat(),
        "supplier_reference": "HC-17",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Calibration",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "80",
        "lines-2-item": "KT-200",
        "lines-2-quantity": "0",
        "lines-2-unit_price": "5",
        "lines-2-account": "4000",
    }
    refused = client.post(url, form)
    body = page(refused)
    assert "The quantity must be more than zero." in body and "does not book to 4000" in body
    assert not Invoice.objects.filter(supplier_reference="HC-17").exists()
    form.update({"lines-2-quantity": "2", "lines-2-account": ""})
    response = client.post(url, form, follow=True)
    invoice = Invoice.objects.get(supplier_reference="HC-17")
    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    assert [(line.account.code, line.quantity) for line in invoice.lines.select_related("account")] == [
        ("6000", D(1)),
        ("2100", D(2)),
    ]
    unknown = client.post(url, {**form, "partner": "NOBODY"})
    assert "There is no such code." in page(unknown)


# --- Journal entries ---------------------------------------------------------------------------------------


def test_a_manual_entry_from_its_page_and_its_reversal(client_as, books):
    client = client_as(Role.FINANCE)
    url = reverse("erp:journalentry_add")
    form = {
        "date": TODAY.isoformat(),
        "memo": "Accrued rent",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-0-account": "6000",
        "lines-0-debit": "300",
        "lines-0-cost_center": "CC-ASSY",
        "lines-1-account": "1300",
        "lines-1-credit": "299",
    }
    assert "kept by its sub-ledger" in page(client.post(url, form))
    form["lines-1-account"] = "2100"
    assert "The entry does not balance: debits 300, credits 299." in page(client.post(url, form))
    assert not JournalEntry.objects.filter(memo="Accrued rent").exists()
    form["lines-1-credit"] = "300"
    response = client.post(url, form, follow=True)
    entry = JournalEntry.objects.get(memo="Accrued rent")
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    body = page(response)
    assert "reverse-form" in body

    reversed_ = client.post(
        reverse("erp:journalentry_command", args=[entry.pk, "reverse"]), {"date": TODAY.isoformat()}, follow=True
    )
    assert messages_of(reversed_)[0].startswith(f"{entry.number} is reversed by JE-")
    assert "reverse-form" not in page(reversed_)
    assert JournalEntry.objects.get(reversal_of=entry).source == JournalSource.REVERSAL
    # Entries of documents offer no reversal: their documents correct them.
    assert "reverse-form" not in page(client.get(books["paid"].journal_entry.get_absolute_url()))


# --- Accounts and budgets ----------------------------------------------------------------------------------


def test_accounts_and_budgets_are_kept_by_finance(client_as, books):
    client = client_as(Role.FINANCE)
    response = client.post(
        reverse("erp:account_add"), {"code": "6100", "name": "Travel", "kind": "expense", "active": "on"}, follow=True
    )
    account = Account.objects.get(code="6100")
    assert response.redirect_chain[-1][0] == account.get_absolute_url()
    body = page(client.get(Account.objects.get(code="1300").get_absolute_url()))
    assert 'id="account-balance">42.00<' in body and "Inventory" in body

    budget_url = reverse("erp:budget_add")
    form = {"account": account.pk, "year": 2026, "month": 13, "amount": "100"}
    assert "Ensure this value is less than or equal to 12." in page(client.post(budget_url, form))
    assert not Budget.objects.filter(account=account).exists()
    client.post(budget_url, {**form, "month": 12})
    assert Budget.objects.get(account=account).amount == D("100")
    assert client_as(Role.PLANNER).get(budget_url).status_code == 403
    assert client_as(Role.PLANNER).get(reverse("erp:account_add")).status_code == 403
    page(client_as(Role.PLANNER).get(reverse("erp:account_list")))
    hr = client_as(Role.HR)  # departments name cost centers
    page(hr.get(reverse("erp:costcenter_list")))
    page(hr.get(reverse("erp:costcenter_detail", args=[books["center"].pk])))
    assert hr.get(reverse("erp:costcenter_add")).status_code == 403


# --- Reports -------------------------------------------------------------------------------------------------


def test_the_reports_render_and_download(client_as, books):
    client = client_as(Role.FINANCE)
    body = page(client.get(reverse("erp:trial_balance"), {"as_of": TODAY.isoformat()}))
    assert 'id="trial-balance-total">0.00<' in body
    lines = client.get(reverse("erp:trial_balance"), {"as_of": TODAY.isoformat(), "export": "csv"})
    assert lines["Content-Disposition"] == f'attachment; filename="trial-balance-{TODAY.isoformat()}.csv"'
    rows = lines.content.decode().splitlines()
    assert rows[0] == "account,name,kind,debit,credit,balance" and rows[-1].endswith(",0.00")

    body = page(client.get(reverse("erp:profit_and_loss"), {"date_from": "2026-11-01", "date_to": "2026-11-30"}))
    assert 'id="profit">' in body
    csv_rows = client.get(
        reverse("erp:profit_and_loss"), {"date_from": "2026-11-01", "date_to": "2026-11-30", "export": "csv"}
    ).content.decode()
    # The bank charges (5.00) and the supplier's bill (55.50) against the month's budget of 9.00.
    assert "expense,6000,Purchased services and expenses,60.50,9.00,51.50" in csv_rows
    wrong = page(client.get(reverse("erp:profit_and_loss"), {"date_from": "2026-11-30", "date_to": "2026-11-01"}))
    assert "The period ends after it starts." in wrong and 'id="profit"' not in wrong

    body = page(client.get(reverse("erp:balance_sheet")))
    assert "Profit of the open period" in body and "differ" not in body

    body = page(client.get(reverse("erp:aging"), {"kind": "customer", "as_of": TODAY.isoformat()}))
    assert books["paid"].number in body and 'id="aging-total">60.00<' in body
    aging_csv = client.get(reverse("erp:aging"), {"kind": "supplier", "export": "csv"}).content.decode().splitlines()
    assert aging_csv[0] == "partner,name,current,days_1_30,days_31_60,days_61_90,over_90,total"
    assert aging_csv[1] == "HEATCO,HeatCo Elements,55.50,0.00,0.00,0.00,0.00,55.50"
    Partner.objects.filter(code="HEATCO").update(name="=HYPERLINK(1)")  # text a spreadsheet would run
    aging_csv = client.get(reverse("erp:aging"), {"kind": "supplier", "export": "csv"}).content.decode().splitlines()
    assert aging_csv[1] == "HEATCO,'=HYPERLINK(1),55.50,0.00,0.00,0.00,0.00,55.50"

    body = page(client.get(reverse("erp:budget_report"), {"year": 2026}))
    assert "CC-ASSY" in body
    budget_csv = client.get(reverse("erp:budget_report"), {"year": 2026, "export": "csv"}).content.decode()
    assert "6000,Purchased services and expenses,CC-ASSY,2026-11,9.00,5.00,-4.00" in budget_csv

    body = page(client.get(reverse("erp:stock_valuation")))
    assert 'id="stock-value">42.00<' in body and 'id="inventory-balance">42.00<' in body
    assert "equal to the stock" in body
    planner = page(client_as(Role.PLANNER).get(reverse("erp:stock_valuation")))
    assert 'id="stock-value">42.00<' in planner and "inventory-balance" not in planner
    stock_csv = client.get(reverse("erp:stock_valuation"), {"export": "csv"}).content.decode().splitlines()
    assert stock_csv[1].startswith("KT-200,KT-200,ea,average,10.000000,4.200000,42.00,10")
    # A day before anything: nothing.
    empty = page(
        client.get(reverse("erp:stock_valuation"), {"as_of": (TODAY - datetime.timedelta(days=400)).isoformat()})
    )
    assert "No stock on this day." in empty


def test_the_journal_filtered_by_account_lists_and_sums_each_entry_once(client_as, books):
    entry = journal_entry_create_manual(
        date=TODAY,
        memo="Split",
        lines=[{"account": "6000", "debit": 5}, {"account": "6000", "debit": 7}, {"account": "1000", "credit": 12}],
    )
    response = client_as(Role.FINANCE).get(reverse("erp:journalentry_list"), {"account": "6000", "export": "csv"})
    rows = b"".join(response.streaming_content).decode().splitlines()
    mine = [row for row in rows if row.startswith(entry.number)]
    assert len(mine) == 1 and ",12.00," in mine[0]
    assert len(rows) == 1 + 3  # the header; the bank charges and the supplier's bill of the books; this entry
