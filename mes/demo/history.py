"""What MES kept of the operations ERP's history reported: one finished run per operation, on a machine of its
work center, inside the calendar's shifts on the operation's day, with the quarter-hour counts, the events a
tablet and a PLC write, and the downtime around it. Made once, after every app's demo, around what the
others recorded on the floor, in bulk (the real services would post to ERP again, and take minutes for a year).

Each operation's block on its machine, in time order: a few idle minutes while the operator gets to it,
now and then planned maintenance (PM), a changeover (CHG) before most runs, the run itself (running for
ERP's machine minutes, its good and scrapped units spread over its quarter hours) with occasional stops
inside it as the real floor records them (a downtime started while the run is open pauses it: breakdown,
no material, process adjustment, quality hold), and a few idle minutes after it. Between blocks, a
machine with no order to work on was set "not scheduled" (NOORD, a planned stop outside the planned busy
time): the plant works a fraction of its calendar, and ISO 22400 measures OEE against the time planned for
production, not the hours the plant is open. So OEE is that of the days a machine worked, and the idle
minutes left are those around its work.

The runs are booked already: ERP's history reported the same figures, so booked_* equal the run's totals
and nothing reaches ERP twice."""

import bisect
import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from core.models import Machine
from core.selectors.calendars import Interval, merge_intervals, working_intervals
from erp.choices import OperationState
from erp.models import ProductionOperation
from mes.choices import EventKind, EventSource, RunState
from mes.models import Downtime, DowntimeReason, MachineCount, OperationRun, ProductionEvent, ScrapReason
from mes.models.execution import BUCKET_MINUTES

SEED = 12  # the same history every load
BUCKET = datetime.timedelta(minutes=BUCKET_MINUTES)
SECOND = datetime.timedelta(seconds=1)
# A gap between two blocks of a machine with less working time than this stays idle; a longer one was
# set not scheduled.
NOT_SCHEDULED_AFTER = datetime.timedelta(minutes=30)
# Stops inside a run: reason, chance per run, minutes (from, to).
INNER_STOPS = [
    ("BD", 0.07, (12, 55)),
    ("NOMAT", 0.09, (6, 22)),
    ("ADJ", 0.16, (3, 12)),
    ("QH", 0.04, (10, 30)),
]
CHANGEOVER_CHANCE = 0.85
# Planned maintenance before a run, on a work center whose last one is this long ago, with this chance.
MAINTENANCE_EVERY = datetime.timedelta(days=28)
MAINTENANCE_CHANCE = 0.6
MAINTENANCE_MINUTES = (30, 90)
# Why units were scrapped, by work center (a tablet reports scrap with a reason).
SCRAP_REASONS = {"MOLD": "SHORT", "SMT": "BRIDGE", "TEST": "ELEC", "PRESS": "DENT", "ASSY": "SCRATCH"}


def _minutes(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=round(value * 60))


@dataclass
class _Block:
    """An operation's time on its machine, laid out before it is placed (offsets from the block's start)."""

    operation: ProductionOperation
    head: datetime.timedelta
    maintenance: datetime.timedelta
    changeover: datetime.timedelta
    running: datetime.timedelta
    stops: list[tuple[str, float, datetime.timedelta]]  # reason, share of the running time before it, length
    tail: datetime.timedelta

    @property
    def length(self) -> datetime.timedelta:
        stopped = sum((length for _r, _s, length in self.stops), datetime.timedelta())
        return self.head + self.maintenance + self.changeover + self.running + stopped + self.tail


@dataclass
class _Made:
    """The floor's records, in memory until they are saved in bulk."""

    reasons: dict[str, DowntimeReason]
    events: list[ProductionEvent] = field(default_factory=list)
    downtimes: list[tuple[int, str, int | None, int, int]] = field(default_factory=list)  # event indexes
    runs: list[OperationRun] = field(default_factory=list)
    counts: list[MachineCount] = field(default_factory=list)

    def event(self, kind: str, at: datetime.datetime, machine: Machine, **fields) -> int:
        self.events.append(ProductionEvent(kind=kind, at=at, machine=machine, **fields))
        return len(self.events) - 1

    def stop(
        self,
        machine: Machine,
        reason: str,
        begins: datetime.datetime,
        ends: datetime.datetime,
        operation=None,
        user=None,
    ) -> None:
        started = self.event(
            EventKind.DOWNTIME_START,
            begins,
            machine,
            operation=operation,
            downtime_reason=self.reasons[reason],
            user=user,
        )
        ended = self.event(EventKind.DOWNTIME_END, ends, machine, user=user)
        self.downtimes.append((machine.pk, reason, operation.pk if operation else None, started, ended))


def _spread(total: Decimal, weights: list[int]) -> list[Decimal]:
    """`total` shared out in proportion to `weights`, in whole units where it is whole, summing to it exactly."""
    whole = total.to_integral_value(rounding=ROUND_FLOOR)
    overall = sum(weights)
    shares, given, running = [], Decimal(0), 0
    for weight in weights:
        running += weight
        upto = (whole * running / overall).to_integral_value(rounding=ROUND_FLOOR)
        shares.append(upto - given)
        given = upto
    shares[-1] += total - given
    return shares


class _Floor:
    def __init__(self, start: datetime.datetime, until: datetime.datetime, now: datetime.datetime) -> None:
        self.start, self.until, self.now = start, until, now
        self.rng = random.Random(SEED)
        self.user = get_user_model().objects.filter(username="operator").first()
        self.scrap_reasons = {reason.code: reason for reason in ScrapReason.objects.all()}
        machines = Machine.objects.filter(active=True).select_related("calendar", "work_center__calendar")
        self.machines: dict[int, list[Machine]] = defaultdict(list)
        self.working: dict[int, list[Interval]] = {}
        self.zones: dict[int, ZoneInfo] = {}
        calendars: dict[int, list[Interval]] = {}
        for machine in machines.order_by("code"):
            calendar = machine.calendar or machine.work_center.calendar
            self.machines[machine.work_center_id].append(machine)
            if calendar is None:
                self.working[machine.pk] = [(start, now)]
                self.zones[machine.pk] = ZoneInfo("UTC")
                continue
            if calendar.pk not in calendars:
                calendars[calendar.pk] = working_intervals(calendar=calendar, start=start, end=now)
            self.working[machine.pk] = calendars[calendar.pk]
            self.zones[machine.pk] = ZoneInfo(calendar.timezone)
        self.free: dict[int, datetime.datetime] = defaultdict(lambda: start)
        # What the floor recorded already (the live morning, the other apps' demos): history keeps clear of it.
        self.busy: dict[int, list[Interval]] = defaultdict(list)
        runs = OperationRun.objects.filter(started_at__lt=now).values_list("machine_id", "started_at", "finished_at")
        stops = Downtime.objects.filter(start__lt=now).values_list("machine_id", "start", "end")
        for machine_id, begins, ends in [*runs, *stops]:
            self.busy[machine_id].append((begins, min(ends or now, now)))
        # Everything on a machine, the history's blocks added as they are placed: the gaps left were not scheduled.
        self.blocks: dict[int, list[Interval]] = defaultdict(list, {pk: list(spans) for pk, spans in self.busy.items()})
        self.order_ready: dict[int, datetime.datetime] = {}
        self.maintained: dict[int, datetime.datetime] = {}  # a work center's last planned maintenance
        self.made = _Made({reason.code: reason for reason in DowntimeReason.objects.all()})

    def fit(self, machine: Machine, earliest: datetime.datetime, length: datetime.timedelta):
        """The first moment from `earliest` at which `length` fits into one working interval of the machine,
        clear of what is on it already."""
        intervals, busy = self.working[machine.pk], self.busy[machine.pk]
        index = max(0, bisect.bisect_right(intervals, (earliest, earliest)) - 1)
        for begins, ends in intervals[index:]:
            at = max(begins, earliest)
            while at + length <= ends:
                clash = next((b for b in busy if b[0] < at + length and at < b[1]), None)
                if clash is None:
                    return at
                at = clash[1]
        return None

    def layout(self, operation: ProductionOperation, maintain: bool) -> _Block:
        rng = self.rng
        running = datetime.timedelta(microseconds=int(operation.actual_machine_minutes * 60_000_000))
        minutes = float(operation.actual_machine_minutes)
        changeover = datetime.timedelta()
        if rng.random() < CHANGEOVER_CHANCE:
            setup = float(operation.setup_minutes) or 10.0
            changeover = _minutes(max(2.0, min(setup * rng.uniform(0.5, 1.0), minutes * rng.uniform(0.08, 0.2))))
        maintenance = datetime.timedelta()
        if maintain and rng.random() < MAINTENANCE_CHANCE:
            maintenance = _minutes(rng.uniform(*MAINTENANCE_MINUTES))
        stops = [
            (code, rng.uniform(0.1, 0.9), _minutes(rng.uniform(*span)))
            for code, chance, span in INNER_STOPS
            if rng.random() < chance
        ]
        return _Block(
            operation=operation,
            head=_minutes(max(1.0, minutes * rng.uniform(0.02, 0.08))),
            maintenance=maintenance,
            changeover=changeover,
            running=running,
            stops=sorted(stops, key=lambda stop: stop[1]),
            tail=_minutes(max(1.0, minutes * rng.uniform(0.02, 0.08))),
        )

    def place(self, operation: ProductionOperation) -> bool:
        machines = self.machines.get(operation.work_center_id)
        if not machines:
            return False
        maintained = self.maintained.get(operation.work_center_id)
        block = self.layout(operation, maintained is None or operation.finished_at - maintained > MAINTENANCE_EVERY)
        if block.maintenance:
            self.maintained[operation.work_center_id] = operation.finished_at
        zone = self.zones[machines[0].pk]
        day = operation.finished_at.astimezone(zone).date()
        day_start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        earliest = max(day_start, self.order_ready.get(operation.order_id, day_start))
        options = []
        for machine in machines:
            at = self.fit(machine, max(earliest, self.free[machine.pk]), block.length)
            if at is not None and at + block.length <= self.until:
                options.append((at, self.rng.random(), machine))
        if not options:
            return False
        at, _tie, machine = min(options, key=lambda option: option[:2])
        self.record(block, machine, at)
        return True

    def record(self, block: _Block, machine: Machine, at: datetime.datetime) -> None:
        made, operation, user = self.made, block.operation, self.user
        begins = at
        at += block.head
        for code, length in (("PM", block.maintenance), ("CHG", block.changeover)):
            if length:
                made.stop(machine, code, at, at + length, user=user)
                at += length
        started = at
        made.event(EventKind.START, started, machine, operation=operation, user=user)
        segments: list[Interval] = []
        ran = datetime.timedelta()
        for code, share, length in block.stops:
            upto = datetime.timedelta(microseconds=int(block.running / datetime.timedelta(microseconds=1) * share))
            segments.append((at, at + upto - ran))
            at += upto - ran
            ran = upto
            made.stop(machine, code, at, at + length, operation=operation, user=user)
            at += length
        segments.append((at, at + block.running - ran))
        at += block.running - ran
        finished = at
        self.counts(operation, machine, segments)
        made.event(EventKind.COMPLETE, finished, machine, operation=operation, user=user)
        made.runs.append(
            OperationRun(
                operation=operation,
                machine=machine,
                state=RunState.DONE,
                started_at=started,
                finished_at=finished,
                run_seconds=operation.actual_machine_minutes * 60,
                good_qty=operation.good_qty,
                scrap_qty=operation.scrap_qty,
                booked_good=operation.good_qty,
                booked_scrap=operation.scrap_qty,
                booked_seconds=operation.actual_machine_minutes * 60,
                booked_at=finished,
            )
        )
        ends = finished + block.tail
        self.free[machine.pk] = ends
        self.blocks[machine.pk].append((begins, ends))
        self.order_ready[operation.order_id] = finished + _minutes(self.rng.uniform(5, 20))

    def counts(self, operation: ProductionOperation, machine: Machine, segments: list[Interval]) -> None:
        """The run's units over its quarter hours, by the running seconds in each: the PLC counts the good
        ones, the operator reports the scrap with its reason."""
        seconds: dict[datetime.datetime, int] = defaultdict(int)
        last: dict[datetime.datetime, datetime.datetime] = {}
        for begins, ends in segments:
            at = begins
            while at < ends:
                utc = at.astimezone(datetime.UTC)
                bucket = utc.replace(minute=utc.minute - utc.minute % BUCKET_MINUTES, second=0, microsecond=0)
                upto = min(ends, bucket + BUCKET)
                seconds[bucket] += max(1, round((upto - at).total_seconds()))
                last[bucket] = max(bucket, min(upto, bucket + BUCKET - SECOND))
                at = upto
        buckets = sorted(seconds)
        weights = [seconds[bucket] for bucket in buckets]
        good = _spread(operation.good_qty, weights)
        scrap = _spread(operation.scrap_qty, weights)
        reason = self.scrap_reasons.get(SCRAP_REASONS.get(operation.work_center.code, ""))
        for bucket, good_qty, scrap_qty in zip(buckets, good, scrap, strict=True):
            if good_qty:
                self.made.event(
                    EventKind.COUNT,
                    last[bucket],
                    machine,
                    operation=operation,
                    source=EventSource.PLC,
                    good_qty=good_qty,
                )
            if scrap_qty:
                self.made.event(
                    EventKind.COUNT,
                    last[bucket],
                    machine,
                    operation=operation,
                    user=self.user,
                    scrap_qty=scrap_qty,
                    scrap_reason=reason,
                )
            if good_qty or scrap_qty:
                self.made.counts.append(
                    MachineCount(
                        machine=machine, operation=operation, bucket=bucket, good_qty=good_qty, scrap_qty=scrap_qty
                    )
                )

    def not_scheduled(self) -> None:
        """Between a machine's blocks, the working time of any longer gap was set not scheduled."""
        for machines in self.machines.values():
            for machine in machines:
                blocks = merge_intervals(self.blocks[machine.pk])
                edges = [self.start, *(t for block in blocks for t in block), self.now]
                for begins, ends in zip(edges[::2], edges[1::2], strict=True):
                    inside = _intersect((begins, ends), self.working[machine.pk])
                    if sum((e - b for b, e in inside), datetime.timedelta()) >= NOT_SCHEDULED_AFTER:
                        self.made.stop(machine, "NOORD", inside[0][0], inside[-1][1])

    def save(self) -> None:
        made = self.made
        ProductionEvent.objects.bulk_create(made.events, batch_size=2000)
        Downtime.objects.bulk_create(
            [
                Downtime(
                    machine_id=machine_id,
                    reason=made.reasons[reason],
                    operation_id=operation_id,
                    start=made.events[started].at,
                    end=made.events[ended].at,
                    start_event=made.events[started],
                    end_event=made.events[ended],
                )
                for machine_id, reason, operation_id, started, ended in made.downtimes
            ],
            batch_size=2000,
        )
        OperationRun.objects.bulk_create(made.runs, batch_size=2000)
        MachineCount.objects.bulk_create(made.counts, batch_size=2000)


def _intersect(span: Interval, intervals: list[Interval]) -> list[Interval]:
    begins, ends = span
    index = max(0, bisect.bisect_right(intervals, (begins, begins)) - 1)
    found = []
    for left, right in intervals[index:]:
        if left >= ends:
            break
        if max(left, begins) < min(right, ends):
            found.append((max(left, begins), min(right, ends)))
    return found


def history_make(*, start: datetime.datetime, until: datetime.datetime, now: datetime.datetime) -> dict[str, int]:
    """The shop floor's records of every operation ERP finished between `start` and `until` (today's start),
    and the machines not scheduled from `start` to `now` where nothing was recorded on them."""
    floor = _Floor(start, until, now)
    operations = (
        ProductionOperation.objects.filter(state=OperationState.DONE, finished_at__gte=start, finished_at__lt=until)
        .exclude(runs__isnull=False)
        .select_related("work_center")
        .order_by("finished_at", "order_id", "seq")
    )
    placed = sum(floor.place(operation) for operation in operations)
    floor.not_scheduled()
    floor.save()
    return {"history runs": placed, "history downtimes": len(floor.made.downtimes)}
