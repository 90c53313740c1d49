"""A salesperson wins a quote in a real browser (Debian's Chromium, Playwright, the live test server): a new
draft for MediaHome, a line typed in and priced from the customer's list, dates promised by capable-to-promise,
sent, and accepted with the customer's PO number into a confirmed sales order that carries the promise. The
quote's page goes to docs/screenshots/sales-quote-won.png (docs/user-guide/sales.md)."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from crm.models import Quote, QuoteState
from erp.choices import SalesOrderState
from tests.browser import screenshot, signed_in  # noqa: F401  (the fixture)


def test_a_quote_is_promised_sent_and_won_into_a_sales_order(prices, goods, vat, bin_, receive, make_user, signed_in):  # noqa: F811
    receive(goods["kettle"], 50, bin_("A-01"))  # on hand: capable-to-promise promises today
    make_user(Role.SALES, username="sales-anna")
    today = timezone.localdate()
    requested = today + datetime.timedelta(days=14)
    with signed_in("sales-anna", reverse("crm:quote_add")) as page:
        page.fill("#id_account", "MEDIAHOME")
        page.fill("#id_requested_date", requested.isoformat())
        page.fill("#id_notes", "Winter promotion")
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("#add-line")
        page.fill("#add-line [name=item]", "KT-200")
        page.fill("#add-line [name=quantity]", "30")
        page.select_option("#add-line [name=tax_rate]", str(vat.pk))
        page.click("#add-line button[type=submit]")
        page.wait_for_selector("text=Line added.")
        page.get_by_role("button", name="Promise dates").click()
        page.wait_for_selector(f"text=Promised for {today.isoformat()}, in time for the requested")
        page.get_by_role("button", name="Mark as sent").click()
        page.wait_for_selector("text=Sent: the customer can accept it")
        page.fill("[name=customer_reference]", "PO-MH-4711")
        page.get_by_role("button", name="Accept").click()
        page.wait_for_selector("#sales-order")
        total = page.inner_text("#total")
        shot = screenshot(page, "sales-quote-won")

    quote = Quote.objects.select_related("sales_order").get()
    order = quote.sales_order
    assert (quote.state, quote.customer_reference, quote.promised_date) == (QuoteState.ACCEPTED, "PO-MH-4711", today)
    assert (order.customer.code, order.state, order.customer_reference) == (
        "MEDIAHOME",
        SalesOrderState.CONFIRMED,
        "PO-MH-4711",
    )
    line = order.lines.get()
    # 30 kettles at MediaHome's price from 20 (85), with 13 % VAT: 2,881.50.
    assert (line.item.code, line.quantity, line.unit_price, line.promised_date) == (
        "KT-200",
        Decimal(30),
        Decimal(85),
        today,
    )
    assert total == "2,881.50"
    assert shot.stat().st_size > 10_000
