"""The demo's shop floor history (mes.demo.history) over ERP's: every operation ERP finished has its runs,
counts and events in MES, the machines' runs lie in their shifts without overlapping, the OEE trend and its
losses have believable figures, nothing is booked to ERP twice, and loading again adds nothing."""

import datetime
import io
import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from core.models import Machine
from core.selectors.calendars import working_intervals
from erp.choices import OperationState
from erp.models import LaborBooking, ProductionOperation
from mes.choices import EventKind, RunState
from mes.models import Downtime, MachineCount, OperationRun, ProductionEvent
from mes.selectors.dashboard import oee_weeks
from mes.selectors.oee import oee_report
from mes.services.execution import runs_book_due

pytestmark = pytest.mark.django_db

ZERO = Decimal(0)


@pytest.fixture
def demo(demo_loaded, db):
    pass


def _today_start() -> datetime.datetime:
    return datetime.datetime.combine(timezone.localdate(), datetime.time(), tzinfo=timezone.get_current_timezone())


def _finished() -> list[ProductionOperation]:
    """The operations ERP finished in the history (before today)."""
    start = _today_start() - datetime.timedelta(days=settings.TAKT_DEMO_HISTORY_DAYS)
    return list(
        ProductionOperation.objects.filter(
            state=OperationState.DONE, finished_at__gte=start, finished_at__lt=_today_start()
        ).select_related("work_center")
    )


def _sums(queryset, key: str) -> dict[int, tuple[Decimal, Decimal]]:
    rows = queryset.values(key).annotate(good=Sum("good_qty"), scrap=Sum("scrap_qty")).values_list(key, "good", "scrap")
    return {pk: (good, scrap) for pk, good, scrap in rows}


def test_every_finished_operation_has_its_runs_counts_and_events_in_mes(demo):
    operations = _finished()
    assert len(operations) > 40
    runs = _sums(OperationRun.objects.filter(state=RunState.DONE), "operation_id")
    counts = _sums(MachineCount.objects.all(), "operation_id")
    counted = _sums(ProductionEvent.objects.filter(kind=EventKind.COUNT), "operation_id")
    for operation in operations:
        expected = (operation.good_qty, operation.scrap_qty)
        assert runs[operation.pk] == expected, operation
        assert counts[operation.pk] == expected, operation
        assert counted[operation.pk] == expected, operation
    history = OperationRun.objects.filter(operation__in=operations).select_related("operation", "machine")
    for run in history:
        assert run.machine.work_center_id == run.operation.work_center_id
        assert run.machine.active
        # What ran is what ERP was told ran, and it is all booked.
        assert (run.run_seconds / 60).quantize(Decimal("0.01")) == run.operation.actual_machine_minutes, run
        assert (run.booked_good, run.booked_scrap, run.booked_seconds) == (run.good_qty, run.scrap_qty, run.run_seconds)
        assert run.booked_at == run.finished_at
    kinds = defaultdict(set)
    for operation_id, kind in ProductionEvent.objects.filter(operation__in=operations).values_list(
        "operation_id", "kind"
    ):
        kinds[operation_id].add(kind)
    assert all({EventKind.START, EventKind.COMPLETE, EventKind.COUNT} <= kinds[op.pk] for op in operations)


def test_runs_on_a_machine_never_overlap_and_history_lies_in_working_time(demo):
    now = timezone.now()
    spans = defaultdict(list)
    for machine_id, started, finished in OperationRun.objects.values_list("machine_id", "started_at", "finished_at"):
        spans[machine_id].append((started, finished or now))
    for machine_id, intervals in spans.items():
        intervals.sort()
        for (_begins, ends), (begins, _ends) in itertools.pairwise(intervals):
            assert ends <= begins, Machine.objects.get(pk=machine_id)
    start = _today_start() - datetime.timedelta(days=settings.TAKT_DEMO_HISTORY_DAYS + 1)
    history = OperationRun.objects.filter(operation__in=_finished()).select_related(
        "machine__calendar", "machine__work_center__calendar"
    )
    working = {}
    for run in history:
        calendar = run.machine.calendar or run.machine.work_center.calendar
        if calendar.pk not in working:
            working[calendar.pk] = working_intervals(calendar=calendar, start=start, end=now)
        assert any(b <= run.started_at and run.finished_at <= e for b, e in working[calendar.pk]), run
    # Stops a machine made while a run was open belong to that run; none overlaps another stop.
    stops = defaultdict(list)
    for machine_id, begins, ends in Downtime.objects.values_list("machine_id", "start", "end"):
        stops[machine_id].append((begins, ends or now))
    for intervals in stops.values():
        intervals.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(intervals))


def test_the_oee_trend_is_believable_in_every_week_the_plant_made_something(demo):
    today = timezone.localdate()
    first = today - datetime.timedelta(days=settings.TAKT_DEMO_HISTORY_DAYS)
    worked = {op.finished_at.date() - datetime.timedelta(days=op.finished_at.weekday()) for op in _finished()}
    weeks = oee_weeks(today=today, weeks=13)
    with_figures = [week for week in weeks if week.week in worked and week.week < today - datetime.timedelta(days=7)]
    assert len(with_figures) >= 4
    for week in with_figures:
        figures = week.figures
        assert figures.oee is not None, week.week
        # The molding and SMT campaigns' weeks are the low ones: 45 and 30 minutes of setup (in ERP's machine
        # minutes) for lots of 50 parts of a few seconds each.
        assert Decimal("0.15") <= figures.oee <= Decimal("0.85"), (week.week, figures.oee)
        assert Decimal("0.6") <= figures.availability <= Decimal("0.97"), (week.week, figures.availability)
        assert Decimal("0.9") <= figures.quality <= 1
    typical = [week for week in with_figures if Decimal("0.4") <= week.figures.oee <= Decimal("0.8")]
    assert len(typical) * 2 >= len(with_figures)
    # A week in which nothing was made was not scheduled: no planned busy time, no OEE to speak of.
    for week in weeks:
        if week.week not in worked and first <= week.week and week.week + datetime.timedelta(days=7) <= today:
            assert week.figures.planned_busy_seconds == 0, week.week
            assert week.figures.oee is None


def test_the_losses_name_their_downtime_reasons(demo):
    end = _today_start()
    total = oee_report(start=end - datetime.timedelta(days=settings.TAKT_DEMO_HISTORY_DAYS - 1), end=end).total
    reasons = {loss.reason.code for loss in total.downtime_by_reason if loss.minutes}
    assert {"CHG", "NOORD"} <= reasons
    assert reasons & {"BD", "NOMAT", "ADJ", "QH"}
    assert total.idle_minutes > 0  # the minutes around the work are idle, as they were
    assert total.planned_busy_minutes < total.planned_operation_minutes / 10  # most of the calendar was unplanned
    used = set(Downtime.objects.values_list("reason__code", flat=True))
    assert {"CHG", "BD", "NOMAT", "ADJ", "PM", "NOORD"} <= used


def test_booking_after_the_demo_books_nothing_of_the_history(demo):
    operations = _finished()
    fields = ("good_qty", "scrap_qty", "actual_machine_minutes", "actual_labor_minutes", "absorbed_machine")
    before = {op.pk: tuple(getattr(op, f) for f in fields) for op in operations}
    bookings = LaborBooking.objects.filter(operation__in=operations).count()
    runs = list(OperationRun.objects.filter(operation__in=operations).values_list("pk", "booked_at", "booked_seconds"))
    # The periodic booking (Celery beat's mes.tasks.runs_book): the live morning's runs are due, not the history's.
    booked = runs_book_due()
    assert booked == OperationRun.objects.exclude(state=RunState.DONE).count()  # only the live morning's
    after = {
        op.pk: tuple(getattr(op, f) for f in fields) for op in ProductionOperation.objects.filter(pk__in=list(before))
    }
    assert after == before
    assert LaborBooking.objects.filter(operation__in=operations).count() == bookings
    again = OperationRun.objects.filter(operation__in=operations).values_list("pk", "booked_at", "booked_seconds")
    assert sorted(again) == sorted(runs)


def test_loading_the_demo_again_keeps_the_floor_and_its_history(demo):
    def floor():
        return (
            ProductionEvent.objects.count(),
            OperationRun.objects.count(),
            Downtime.objects.count(),
            MachineCount.objects.aggregate(good=Sum("good_qty"))["good"],
        )

    before = floor()
    call_command("demo_load", stdout=io.StringIO())
    assert floor() == before
