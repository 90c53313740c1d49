"""Scorecards measured from a small, hand-checked history: HEATCO's October 2026 (orders, receipts at their
moments, a quality reject, reported nonconformances, invoices), its score and rating against thresholds,
the purchasing block a bad month sets (and ERP's refusal with its reason) and a good month lifts, the
nonconformances MES reports reaching SRM through the event bus, the monthly task and sourcing's selector."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import BlockPurpose, DomainEvent, PartnerBlock
from erp.services.purchasing import purchase_order_cancel, purchase_order_create, supplier_invoice_create
from mes.services.quality import nonconformance_raise
from srm.models import Scorecard, ScorecardMetric, ScorecardRating, ScorecardThreshold, SupplierQualityEvent
from srm.selectors.scorecards import scorecard_figures, supplier_score
from srm.services.scorecards import block_source, scorecard_compute, supplier_quality_event_record
from srm.tasks import scorecards_monthly
from tests.srm.portal_fixtures import *  # noqa: F403
from tests.srm.portal_fixtures import receive_line
from wms.models import Lot, StockPolicy
from wms.services.receipts import quality_reject, receipt_close

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2026, 10, 1)
NOVEMBER = datetime.date(2026, 11, 1)


def at(day: int, month: int = 10, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


def on(day: int, month: int = 10) -> datetime.date:
    return datetime.date(2026, month, day)


@pytest.fixture(autouse=True)
def one_day_of_tolerance(settings):
    settings.TAKT_SCORECARD_ON_TIME_TOLERANCE_DAYS = 1


@pytest.fixture
def history(make_order, parts, warehouse, supplier, other_supplier):
    """HEATCO's October, standard costs 10 (element) and 4 (cable):

    - PO A: 100 elements due 10.10, received 09.10 (early: on time); 50 cables due 15.10, received 17.10 as
      lot CB-A into quality hold (deadline 16.10: late); 5 of the lot rejected by inspection on 18.10.
    - PO B: 200 elements at 10.50 due 20.10; 150 received 21.10 (the deadline), the receipt closed short.
    - PO C: 40 elements due 30.10, nothing received.
    - PO D: 60 elements due 03.11, received 02.11 (November's).
    - Not measured: a draft and a cancelled order due in October, COILTEC's order.
    - Invoices: PO A 20.10 at the order prices; PO B 25.10, 150 at 10.50.
    """
    element, cable = parts
    StockPolicy.objects.create(item=cable, requires_inspection=True)

    def order(lines, **fields):
        return make_order(
            order_date=datetime.date(2026, 10, 1),
            lines=[
                {"item": item, "quantity": Decimal(quantity), "unit_price": Decimal(price), "expected_date": due}
                for item, quantity, price, due in lines
            ],
            **fields,
        )

    a = order([(element, 100, "10.00", on(10)), (cable, 50, "4.00", on(15))])
    b = order([(element, 200, "10.50", on(20))])
    c = order([(element, 40, "10.00", on(30))])
    d = order([(element, 60, "10.00", on(3, 11))])
    order([(element, 10, "10.00", on(12))], send=False)
    purchase_order_cancel(order=order([(element, 10, "10.00", on(12))]))
    coiltec = order([(element, 10, "10.00", on(11))], supplier=other_supplier)
    with time_machine.travel(at(9), tick=False):
        receive_line(a, 1, 100)
        receive_line(coiltec, 1, 10)
    with time_machine.travel(at(17), tick=False):
        receive_line(a, 2, 50, lot_code="CB-A")
    with time_machine.travel(at(18), tick=False):
        quality_reject(item=cable, warehouse=warehouse, quantity=Decimal(5), lot=Lot.objects.get(code="CB-A"))
    with time_machine.travel(at(21), tick=False):
        receive_line(b, 1, 150)
    with time_machine.travel(at(22), tick=False):
        receipt_close(receipt=b.receipt)
    with time_machine.travel(at(2, 11), tick=False):
        receive_line(d, 1, 60)
    a_lines = {line.position: line for line in a.lines.all()}
    supplier_invoice_create(
        order=a,
        supplier_reference="HC-A",
        invoice_date=on(20),
        lines=[(a_lines[1], Decimal(100), Decimal("10.00")), (a_lines[2], Decimal(50), Decimal("4.00"))],
    )
    supplier_invoice_create(
        order=b, supplier_reference="HC-B", invoice_date=on(25), lines=[(b.lines.get(), Decimal(150), Decimal("10.50"))]
    )
    # The lot's nonconformance reports 3 of what inspection scrapped 5 of: the lot counts 5, once.
    supplier_quality_event_record(
        supplier=supplier,
        occurred_at=at(19),
        quantity=Decimal(3),
        source="mes.nonconformance",
        reference="NC-2026-00001",
        item=cable,
        lot=Lot.objects.get(code="CB-A"),
    )
    # One without a lot counts as reported; one of September does not count in October.
    supplier_quality_event_record(
        supplier=supplier, occurred_at=at(20), quantity=Decimal(2), source="mes.nonconformance", reference="NC-2"
    )
    supplier_quality_event_record(
        supplier=supplier, occurred_at=at(30, 9), quantity=Decimal(9), source="mes.nonconformance", reference="NC-3"
    )
    return {"a": a, "b": b, "c": c, "d": d}


def test_october_is_measured_as_computed_by_hand(history, supplier):
    figures = scorecard_figures(supplier=supplier, start=OCTOBER, end=on(31), now=at(5, 11))
    judged = {(d.line.order.number, d.line.position): d.on_time for d in figures.lines if d.judged}
    assert judged == {
        (history["a"].number, 1): True,  # early
        (history["a"].number, 2): False,  # two days late, past the one day of tolerance
        (history["b"].number, 1): True,  # on its deadline, and closed short: nothing more is expected
        (history["c"].number, 1): False,  # nothing came
    }
    assert (figures.deliveries, figures.on_time_deliveries, figures.on_time_pct) == (4, 2, Decimal("50.00"))
    # Ordered 100 + 50 + 200 + 40 = 390, off by 0 + 0 + 50 + 40 = 90: 100 - 23.08.
    assert (figures.ordered_qty, figures.received_qty) == (Decimal(390), Decimal(300))
    assert figures.quantity_accuracy_pct == Decimal("76.92")
    # Received 100 + 50 + 150 = 300; rejected max(5 scrapped, 3 reported) of lot CB-A + 2 without a lot = 7.
    assert (figures.receipts_qty, figures.rejected_qty, figures.reject_rate_pct) == (
        Decimal(300),
        Decimal(7),
        Decimal("2.33"),
    )
    # Billed 1000 + 200 + 1575 = 2775 against 1000 + 200 + 1500 = 2700 at standard: 75 / 2700.
    assert figures.price_variance_pct == Decimal("2.78")


def test_a_line_whose_deadline_has_not_passed_is_pending(history, supplier):
    # On 31.10 PO C's deadline (31.10) has not passed: its line is not judged yet.
    figures = scorecard_figures(supplier=supplier, start=OCTOBER, end=on(31), now=at(31))
    pending = [d.line.order.number for d in figures.lines if not d.judged]
    assert pending == [history["c"].number]
    assert (figures.deliveries, figures.on_time_pct, figures.quantity_accuracy_pct) == (
        3,
        Decimal("66.67"),
        Decimal("85.71"),  # off by 50 of 350
    )


def test_the_score_weighs_the_figures_and_computing_again_replaces(history, supplier):
    scorecard = scorecard_compute(supplier=supplier, period=on(15), now=at(5, 11))
    assert (scorecard.period_start, scorecard.period_end) == (OCTOBER, on(31))
    # 0.4 x 50 + 0.2 x 76.92 + 0.3 x (100 - 10 x 2.33) + 0.1 x (100 - 5 x 2.78) = 67.00
    assert scorecard.score == Decimal("67.00")
    assert scorecard.rating == ScorecardRating.OK and scorecard.rating_reason == ""
    again = scorecard_compute(supplier=supplier, period=OCTOBER, now=at(6, 11))
    assert again.pk == scorecard.pk and again.computed_at == at(6, 11)
    assert Scorecard.objects.filter(supplier=supplier).count() == 1


def test_a_month_with_nothing_to_measure_has_no_score(supplier, other_supplier):
    scorecard = scorecard_compute(supplier=other_supplier, period=OCTOBER, now=at(5, 11))
    assert (scorecard.deliveries, scorecard.on_time_pct, scorecard.reject_rate_pct, scorecard.score) == (
        0,
        None,
        None,
        None,
    )
    assert scorecard.rating == ScorecardRating.OK


def test_a_warning_threshold_rates_the_month_with_its_reason(history, supplier):
    ScorecardThreshold.objects.create(metric=ScorecardMetric.SCORE, warn_below=Decimal(80), block_below=Decimal(40))
    ScorecardThreshold.objects.create(metric=ScorecardMetric.ON_TIME, warn_below=Decimal(10), active=False)
    scorecard = scorecard_compute(supplier=supplier, period=OCTOBER, now=at(5, 11))
    assert scorecard.rating == ScorecardRating.WARN
    assert scorecard.rating_reason == "Score 67 is below 80 (warning)"
    assert not PartnerBlock.objects.exists()


def test_a_blocking_month_blocks_purchasing_until_a_later_month_is_back_within(history, supplier, warehouse, parts):
    ScorecardThreshold.objects.create(metric=ScorecardMetric.SCORE, warn_below=Decimal(80))
    ScorecardThreshold.objects.create(metric=ScorecardMetric.REJECT_RATE, warn_above=Decimal(1), block_above=Decimal(2))
    october = scorecard_compute(supplier=supplier, period=OCTOBER, now=at(5, 11))
    assert october.rating == ScorecardRating.BLOCK
    assert october.rating_reason == "Reject rate % 2.33 is above 2 (blocked); Score 67 is below 80 (warning)"
    block = PartnerBlock.objects.get(partner=supplier, purpose=BlockPurpose.PURCHASING, lifted_at=None)
    assert block.source == block_source(supplier) and block.reason == f"Scorecard 2026-10: {october.rating_reason}"

    element, _cable = parts
    with pytest.raises(ValidationError) as refused:
        purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            lines=[{"item": element, "quantity": Decimal(1), "unit_price": Decimal(10)}],
        )
    (error,) = refused.value.error_dict["supplier"]
    assert error.code == "blocked" and "Reject rate % 2.33 is above 2" in error.messages[0]

    # November: PO D on time, nothing rejected: back within the thresholds, the block is lifted.
    november = scorecard_compute(supplier=supplier, period=NOVEMBER, now=at(20, 11))
    assert (november.on_time_pct, november.reject_rate_pct, november.score) == (
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("100.00"),
    )
    assert november.rating == ScorecardRating.OK
    block.refresh_from_db()
    assert block.lifted_at is not None
    purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"item": element, "quantity": Decimal(1), "unit_price": Decimal(10)}],
    )
    # Computing October again changes October, not today's standing.
    assert scorecard_compute(supplier=supplier, period=OCTOBER, now=at(7, 11)).rating == ScorecardRating.BLOCK
    assert not PartnerBlock.objects.filter(partner=supplier, lifted_at=None).exists()


def test_thresholds_need_a_limit_and_the_worse_one_beyond_the_warning():
    with pytest.raises(ValidationError) as error:
        ScorecardThreshold(metric=ScorecardMetric.SCORE).full_clean()
    assert error.value.error_dict["__all__"][0].code == "required"
    with pytest.raises(ValidationError) as error:
        ScorecardThreshold(metric=ScorecardMetric.SCORE, warn_below=Decimal(60), block_below=Decimal(70)).full_clean()
    assert error.value.error_dict["block_below"][0].code == "block_above_warn"


# --- Nonconformances from MES --------------------------------------------------------------------------------


def _dispatch(event: DomainEvent) -> None:
    from core.services.events import event_dispatch

    assert event_dispatch(event_id=event.pk)


def test_a_nonconformance_on_a_suppliers_lot_reaches_its_scorecard(make_order, supplier, parts):
    order = make_order()
    receive_line(order, 2, 50, lot_code="CB-7")
    lot = Lot.objects.get(code="CB-7")
    nonconformance = nonconformance_raise(description="Insulation cracked", lot=lot, quantity=Decimal(4))
    event = DomainEvent.objects.get(name="mes.nonconformance.raised", aggregate_id=str(nonconformance.pk))
    assert event.dispatched_at is None  # SRM hears of it on a worker, from the outbox
    assert not SupplierQualityEvent.objects.exists()
    _dispatch(event)
    recorded = SupplierQualityEvent.objects.get()
    assert (recorded.supplier, recorded.lot, recorded.item, recorded.quantity, recorded.reference) == (
        supplier,
        lot,
        parts[1],
        Decimal(4),
        nonconformance.number,
    )
    assert recorded.source == "mes.nonconformance" and recorded.occurred_at == nonconformance.raised_at
    # Heard twice (a retried dispatch), it counts once.
    from srm.handlers import nonconformance_raised

    nonconformance_raised(event)
    assert SupplierQualityEvent.objects.count() == 1
    figures = scorecard_figures(
        supplier=supplier, start=timezone.localdate().replace(day=1), end=timezone.localdate(), now=timezone.now()
    )
    assert (figures.rejected_qty, figures.receipts_qty, figures.reject_rate_pct) == (
        Decimal(4),
        Decimal(50),
        Decimal("8.00"),
    )


def test_a_nonconformance_of_our_own_making_names_no_supplier(parts):
    element, _cable = parts
    nonconformance = nonconformance_raise(description="Scratched in assembly", item=element, quantity=Decimal(1))
    _dispatch(DomainEvent.objects.get(name="mes.nonconformance.raised", aggregate_id=str(nonconformance.pk)))
    assert not SupplierQualityEvent.objects.exists()


# --- The monthly run and sourcing's read ------------------------------------------------------------------------


def test_the_monthly_task_computes_last_month_for_every_supplier_again_and_again(history, supplier, customer):
    with time_machine.travel(at(3, 11, hour=4), tick=False):
        assert scorecards_monthly() == 2
        assert scorecards_monthly() == 2
    assert sorted(Scorecard.objects.values_list("supplier__code", "period_start")) == [
        ("COILTEC", OCTOBER),
        ("HEATCO", OCTOBER),
    ]
    assert Scorecard.objects.get(supplier=supplier).score == Decimal("67.00")


def test_supplier_score_is_the_latest_month_before_the_day(supplier):
    for start, end, score in [
        (datetime.date(2026, 8, 1), datetime.date(2026, 8, 31), None),
        (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30), Decimal("80")),
        (OCTOBER, on(31), Decimal("67")),
    ]:
        Scorecard.objects.create(
            supplier=supplier, period_start=start, period_end=end, score=score, computed_at=at(1, 11)
        )
    assert supplier_score(supplier=supplier, on=on(1, 11)) == Decimal("67")
    assert supplier_score(supplier=supplier, on=on(31)) == Decimal("80")
    assert supplier_score(supplier=supplier, on=on(15, 9)) is None  # August was not measured
