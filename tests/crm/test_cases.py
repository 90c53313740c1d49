"""Service cases through their services: the unit found from what the customer reported, the SLA dues on
business hours and around the clock, the resolution clock standing while the case waits for the customer
(and while it was resolved, when reopened), breaches flagged once by the beat sweep, the dashboard's
summary, and the traceability of a unit made on the floor through the MES services."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from core.models import CalendarException, Contact, DomainEvent
from crm import tasks
from crm.models import CasePriority, CaseState, CaseUpdateKind, ServiceCase
from crm.selectors.cases import (
    TimerState,
    case_timers,
    case_traceability,
    cases_with_sla,
    service_case_summary,
    sla_policy_for,
)
from crm.services import cases as services
from erp.models import SalesOrder
from tests.crm.cases_support import at, hours, make_customer, policy, shipped_serial
from wms.models import Lot
from wms.services.holds import lot_hold

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> dict[str, set[str]]:
    return {field: {e.code for e in errors} for field, errors in error.error_dict.items()}


def open_case(account, **fields) -> ServiceCase:
    fields.setdefault("subject", "Kettle does not heat")
    return services.case_open(account=account, **fields)


# --- Opening: the unit and the policy ------------------------------------------------------------------------


def test_a_case_opened_on_a_reported_serial_finds_the_unit_and_the_order_it_was_shipped_on(
    customer, case_contact, serial_kettle, bin_, sla_policies, case_clock
):
    serial = shipped_serial(serial_kettle, "KT300-0001", bin_("A-01"), reference="SO-2026-00001")
    assert not SalesOrder.objects.exists()  # the reference names no order here: none is linked
    case = open_case(customer, serial=" KT300-0001 ", contact=case_contact, description="No heat at all.")

    assert (case.lot, case.item, case.serial, case.sales_order) == (serial, serial_kettle, "KT300-0001", None)
    assert case.number.startswith("CS-2026-")
    assert (case.state, case.opened_at, case.sla_policy) == (CaseState.OPEN, at(0), sla_policies["standard"])
    assert [(u.kind, u.text) for u in case.updates.all()] == [(CaseUpdateKind.OPENED, "No heat at all.")]


def test_an_unknown_serial_is_kept_as_reported_and_a_shared_one_needs_the_item(
    customer, serial_kettle, item, bin_, sla_policies, case_clock
):
    case = open_case(customer, serial="KT300-9999")
    assert (case.lot, case.serial) == (None, "KT300-9999")
    known = Lot.objects.create(item=serial_kettle, code="KT300-0009")
    case = services.case_update(case=case, serial="KT300-0009", note="The customer misread a digit.")
    assert (case.lot, case.item, case.serial) == (known, serial_kettle, "KT300-0009")  # the corrected serial is found

    toaster = item("TS-9", tracking="serial")
    Lot.objects.create(item=serial_kettle, code="X-1")
    Lot.objects.create(item=toaster, code="X-1")
    with pytest.raises(ValidationError) as refused:
        open_case(customer, serial="X-1")
    assert codes(refused.value) == {"item": {"ambiguous"}}
    assert open_case(customer, serial="X-1", item=toaster).lot.item == toaster


def test_opening_refuses_a_supplier_a_stranger_contact_and_a_lot_of_another_item(
    customer, company, serial_kettle, item, sla_policies, case_clock
):
    supplier = make_customer("STEELCO", company)
    supplier.kind = "supplier"
    supplier.save()
    with pytest.raises(ValidationError) as refused:
        open_case(supplier)
    assert codes(refused.value) == {"account": {"not_a_customer"}}

    stranger = Contact.objects.create(partner=make_customer("HOMEPLUS", company), name="Someone")
    lot = Lot.objects.create(item=serial_kettle, code="KT300-0002")
    with pytest.raises(ValidationError) as refused:
        open_case(customer, contact=stranger, lot=lot, item=item("OTHER"))
    assert codes(refused.value) == {"contact": {"wrong_account"}, "lot": {"wrong_item"}}
    assert not ServiceCase.objects.exists()


def test_the_most_specific_active_policy_applies(customer, company, office_hours, sla_policies):
    group = make_customer("MEDIA-GROUP", company)
    customer.parent = group
    customer.save()
    assert sla_policy_for(account=customer, priority=CasePriority.NORMAL) == sla_policies["standard"]
    assert sla_policy_for(account=customer, priority=CasePriority.URGENT) == sla_policies["urgent"]

    group_terms = policy("GROUP", "2", "8", calendar=office_hours, customer=group)
    assert sla_policy_for(account=customer, priority=CasePriority.NORMAL) == group_terms
    assert sla_policy_for(account=customer, priority=CasePriority.URGENT) == group_terms  # the customer's terms first
    own_urgent = policy("MEDIA-URGENT", "0.5", "4", customer=customer, priority=CasePriority.URGENT)
    assert sla_policy_for(account=customer, priority=CasePriority.URGENT) == own_urgent
    assert sla_policy_for(account=customer, priority=CasePriority.LOW) == group_terms

    for made in (sla_policies["standard"], group_terms):
        made.active = False
        made.save()
    assert sla_policy_for(account=customer, priority=CasePriority.LOW) is None


def test_a_case_without_a_policy_has_no_dues_and_never_breaches(customer, case_clock):
    case = open_case(customer)
    assert (case.sla_policy, case.first_response_due, case.resolution_due) == (None, None, None)
    case_clock.move_to(at(30))
    assert services.sla_breaches_flag() == []
    assert [t.state for t in case_timers(case)] == [TimerState.NONE, TimerState.NONE]


# --- SLA dues --------------------------------------------------------------------------------------------------


def test_business_hours_dues_skip_nights_and_the_weekend(customer, sla_policies, case_clock):
    case_clock.move_to(at(4, 15))  # Friday 15:00: 2 office hours left this week
    case = open_case(customer)
    assert case.first_response_due == at(7, 11)  # Friday 2 h + Monday 2 h
    assert case.resolution_due == at(8, 15)  # Friday 2 h + Monday 8 h + Tuesday 6 h


def test_a_case_opened_before_the_office_opens_counts_from_the_opening(customer, sla_policies, case_clock):
    case_clock.move_to(at(0, 7, 30))
    case = open_case(customer)
    assert (case.first_response_due, case.resolution_due) == (at(0, 13), at(1, 17))


def test_a_closed_day_of_the_calendar_does_not_count(customer, office_hours, sla_policies, case_clock):
    CalendarException.objects.create(calendar=office_hours, date=at(1).date(), reason="Holiday")
    case = open_case(customer)
    assert (case.first_response_due, case.resolution_due) == (at(0, 13), at(2, 17))


def test_an_urgent_case_counts_around_the_clock(customer, sla_policies, case_clock):
    case_clock.move_to(at(4, 22))  # Friday night
    case = open_case(customer, priority=CasePriority.URGENT)
    assert (case.sla_policy, case.first_response_due, case.resolution_due) == (
        sla_policies["urgent"],
        at(4, 23),
        at(5, 6),
    )


def test_a_new_priority_sets_the_dues_again_from_the_opening(customer, sla_policies, case_clock):
    case = open_case(customer)
    case_clock.move_to(at(0, 10))
    case = services.case_update(case=case, priority=CasePriority.URGENT, note="Smoke seen.")
    assert (case.sla_policy, case.first_response_due, case.resolution_due) == (
        sla_policies["urgent"],
        at(0, 10),
        at(0, 17),
    )
    update = case.updates.last()
    assert update.kind == CaseUpdateKind.CHANGED and "Urgent" in update.text and "Smoke seen." in update.text


# --- The resolution clock stands while the case waits ------------------------------------------------------


def test_waiting_for_the_customer_pauses_the_resolution_clock_around_the_clock(customer, sla_policies, case_clock):
    case = open_case(customer, priority=CasePriority.URGENT)  # resolution due 17:00
    case_clock.move_to(at(0, 10))
    case = services.case_wait_customer(case=case, text="Please send a photo of the rating plate.")
    assert (case.state, case.waiting_since, case.first_responded_at) == (
        CaseState.WAITING_CUSTOMER,
        at(0, 10),
        at(0, 10),
    )
    case_clock.move_to(at(0, 13, 30))
    [_response, resolution] = case_timers(case)
    assert (resolution.state, resolution.left) == (TimerState.PAUSED, hours(7))

    case = services.case_resume(case=case, text="Photo received.")
    assert (case.state, case.waiting_since, case.paused) == (CaseState.IN_PROGRESS, None, hours(3.5))
    assert case.resolution_due == at(0, 20, 30)
    assert case.first_response_due == at(0, 10)  # the response clock never stands

    case_clock.move_to(at(0, 20))
    case = services.case_wait_customer(case=case, text="Try another socket.")
    case_clock.move_to(at(1, 8))
    case = services.case_resolve(case=case, resolution="Faulty socket at the customer's.")  # ends the wait
    assert (case.state, case.waiting_since, case.paused, case.resolution_due, case.resolved_at) == (
        CaseState.RESOLVED,
        None,
        hours(15.5),
        at(1, 8, 30),
        at(1, 8),
    )
    assert [t.state for t in case_timers(case)] == [TimerState.MET, TimerState.MET]


def test_on_business_hours_only_the_office_time_of_a_wait_is_added(customer, sla_policies, case_clock):
    case = open_case(customer)  # resolution due Tuesday 17:00
    case_clock.move_to(at(0, 12))
    case = services.case_wait_customer(case=case, text="Which model is it?")
    case_clock.move_to(at(1, 10))
    case = services.case_resume(case=case)
    assert case.paused == hours(6)  # Monday 12-17 and Tuesday 9-10
    assert case.resolution_due == at(2, 15)


def test_a_case_waiting_past_its_due_time_is_not_overdue_unless_it_was_late_when_the_wait_began(
    customer, sla_policies, case_clock
):
    early = open_case(customer, priority=CasePriority.URGENT)
    late = open_case(customer, priority=CasePriority.URGENT, subject="Lid broken")
    case_clock.move_to(at(0, 10))
    services.case_wait_customer(case=early, text="Photo please")
    case_clock.move_to(at(0, 18))  # both were due at 17:00
    services.case_wait_customer(case=late, text="Photo please")
    case_clock.move_to(at(1, 12))
    flags = {c.number: (c.resolution_overdue, c.breached) for c in cases_with_sla()}
    assert flags == {early.number: (False, False), late.number: (True, True)}


def test_a_reopened_case_does_not_count_the_time_it_was_resolved(customer, sla_policies, case_clock):
    case = open_case(customer, priority=CasePriority.URGENT)  # due 17:00
    case_clock.move_to(at(0, 12))
    services.case_respond(case=case, text="Looking into it")
    case = services.case_resolve(case=case, resolution="Descaled")
    case_clock.move_to(at(0, 14))
    case = services.case_close(case=case)
    case_clock.move_to(at(1, 12))
    case = services.case_reopen(case=case, reason="Still no heat")
    assert (case.state, case.resolved_at, case.closed_at) == (CaseState.IN_PROGRESS, None, None)
    assert (case.paused, case.resolution_due) == (hours(24), at(1, 17))


def test_each_step_refuses_a_case_in_the_wrong_state_and_empty_texts(customer, sla_policies, case_clock):
    case = open_case(customer)
    for step, kwargs in [
        (services.case_close, {}),
        (services.case_resume, {}),
        (services.case_reopen, {"reason": "why"}),
    ]:
        with pytest.raises(ValidationError) as refused:
            step(case=case, **kwargs)
        assert refused.value.code == "wrong_state"
    with pytest.raises(ValidationError) as refused:
        services.case_respond(case=case, text="  ")
    assert codes(refused.value) == {"text": {"required"}}
    with pytest.raises(ValidationError) as refused:
        services.case_update(case=case)
    assert refused.value.code == "no_change"
    case = services.case_close(case=services.case_resolve(case=case, resolution="Fixed"))
    for step, kwargs in [
        (services.case_respond, {"text": "Hello"}),
        (services.case_wait_customer, {"text": "Photo"}),
        (services.case_update, {"note": "late note"}),
    ]:
        with pytest.raises(ValidationError) as refused:
            step(case=case, **kwargs)
        assert refused.value.code == "wrong_state"
    assert [u.kind for u in case.updates.all()] == ["opened", "resolved", "closed"]


# --- Breaches, the beat sweep and the dashboard --------------------------------------------------------------


def test_the_sweep_flags_each_breach_once_and_publishes_it(customer, sla_policies, case_clock):
    silent = open_case(customer, priority=CasePriority.URGENT, subject="No answer yet")  # response due 10:00
    answered_late = open_case(customer, priority=CasePriority.URGENT, subject="Answered late")
    on_time = open_case(customer, subject="Answered in time")  # response due 13:00
    case_clock.move_to(at(0, 9, 45))
    assert services.sla_breaches_flag() == []
    case_clock.move_to(at(0, 10, 5))
    services.case_respond(case=answered_late, text="Sorry for the wait")
    services.case_respond(case=on_time, text="On it")

    case_clock.move_to(at(0, 10, 15))
    flagged = tasks.sla_breaches_flag()
    assert sorted(flagged) == sorted([f"{silent.number}:response", f"{answered_late.number}:response"])
    events = DomainEvent.objects.filter(name=services.SLA_BREACHED)
    assert sorted((e.payload["case"], e.payload["target"], e.payload["due"]) for e in events.all()) == sorted(
        [
            (silent.number, "response", at(0, 10).isoformat()),
            (answered_late.number, "response", at(0, 10).isoformat()),
        ]
    )
    silent.refresh_from_db()
    assert silent.response_breached_at == at(0, 10, 15)
    assert silent.updates.filter(kind=CaseUpdateKind.SLA_BREACHED).count() == 1

    case_clock.move_to(at(0, 10, 30))
    assert tasks.sla_breaches_flag() == []  # again: nothing new
    assert events.count() == 2

    case_clock.move_to(at(0, 17, 15))  # the urgent ones' resolution was due at 17:00
    assert sorted(tasks.sla_breaches_flag()) == sorted(
        [f"{silent.number}:resolution", f"{answered_late.number}:resolution"]
    )
    case_clock.move_to(at(2, 9))  # Wednesday: the standard case's resolution was due Tuesday 17:00
    assert tasks.sla_breaches_flag() == [f"{on_time.number}:resolution"]
    assert tasks.sla_breaches_flag() == []
    assert events.count() == 5


def test_a_resolution_met_late_is_a_breach_too(customer, sla_policies, case_clock):
    case = open_case(customer, priority=CasePriority.URGENT)
    case_clock.move_to(at(0, 9, 30))
    services.case_respond(case=case, text="Checking")
    case_clock.move_to(at(0, 18))
    services.case_resolve(case=case, resolution="Replaced the element")
    case_clock.move_to(at(1, 9))
    assert tasks.sla_breaches_flag() == [f"{case.number}:resolution"]
    [response, resolution] = case_timers(ServiceCase.objects.get(pk=case.pk))
    assert (response.state, resolution.state, resolution.overdue) == (TimerState.MET, TimerState.MISSED, hours(1))


def test_the_sweep_runs_every_quarter_hour():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "crm.tasks.sla_breaches_flag")
    assert entry["schedule"] == 900.0


def test_the_dashboard_summary_counts_open_overdue_and_recent_breaches(customer, sla_policies, case_clock):
    case_clock.move_to(at(-40))  # six weeks ago: breached long since
    old = open_case(customer, priority=CasePriority.URGENT, subject="Old")
    case_clock.move_to(at(-39))
    services.case_resolve(case=old, resolution="Late")
    case_clock.move_to(at(0))
    unanswered = open_case(customer, priority=CasePriority.URGENT, subject="Unanswered")
    answered = open_case(customer, priority=CasePriority.URGENT, subject="Answered")
    waiting = open_case(customer, subject="Waiting")
    fine = open_case(customer, subject="Fine")
    case_clock.move_to(at(0, 9, 30))
    services.case_respond(case=answered, text="Hi")
    services.case_wait_customer(case=waiting, text="Photo")
    services.case_resolve(case=fine, resolution="Fixed at once")
    case_clock.move_to(at(0, 18))

    assert service_case_summary() == {
        "open": 3,  # unanswered, answered, waiting
        "overdue_response": 1,  # unanswered
        "overdue_resolution": 2,  # unanswered and answered; the waiting one's clock stands
        "breached_last_30_days": 2,
    }
    assert ServiceCase.objects.filter(pk=unanswered.pk, response_breached_at__isnull=True).exists()


# --- Traceability: a unit made on the floor through the MES services ----------------------------------------


def test_the_case_page_traces_the_unit_back_and_the_suspect_lot_forward(genealogy_chain, sla_policies):
    shipped, other_shipped, *in_stock = genealogy_chain.serials
    case = open_case(genealogy_chain.customer, serial=shipped.code, subject="Gasket leaks")
    assert (case.lot, case.sales_order.number) == (shipped, genealogy_chain.sales_order)  # the order it went on
    traced = case_traceability(case=case)

    assert {record.lot.pk for record in traced.components} == genealogy_chain.ids(
        "UNIT", "BODY", "SHELL", "BLANK", "S-A", "G-1"
    )
    assert [traced.depth_of(record.lot) for record in traced.components] == [1, 2, 3, 3, 4, 5]
    floor = genealogy_chain.floor
    assert set(traced.machines) == {floor["assy1"], floor["assy2"], floor["test1"]}
    assert set(traced.operators) == {floor["B-1001"], floor["B-1002"]}
    assert traced.suppliers == [genealogy_chain.heatco, genealogy_chain.steelco]
    assert [i.number for i in traced.inspections] == ["IN-1", "IN-2"]  # not IN-3, of the other steel's blank
    assert (traced.suspect, traced.suspect_units) == (None, [])  # nothing is suspect yet

    traced = case_traceability(case=case, suspect=genealogy_chain.lots["S-A"])
    assert [unit.lot for unit in traced.suspect_units] == [other_shipped, *in_stock]  # not the case's own unit
    assert traced.customers == [genealogy_chain.customer]
    assert [s.reference for s in traced.suspect_units[0].line.shipments] == [genealogy_chain.sales_order]
    assert [[q.location.code for q in unit.line.on_hand] for unit in traced.suspect_units[1:]] == [
        [genealogy_chain.floor["bin"].code]
    ] * len(in_stock)

    # A second case on another unit of the suspect lot shows on the first case's list.
    other = open_case(genealogy_chain.customer, lot=other_shipped, subject="Leaks too")
    traced = case_traceability(case=case, suspect=genealogy_chain.lots["S-A"])
    assert traced.suspect_units[0].cases == [other]


def test_a_held_component_is_suspected_first_and_a_stranger_lot_is_refused(genealogy_chain, sla_policies):
    case = open_case(genealogy_chain.customer, lot=genealogy_chain.serials[0])
    lot_hold(lot=genealogy_chain.lots["G-1"], reason="Supplier reported a bad batch")
    assert case_traceability(case=case).suspect == Lot.objects.get(pk=genealogy_chain.lots["G-1"].pk)

    with pytest.raises(ValidationError) as refused:
        case_traceability(case=case, suspect=genealogy_chain.unrelated[0])
    assert codes(refused.value) == {"suspect": {"not_a_component"}}


def test_a_case_without_a_unit_suggests_lots_like_the_reported_code(genealogy_chain, sla_policies):
    case = open_case(genealogy_chain.customer, serial=genealogy_chain.serials[0].code[:-1])
    traced = case_traceability(case=case)
    assert traced.lot is None
    assert set(traced.suggestions) >= set(genealogy_chain.serials)


def test_the_sweep_and_the_summary_read_decimals_as_the_policy_gives_them(customer, office_hours, case_clock):
    policy("HALF", "0.25", "1.5")
    case = open_case(customer)
    assert (case.first_response_due, case.resolution_due) == (at(0, 9, 15), at(0, 10, 30))
    assert Decimal(case.sla_policy.first_response_hours) == Decimal("0.25")
    case_clock.move_to(at(0, 9, 16))
    assert service_case_summary()["overdue_response"] == 1
    assert case.first_response_due - datetime.timedelta(minutes=15) == case.opened_at
