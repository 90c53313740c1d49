"""The service screens: the case list and its filters, opening and changing a case, the steps on its page (a
refusal is a message, never an error page), its SLA timers, the traceability panel with the suspect-lot
choice, authorizing a return and receiving it; who sees which buttons."""

import html

import pytest

from core.roles import Role
from crm.models import CasePriority, CaseState, Rma, RmaState, ServiceCase
from crm.services import cases as services
from tests.crm.cases_support import at, shipped_serial

pytestmark = pytest.mark.django_db

CASES = "/crm/service-cases/"


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def unit(serial_kettle, bin_):
    return shipped_serial(serial_kettle, "KT300-0200", bin_("A-01"))


def test_a_case_is_opened_from_its_form_and_its_page_shows_the_timers(
    customer, unit, sla_policies, case_clock, client_as
):
    client = client_as(Role.SALES)
    assert "Serial or lot number" in page(client.get(f"{CASES}add/?account=MEDIAHOME"))
    response = client.post(
        f"{CASES}add/",
        {"account": "MEDIAHOME", "subject": "No heat", "priority": "normal", "serial": "KT300-0200"},
        follow=True,
    )
    case = ServiceCase.objects.get()
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    text = page(response)
    assert f"Opened {case}." in messages_of(response)
    assert "due in 4 h 0 min" in text and "due in 2 d 0 h" not in text
    assert "KT300-0200" in text and 'id="form-respond"' in text and 'id="form-wait"' in text

    case_clock.move_to(at(0, 14))
    text = page(client.get(case.get_absolute_url()))
    assert "overdue by 1 h 0 min" in text and "due in 11 h 0 min" not in text


def test_the_steps_answer_pause_and_resolve_and_a_refusal_is_a_message(
    customer, unit, sla_policies, case_clock, client_as
):
    case = services.case_open(account=customer, lot=unit, subject="Noise")
    client = client_as(Role.QUALITY)
    response = client.post(f"{CASES}{case.pk}/respond/", {"respond-text": "We will call you"}, follow=True)
    assert messages_of(response) == [f"Answered on {case.number}."]
    response = client.post(f"{CASES}{case.pk}/wait/", {"wait-text": "Photo please"}, follow=True)
    assert "resolution clock stands" in messages_of(response)[0]
    assert "paused, " in page(response)
    case_clock.move_to(at(0, 11))
    response = client.post(f"{CASES}{case.pk}/resume/", {"resume-text": ""}, follow=True)
    assert messages_of(response) == [
        f"{case.number} is in progress again: resolution due 2026-11-25 11:00."
    ]  # 2 office hours later
    response = client.post(f"{CASES}{case.pk}/resolve/", {"resolve-resolution": ""}, follow=True)
    assert messages_of(response) == ["Resolution: This field is required."]
    client.post(f"{CASES}{case.pk}/resolve/", {"resolve-resolution": "Fan replaced"})
    response = client.post(f"{CASES}{case.pk}/close/", follow=True)
    assert messages_of(response) == [f"Resolved {case.number}.", "Closed the case."]
    response = client.post(f"{CASES}{case.pk}/note/", {"note-note": "late"}, follow=True)
    assert messages_of(response) == [f"{case.number} is closed: reopen it to change it."]
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert 'id="form-reopen"' in page(response) and 'id="form-respond"' not in page(response)


def test_the_edit_page_changes_the_priority_and_the_dues(customer, unit, sla_policies, case_clock, client_as):
    case = services.case_open(account=customer, lot=unit, subject="Noise")
    client = client_as(Role.SALES)
    assert "Note" in page(client.get(f"{CASES}{case.pk}/edit/"))
    response = client.post(
        f"{CASES}{case.pk}/edit/",
        {"account": "IGNORED", "subject": "Smoke", "priority": "urgent", "serial": "KT300-0200", "note": "Smells"},
        follow=True,
    )
    case.refresh_from_db()
    assert (case.subject, case.priority, case.resolution_due, case.account) == (
        "Smoke",
        CasePriority.URGENT,
        at(0, 17),
        customer,
    )
    assert "Smells" in page(response)
    response = client.post(f"{CASES}{case.pk}/edit/", {"subject": "Smoke", "priority": "urgent", "sales_order": "SO-X"})
    assert "There is no sales order SO-X." in page(response)


def test_the_list_filters_by_state_priority_owner_and_breach(
    customer, unit, sla_policies, case_clock, client_as, make_user, django_assert_max_num_queries
):
    owner = make_user(Role.SALES, username="li.wei")
    late = services.case_open(account=customer, lot=unit, subject="Late one", priority="urgent", owner=owner)
    services.case_open(account=customer, subject="Fresh one")
    case_clock.move_to(at(0, 11))
    client = client_as(Role.SALES)
    with django_assert_max_num_queries(12):
        text = page(client.get(CASES))
    assert "Late one" in text and "Fresh one" in text and "table-danger" in text
    text = page(client.get(CASES, {"breached": "true"}))
    assert "Late one" in text and "Fresh one" not in text
    text = page(client.get(CASES, {"owner": "li.wei", "priority": "urgent", "state": "open"}))
    assert late.number in text and "Fresh one" not in text
    assert "Fresh one" in page(client.get(CASES, {"breached": "false"}))


def test_the_traceability_panel_traces_a_chosen_component_forward(genealogy_chain, sla_policies, client_as):
    chain = genealogy_chain
    case = services.case_open(account=chain.customer, lot=chain.serials[0], subject="Leaks")
    client = client_as(Role.QUALITY)
    text = page(client.get(case.get_absolute_url()))
    assert "STEELCO" in text and "HEATCO" in text and "IN-1" in text and "ASSY-1" in text
    assert "Choose a component lot" in text and f"/mes/genealogy/lots/{chain.serials[0].pk}/backward/" in text

    text = page(client.get(case.get_absolute_url(), {"suspect": chain.lots["S-A"].pk}))
    assert "3 other units were made from STEEL S-A" in text
    assert chain.serials[1].code in text and chain.sales_order in text
    assert f"/mes/genealogy/lots/{chain.lots['S-A'].pk}/recall/" in text

    text = page(client.get(case.get_absolute_url(), {"suspect": chain.unrelated[0].pk}))
    assert "Select a valid choice" in text and "Choose a component lot" in text


def test_a_return_is_authorized_on_its_page_and_received_by_the_warehouse(
    customer, unit, sla_policies, warehouse, client_as
):
    case = services.case_open(account=customer, lot=unit, subject="Noise")
    sales = client_as(Role.SALES)
    text = page(sales.get(f"{CASES}{case.pk}/rma/"))
    assert 'value="KT300-0200"' in text and 'value="KT-300"' in text
    form = {
        "warehouse": "",
        "note": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-item": "KT-300",
        "lines-0-lot": "KT300-0200",
        "lines-0-quantity": "1",
        "lines-0-reason": "Noise at boil",
    }
    text = page(sales.post(f"{CASES}{case.pk}/rma/", form))  # no order: the warehouse must be named
    assert "Say which warehouse the goods come back to." in text and not Rma.objects.exists()
    text = page(sales.post(f"{CASES}{case.pk}/rma/", {**form, "warehouse": warehouse.pk, "lines-0-quantity": "2"}))
    assert "serial-numbered" in text and not Rma.objects.exists()

    response = sales.post(f"{CASES}{case.pk}/rma/", {**form, "warehouse": warehouse.pk}, follow=True)
    rma = Rma.objects.get()
    assert messages_of(response) == [f"Authorized return {rma.number}."]
    assert "Receive into quality hold" not in page(response)  # sales authorizes; the warehouse receives

    store = client_as(Role.WAREHOUSE)
    assert 'id="form-respond"' not in page(store.get(case.get_absolute_url()))
    response = store.post(f"/crm/rmas/{rma.pk}/receive/", follow=True)
    rma.refresh_from_db()
    assert rma.state == RmaState.RECEIVED
    assert messages_of(response) == [
        f"Received {rma.number} on {rma.receipt.number} into MAIN/QC; its lots are on hold."
    ]
    unit.refresh_from_db()
    assert unit.on_hold
    response = store.post(f"/crm/rmas/{rma.pk}/close/", follow=True)
    assert messages_of(response) == ["Your role cannot do this."]
    assert rma.number in page(sales.get(case.get_absolute_url()))


def test_who_may_open_the_screens(customer, sla_policies, client_as):
    case = services.case_open(account=customer, subject="Noise")
    assert client_as(Role.OPERATOR).get(CASES).status_code == 403
    assert client_as(Role.OPERATOR).get(case.get_absolute_url()).status_code == 403
    assert client_as(Role.WAREHOUSE).get(f"{CASES}add/").status_code == 403
    assert client_as(Role.FINANCE).get(case.get_absolute_url()).status_code == 200
    sales = client_as(Role.SALES)
    text = page(sales.get("/crm/sla-policies/"))
    assert "STANDARD" in text and "Service" in text  # the menu
    response = sales.post(
        "/crm/sla-policies/add/",
        {
            "code": "GOLD",
            "name": "Gold customers",
            "customer": "MEDIAHOME",
            "priority": "",
            "first_response_hours": "1",
            "resolution_hours": "0.5",
            "clock": "always",
        },
    )
    assert "The resolution cannot be due before the first response." in page(response)
