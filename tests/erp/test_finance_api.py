"""The finance API over HTTP with tokens: invoice drafts with lines by codes, post / pay / cancel, payments,
manual journal entries and their reversal, accounts and budgets, the reports; refusals as 400s naming field
and code; roles."""

from decimal import Decimal

import pytest

from core.roles import Role
from erp.choices import InvoiceState
from erp.models import Invoice, JournalEntry
from tests.erp.conftest import TODAY
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.services.moves import stock_move_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

API = "/api/v1/erp"
D = Decimal


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, response.content
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def finance(api_as, company):
    return api_as(Role.FINANCE)


def test_an_invoice_from_draft_to_paid(finance, customer, vat, item):
    item("KT-200")
    draft = ok(
        finance.post(
            f"{API}/invoices/",
            {
                "kind": "customer",
                "partner": "MEDIAHOME",
                "invoice_date": TODAY.isoformat(),
                "lines": [
                    {"item": "KT-200", "quantity": "2", "unit_price": "100", "tax_rate": "VAT13"},
                    {"description": "Freight", "quantity": "1", "unit_price": "15.50", "account": "4000"},
                ],
            },
            format="json",
        ),
        201,
    )
    assert (draft["state"], draft["currency"], draft["journal_entry"]) == ("draft", "CNY", None)
    assert [line["account"] for line in draft["lines"]] == ["4000", "4000"]
    posted = ok(finance.post(f"{API}/invoices/{draft['id']}/post/"))
    assert (posted["state"], posted["total_amount"], posted["open_amount"]) == ("posted", "241.50", "241.50")
    assert posted["journal_entry"].startswith("JE-")

    half = ok(finance.post(f"{API}/invoices/{draft['id']}/pay/", {"amount": "100", "reference": "B-1"}, format="json"))
    assert (half["paid_amount"], half["payments"][0]["amount"], half["payments"][0]["date"]) == (
        "100.00",
        "100.00",
        TODAY.isoformat(),
    )
    assert errors(finance.post(f"{API}/invoices/{draft['id']}/pay/", {"amount": "141.51"}, format="json")) == {
        ("amount", "overpayment"): f"141.51 is more than the 141.50 still open on {draft['number']}."
    }
    paid = ok(finance.post(f"{API}/invoices/{draft['id']}/pay/", {"amount": "141.50"}, format="json"))
    assert paid["state"] == "paid"
    refused = finance.post(f"{API}/invoices/{draft['id']}/cancel/", {}, format="json")
    assert (None, "has_payments") in errors(refused)

    listing = ok(finance.get(f"{API}/invoices/", {"state": "paid", "partner": "MEDIAHOME"}))
    assert [row["number"] for row in listing["results"]] == [draft["number"]]
    payments = ok(finance.get(f"{API}/payments/", {"partner": "MEDIAHOME"}))
    assert sorted(p["amount"] for p in payments["results"]) == ["100.00", "141.50"]


def test_invoice_drafts_refuse_bad_input_by_field(finance, customer, supplier):
    unknown = finance.post(
        f"{API}/invoices/",
        {
            "kind": "customer",
            "partner": "NOBODY",
            "invoice_date": TODAY.isoformat(),
            "lines": [{"quantity": "1", "unit_price": "1", "tax_rate": "VAT99"}, {"colour": "red"}],
        },
        format="json",
    )
    found = errors(unknown)
    assert ("partner", "does_not_exist") in found
    assert ("lines.0.tax_rate", "does_not_exist") in found and ("lines.1.colour", "read_only") in found
    refused = finance.post(
        f"{API}/invoices/",
        {
            "kind": "customer",
            "partner": "HEATCO",
            "invoice_date": TODAY.isoformat(),
            "lines": [{"description": "x", "quantity": "1", "unit_price": "1"}],
        },
        format="json",
    )
    assert errors(refused) == {("partner", "not_customer"): "HEATCO is not a customer."}
    lines = finance.post(
        f"{API}/invoices/",
        {
            "kind": "supplier",
            "partner": "HEATCO",
            "invoice_date": TODAY.isoformat(),
            "lines": [
                {"description": "ok", "quantity": "1", "unit_price": "1"},
                {"quantity": "0", "unit_price": "1", "account": "4000"},
            ],
        },
        format="json",
    )
    assert set(errors(lines)) == {
        ("lines.1.quantity", "min_value"),
        ("lines.1.account", "wrong_account_kind"),
        ("lines.1.description", "required"),
    }
    assert not Invoice.objects.exists()


def test_a_posted_invoice_is_cancelled_with_a_reversal(finance, supplier, usd):
    bill = ok(
        finance.post(
            f"{API}/invoices/",
            {
                "kind": "supplier",
                "partner": "HEATCO",
                "invoice_date": TODAY.isoformat(),
                "currency": "USD",
                "supplier_reference": "HC-1",
                "lines": [{"description": "Tooling", "quantity": "1", "unit_price": "10"}],
            },
            format="json",
        ),
        201,
    )
    assert bill["exchange_rate"] == "7.10000000"
    finance.post(f"{API}/invoices/{bill['id']}/post/")
    assert ("date", "before_invoice_date") in errors(
        finance.post(f"{API}/invoices/{bill['id']}/cancel/", {"date": "2026-01-01"}, format="json")
    )
    cancelled = ok(finance.post(f"{API}/invoices/{bill['id']}/cancel/", {"date": TODAY.isoformat()}, format="json"))
    assert cancelled["state"] == "cancelled"
    entry = JournalEntry.objects.get(number=cancelled["journal_entry"])
    assert entry.reversed_by.date == TODAY
    assert (None, "cancelled") in errors(finance.post(f"{API}/invoices/{bill['id']}/cancel/"))


def test_manual_entries_and_their_reversal(finance, company):
    created = ok(
        finance.post(
            f"{API}/journal-entries/",
            {
                "date": TODAY.isoformat(),
                "memo": "Bank charges",
                "lines": [
                    {"account": "6000", "debit": "12.50", "description": "fees"},
                    {"account": "1000", "credit": "12.50"},
                ],
            },
            format="json",
        ),
        201,
    )
    assert created["source"] == "manual"
    assert [(line["account"], line["debit"], line["credit"]) for line in created["lines"]] == [
        ("6000", "12.50", "0.00"),
        ("1000", "0.00", "12.50"),
    ]
    unbalanced = finance.post(
        f"{API}/journal-entries/",
        {
            "date": TODAY.isoformat(),
            "memo": "Oops",
            "lines": [{"account": "6000", "debit": "10"}, {"account": "1100", "credit": "9"}],
        },
        format="json",
    )
    assert errors(unbalanced) == {
        ("lines.1.account", "control_account"): (
            "1100 is kept by its sub-ledger (accounts receivable): post the business document."
        )
    }
    reversal = ok(finance.post(f"{API}/journal-entries/{created['id']}/reverse/", {}, format="json"), 201)
    assert (reversal["source"], reversal["reversal_of"]) == ("reversal", created["number"])
    again = ok(finance.get(f"{API}/journal-entries/{created['id']}/"))
    assert again["reversed_by"] == reversal["number"]
    assert (None, "already_reversed") in errors(finance.post(f"{API}/journal-entries/{created['id']}/reverse/"))
    listing = ok(finance.get(f"{API}/journal-entries/", {"source": "manual", "account": "6000"}))
    assert [row["number"] for row in listing["results"]] == [created["number"]]
    # Entries are immutable: no update or delete routes.
    assert finance.patch(f"{API}/journal-entries/{created['id']}/", {"memo": "x"}, format="json").status_code == 405
    assert finance.delete(f"{API}/journal-entries/{created['id']}/").status_code == 405


def test_accounts_and_budgets_by_code(finance, api_as):
    account = ok(
        finance.post(f"{API}/accounts/", {"code": "6100", "name": "Travel", "kind": "expense"}, format="json"), 201
    )
    assert account["parent"] is None and account["active"] is True
    assert ("kind", "invalid_choice") in errors(
        finance.post(f"{API}/accounts/", {"code": "X", "name": "X", "kind": "?"})
    )
    budget = ok(
        finance.post(f"{API}/budgets/", {"account": "6100", "year": 2026, "month": 3, "amount": "250"}, format="json"),
        201,
    )
    assert (budget["account"], budget["cost_center"], budget["amount"]) == ("6100", None, "250.00")
    month = finance.post(
        f"{API}/budgets/", {"account": "6100", "year": 2026, "month": 13, "amount": "1"}, format="json"
    )
    assert errors(month) == {("month", "max_value"): "Ensure this value is less than or equal to 12."}
    duplicate = finance.post(
        f"{API}/budgets/", {"account": "6100", "year": 2026, "month": 3, "amount": "1"}, format="json"
    )
    assert duplicate.status_code == 400
    planner = api_as(Role.PLANNER)
    assert planner.get(f"{API}/accounts/").status_code == 200
    assert planner.post(f"{API}/accounts/", {"code": "Z", "name": "Z", "kind": "expense"}).status_code == 403
    assert planner.get(f"{API}/budgets/").status_code == 403


def test_the_reports(finance, api_as, customer, item, bin_):
    kettle = item("KT-200")
    stock_move_post(
        item=kettle,
        quantity=D(4),
        from_location=virtual_location(LocationKind.SUPPLIER),
        to_location=bin_("A-01"),
        kind=MoveKind.RECEIPT,
        unit_cost=D("2.5"),
    )
    draft = ok(
        finance.post(
            f"{API}/invoices/",
            {
                "kind": "customer",
                "partner": "MEDIAHOME",
                "invoice_date": "2026-09-01",
                "due_date": "2026-09-30",
                "lines": [{"description": "Kettles", "quantity": "1", "unit_price": "80"}],
            },
            format="json",
        ),
        201,
    )
    finance.post(f"{API}/invoices/{draft['id']}/post/")

    trial = ok(finance.get(f"{API}/reports/trial-balance/", {"as_of": TODAY.isoformat()}))
    assert trial["balance"] == "0.00" and trial["debit"] == trial["credit"] == "90.00"
    assert {row["account"]["code"]: row["balance"] for row in trial["rows"]} == {
        "1100": "80.00",
        "1300": "10.00",
        "2100": "-10.00",
        "4000": "-80.00",
    }
    pnl = ok(finance.get(f"{API}/reports/profit-and-loss/", {"date_from": "2026-09-01", "date_to": "2026-09-30"}))
    assert (pnl["profit"], pnl["income"]["rows"][0]["actual"]) == ("80.00", "80.00")
    assert ("date_to", "before_start") in errors(
        finance.get(f"{API}/reports/profit-and-loss/", {"date_from": "2026-09-30", "date_to": "2026-09-01"})
    )
    assert ("date_from", "required") in errors(finance.get(f"{API}/reports/profit-and-loss/"))
    sheet = ok(finance.get(f"{API}/reports/balance-sheet/"))
    assert sheet["assets"]["actual"] == sheet["liabilities_and_equity"] == "90.00"
    aged = ok(finance.get(f"{API}/reports/aging/", {"kind": "customer", "as_of": "2026-11-01"}))
    assert aged["totals"] == {
        "current": "0.00",
        "days_1_30": "0.00",
        "days_31_60": "80.00",
        "days_61_90": "0.00",
        "over_90": "0.00",
    }
    assert aged["partners"][0]["invoices"][0]["days_past_due"] == 32
    assert ("kind", "required") in errors(finance.get(f"{API}/reports/aging/"))
    budget = ok(finance.get(f"{API}/reports/budget/", {"year": 2026}))
    assert [(row["account"]["code"], row["actual"]) for row in budget["rows"]] == [("4000", "80.00")]
    stock = ok(finance.get(f"{API}/reports/stock-valuation/"))
    assert stock["rows"][0] == {
        "item": "KT-200",
        "name": "KT-200",
        "unit": "ea",
        "method": "average",
        "quantity": "4.000000",
        "unit_cost": "2.500000",
        "value": "10.00",
        "on_hand": "4.000000",
    }
    assert (stock["total_value"], stock["account_balance"], stock["difference"]) == ("10.00", "10.00", "0.00")
    planner = ok(api_as(Role.PLANNER).get(f"{API}/reports/stock-valuation/"))
    assert planner["total_value"] == "10.00" and "account_balance" not in planner
    assert api_as(Role.PLANNER).get(f"{API}/reports/trial-balance/").status_code == 403
    assert api_as(Role.SALES).get(f"{API}/reports/aging/", {"kind": "customer"}).status_code == 200


def test_roles_on_invoices(api_as, customer, company):
    finance = api_as(Role.FINANCE)
    draft = ok(
        finance.post(
            f"{API}/invoices/",
            {
                "kind": "customer",
                "partner": "MEDIAHOME",
                "invoice_date": TODAY.isoformat(),
                "lines": [{"description": "x", "quantity": "1", "unit_price": "1"}],
            },
            format="json",
        ),
        201,
    )
    sales = api_as(Role.SALES)
    assert sales.get(f"{API}/invoices/{draft['id']}/").status_code == 200
    assert sales.post(f"{API}/invoices/{draft['id']}/post/").status_code == 403
    assert sales.post(f"{API}/invoices/", {"kind": "customer"}, format="json").status_code == 403
    assert api_as(Role.OPERATOR).get(f"{API}/invoices/").status_code == 403
    assert api_as(Role.SALES).get(f"{API}/journal-entries/").status_code == 403
    assert Invoice.objects.get(pk=draft["id"]).state == InvoiceState.DRAFT


def test_lists_take_a_fixed_number_of_queries(finance, customer, django_assert_max_num_queries):
    for n in range(6):
        draft = ok(
            finance.post(
                f"{API}/invoices/",
                {
                    "kind": "customer",
                    "partner": "MEDIAHOME",
                    "invoice_date": TODAY.isoformat(),
                    "lines": [{"description": "x", "quantity": "1", "unit_price": str(n + 1)}],
                },
                format="json",
            ),
            201,
        )
        finance.post(f"{API}/invoices/{draft['id']}/post/")
        finance.post(f"{API}/invoices/{draft['id']}/pay/", {"amount": "1"}, format="json")
    for url in ("invoices/", "payments/", "journal-entries/", "accounts/", "budgets/"):
        with django_assert_max_num_queries(6):
            ok(finance.get(f"{API}/{url}"))
    with django_assert_max_num_queries(7):
        ok(finance.get(f"{API}/invoices/{draft['id']}/"))
