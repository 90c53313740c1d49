"""The sourcing and contract screens: who sees them, a buyer's RFQ from the new page through the quotes typed
in to the side-by-side comparison and the award with its purchase order links, and a contract from the
new page to a call-off and its history."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import PartnerBlock
from core.roles import Role
from core.services.roles import model_access
from erp.models import PurchaseOrder
from srm.models import Contract, ContractLine, Rfq, RfqState, SupplierQuote
from tests.srm.sourcing_fixtures import *  # noqa: F403  (fixtures)
from tests.srm.sourcing_fixtures import day
from tests.urls import all_urls

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


SOURCING_NAMES = ("srm:rfq", "srm:supplierquote", "srm:contract")


def test_every_sourcing_page_sends_anonymous_users_to_sign_in(client):
    urls = [url for name, url in all_urls() if name.startswith(SOURCING_NAMES)]
    assert len(urls) == 21
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", list(Role))
def test_the_lists_and_pages_follow_the_access_table(client_as, quoted_rfq, make_contract, role):
    contract = make_contract()
    client = client_as(role)
    for model, list_url, detail_url in [
        ("srm.rfq", reverse("srm:rfq_list"), reverse("srm:rfq_detail", args=[quoted_rfq.pk])),
        ("srm.contract", reverse("srm:contract_list"), reverse("srm:contract_detail", args=[contract.pk])),
    ]:
        allowed = role == Role.ADMIN or role in model_access()[model].view
        expected = 200 if allowed else 403
        assert client.get(list_url).status_code == expected, (role, list_url)
        assert client.get(detail_url).status_code == expected, (role, detail_url)
    allowed = role == Role.ADMIN or role in model_access()["srm.rfq"].view
    comparison = client.get(reverse("srm:rfq_comparison", args=[quoted_rfq.pk]))
    assert comparison.status_code == (200 if allowed else 403)


def test_the_office_reads_but_sees_no_buttons(client_as, quoted_rfq, make_contract):
    contract = make_contract()
    planner = client_as(Role.PLANNER)
    rfq_page = page(planner.get(reverse("srm:rfq_detail", args=[quoted_rfq.pk])))
    assert "Enter quote" not in rfq_page and "Close for quotes" not in rfq_page and 'id="invite"' not in rfq_page
    assert 'id="award-form"' not in page(planner.get(reverse("srm:rfq_comparison", args=[quoted_rfq.pk])))
    assert 'id="call-off"' not in page(planner.get(reverse("srm:contract_detail", args=[contract.pk])))
    response = planner.post(reverse("srm:rfq_command", args=[quoted_rfq.pk, "close"]), follow=True)
    assert messages_of(response) == ["Your role cannot do this."]
    assert Rfq.objects.get().state == RfqState.SENT


def test_the_lists_filter_and_take_a_fixed_number_of_queries(
    client_as, make_rfq, supplier, therma, django_assert_max_num_queries
):
    others = [make_rfq(suppliers=[therma]) for _ in range(4)]
    only_heatco = make_rfq(suppliers=[supplier], title="Cables")
    client = client_as(Role.BUYER)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("srm:rfq_list"))
    assert response.status_code == 200
    listed = page(client.get(reverse("srm:rfq_list"), {"supplier": "HEATCO"}))
    assert only_heatco.number in listed and not any(rfq.number in listed for rfq in others)


def test_an_rfq_from_the_new_page_to_the_award_on_the_screens(client_as, parts, supplier, therma, euroheat, warehouse):
    buyer = client_as(Role.BUYER)
    response = buyer.post(reverse("srm:rfq_add"), {"title": "Elements", "respond_by": day(-1).isoformat()})
    assert "respond_by" in response.context["form"].errors  # the service's refusal, on the form
    response = buyer.post(reverse("srm:rfq_add"), {"title": "Elements", "respond_by": day(7).isoformat()})
    rfq = Rfq.objects.get()
    assert response.status_code == 302 and response["Location"] == rfq.get_absolute_url()

    add_line = reverse("srm:rfqline_add", args=[rfq.pk])
    buyer.post(add_line, {"new-item": "HE-2000", "new-quantity": "100", "new-required_date": day(20).isoformat()})
    buyer.post(add_line, {"new-item": "TH-01", "new-quantity": "200"})
    response = buyer.post(add_line, {"new-item": "NOPE", "new-quantity": "1"}, follow=True)
    assert any("There is no item NOPE" in m for m in messages_of(response))
    PartnerBlock.objects.create(
        partner=euroheat, purpose="purchasing", source="test", reason="Unpaid claims", effective_from=day(0)
    )
    invite = reverse("srm:rfq_invite", args=[rfq.pk])
    response = buyer.post(invite, {"suppliers": [supplier.pk, euroheat.pk]}, follow=True)
    assert any("Unpaid claims" in m for m in messages_of(response))
    buyer.post(invite, {"suppliers": [supplier.pk, therma.pk]})
    assert rfq.invitations.count() == 2
    buyer.post(reverse("srm:rfq_command", args=[rfq.pk, "send"]))
    rfq.refresh_from_db()
    assert rfq.state == RfqState.SENT

    line1, line2 = rfq.lines.order_by("position")
    quote_url = reverse("srm:rfq_quote", args=[rfq.pk, supplier.pk])
    form = page(buyer.get(quote_url))
    assert f'name="price_{line1.pk}"' in form and 'value="100"' in form  # the quantity asked, offered
    refused = buyer.post(quote_url, {f"price_{line1.pk}": "10", f"lead_{line1.pk}": "25", f"moq_{line1.pk}": "150"})
    assert refused.context["form"].errors[f"quantity_{line1.pk}"]  # the service's refusal, on the line's field
    quote = {
        "reference": "HC-881",
        f"price_{line1.pk}": "10",
        f"lead_{line1.pk}": "25",
        f"quantity_{line1.pk}": "100",
        f"price_{line2.pk}": "3",
        f"lead_{line2.pk}": "10",
        f"quantity_{line2.pk}": "200",
    }
    assert buyer.post(quote_url, quote).status_code == 302
    therma_quote = {
        f"price_{line1.pk}": "11",
        f"lead_{line1.pk}": "7",
        f"quantity_{line1.pk}": "100",
        f"quantity_{line2.pk}": "200",
    }
    assert buyer.post(reverse("srm:rfq_quote", args=[rfq.pk, therma.pk]), therma_quote).status_code == 302
    assert SupplierQuote.objects.get(supplier=supplier).submitted_by.username.startswith("buyer")
    detail = page(buyer.get(rfq.get_absolute_url()))
    assert "HC-881" in detail and "Compare quotes" in detail

    comparison = page(buyer.get(reverse("srm:rfq_comparison", args=[rfq.pk])))
    assert comparison.count('data-best="true"') == 2  # one best cell per line
    assert 'id="award-form"' in comparison
    therma_line = SupplierQuote.objects.get(supplier=therma).lines.get()
    heatco_line2 = SupplierQuote.objects.get(supplier=supplier).lines.get(rfq_line=line2)
    response = buyer.post(
        reverse("srm:rfq_award", args=[rfq.pk]),
        {f"line_{line1.pk}": therma_line.pk, f"line_{line2.pk}": heatco_line2.pk, "warehouse": warehouse.pk},
        follow=True,
    )
    orders = PurchaseOrder.objects.order_by("number")
    assert [(order.supplier.code, order.lines.get().unit_price) for order in orders] == [
        ("HEATCO", Decimal(3)),
        ("THERMA", Decimal(11)),
    ]
    assert any(all(order.number in m for order in orders) for m in messages_of(response))
    detail = response.content.decode()
    for order in orders:
        assert f'href="{order.get_absolute_url()}"' in detail  # the PO links


def test_an_award_erp_refuses_is_a_message_and_nothing_is_written(client_as, quoted_rfq, therma, warehouse):
    PartnerBlock.objects.create(
        partner=therma, purpose="purchasing", source="test", reason="Audit failed", effective_from=day(0)
    )
    line = SupplierQuote.objects.get(supplier=therma).lines.get(rfq_line__position=1)
    response = client_as(Role.BUYER).post(
        reverse("srm:rfq_award", args=[quoted_rfq.pk]),
        {f"line_{line.rfq_line_id}": line.pk, "warehouse": warehouse.pk},
        follow=True,
    )
    assert any("Audit failed" in m for m in messages_of(response))
    assert not PurchaseOrder.objects.exists()
    assert Rfq.objects.get().state == RfqState.SENT


def test_a_contract_from_the_new_page_to_its_call_offs(client_as, supplier, parts, warehouse, company):
    buyer = client_as(Role.BUYER)
    form = {"supplier": supplier.pk, "valid_from": day(0).isoformat(), "valid_to": day(-1).isoformat()}
    response = buyer.post(reverse("srm:contract_add"), form)
    assert "valid_to" in response.context["form"].errors
    response = buyer.post(reverse("srm:contract_add"), {**form, "valid_to": day(365).isoformat(), "terms": "DDP"})
    contract = Contract.objects.get()
    assert response["Location"] == contract.get_absolute_url()
    add_line = reverse("srm:contractline_add", args=[contract.pk])
    buyer.post(add_line, {"new-item": "HE-2000", "new-quantity": "1000", "new-unit_price": "9.5"})
    buyer.post(add_line, {"new-item": "TH-01", "new-quantity": "500", "new-unit_price": "2.9"})
    buyer.post(reverse("srm:contract_command", args=[contract.pk, "activate"]))
    element_line, _thermostat_line = ContractLine.objects.order_by("item__code")
    detail = page(buyer.get(contract.get_absolute_url()))
    assert 'id="call-off"' in detail

    call_off = reverse("srm:contract_call_off", args=[contract.pk])
    response = buyer.post(
        call_off, {"call-warehouse": warehouse.pk, f"call-quantity_{element_line.pk}": "1001"}, follow=True
    )
    assert any("1000 remain of the 1000 agreed" in m for m in messages_of(response))
    response = buyer.post(
        call_off,
        {
            "call-warehouse": warehouse.pk,
            f"call-quantity_{element_line.pk}": "400",
            f"call-date_{element_line.pk}": day(12).isoformat(),
        },
        follow=True,
    )
    order = PurchaseOrder.objects.get()
    assert any(order.number in m for m in messages_of(response))
    assert [(line.item.code, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("HE-2000", Decimal(400), Decimal("9.5"))
    ]
    detail = response.content.decode()
    assert f'href="{order.get_absolute_url()}"' in detail  # the call-off history links its order
    assert "<strong>600</strong>" in detail  # remaining of the elements


def test_the_screens_render_for_an_admin(client_as, quoted_rfq, make_contract, make_rfq, supplier):
    client = client_as(Role.ADMIN)
    draft = make_rfq(send=False)
    contract = make_contract(activate=False)
    for url in [
        reverse("srm:rfq_list"),
        reverse("srm:rfq_add"),
        reverse("srm:rfq_edit", args=[draft.pk]),
        reverse("srm:rfq_detail", args=[draft.pk]),
        reverse("srm:rfq_quote", args=[quoted_rfq.pk, supplier.pk]),
        reverse("srm:contract_list"),
        reverse("srm:contract_add"),
        reverse("srm:contract_edit", args=[contract.pk]),
        reverse("srm:contract_detail", args=[contract.pk]),
    ]:
        assert client.get(url).status_code == 200, url
