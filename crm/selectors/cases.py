"""Reads of after-sales service: the SLA clock (crm/models/service.py explains the timers), which cases
breached their targets, the dashboard's summary, a case's timers, and a case's traceability from MES: its
unit's genealogy backward (lots, machines, operators, suppliers, inspections) and, for a component lot of
the unit that is suspect, every other unit made from it and the customers they went to."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, TextChoices, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Machine, Partner
from core.selectors.calendars import working_intervals
from crm.models import ACTIVE_CASE_STATES, ServiceCase, SlaClock, SlaPolicy
from erp.models import Employee
from mes.models import Inspection, Nonconformance
from mes.selectors.genealogy import LotRecord, RecallLine, Trace, lot_search, recall_list, trace_backward
from wms.models import Lot

ZERO = datetime.timedelta(0)
# How far ahead a business-hours target is looked for, a fortnight at a time: a calendar with no working
# time in a year is a configuration error, not a wait.
CLOCK_CHUNK = datetime.timedelta(days=14)
CLOCK_HORIZON = datetime.timedelta(days=366)
BREACH_WINDOW = datetime.timedelta(days=30)


# --- The SLA clock ----------------------------------------------------------------------------------------


def hours_span(hours) -> datetime.timedelta:
    """A policy's target in hours (a Decimal) as a span of its clock."""
    return datetime.timedelta(seconds=float(hours * 3600))


def sla_clock_add(*, policy: SlaPolicy, start: datetime.datetime, span: datetime.timedelta) -> datetime.datetime:
    """The moment `span` of the policy's clock has run from `start`: wall-clock time for a 24/7 policy,
    the calendar's working time for a business-hours one (a target falling at the end of a shift is due
    then, not at the start of the next)."""
    if policy.clock == SlaClock.ALWAYS:
        return start + span
    remaining = span
    window = start
    while window - start < CLOCK_HORIZON:
        for begins, ends in working_intervals(calendar=policy.calendar, start=window, end=window + CLOCK_CHUNK):
            if ends - begins >= remaining:
                return begins + remaining
            remaining -= ends - begins
        window += CLOCK_CHUNK
    message = _("Calendar %(calendar)s has no working time within a year: the SLA target cannot be set.") % {
        "calendar": policy.calendar.code
    }
    raise ValidationError({"sla_policy": ValidationError(message, code="no_working_time")})


def sla_clock_span(*, policy: SlaPolicy, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """How much of the policy's clock runs between two moments (nothing when `end` is not after `start`)."""
    if end <= start:
        return ZERO
    if policy.clock == SlaClock.ALWAYS:
        return end - start
    return sum(
        (ends - begins for begins, ends in working_intervals(calendar=policy.calendar, start=start, end=end)), ZERO
    )


def sla_policy_for(*, account: Partner, priority: str) -> SlaPolicy | None:
    """The active policy for a case of `priority` on `account`: the account's own terms (or, failing them, those
    of the group above it, nearest first) for the priority, then for any priority; then the general terms
    for the priority, then for any priority. None when no policy applies (the case has no targets)."""
    chain: list[int | None] = []
    partner: Partner | None = account
    while partner is not None and partner.pk not in chain:
        chain.append(partner.pk)
        partner = partner.parent
    chain.append(None)
    policies = SlaPolicy.objects.filter(active=True, priority__in=[priority, ""]).filter(
        Q(customer_id__in=[pk for pk in chain if pk is not None]) | Q(customer__isnull=True)
    )
    ranked = sorted(policies, key=lambda p: (chain.index(p.customer_id), p.priority != priority))
    return ranked[0] if ranked else None


# --- Breaches ---------------------------------------------------------------------------------------------


def response_breached_q(now: datetime.datetime) -> Q:
    """Cases whose first response was late, or is still missing past its due time."""
    return Q(first_responded_at__gt=F("first_response_due")) | Q(
        first_responded_at__isnull=True, state__in=ACTIVE_CASE_STATES, first_response_due__lt=now
    )


def resolution_breached_q(now: datetime.datetime) -> Q:
    """Cases resolved late, or unresolved past their due time: a waiting case's clock stopped when the wait
    began, so it is late only if it was late then."""
    unresolved = Q(resolved_at__isnull=True, state__in=ACTIVE_CASE_STATES)
    return (
        Q(resolved_at__gt=F("resolution_due"))
        | (unresolved & Q(waiting_since__isnull=True, resolution_due__lt=now))
        | (unresolved & Q(waiting_since__gt=F("resolution_due")))
    )


def breached_q(now: datetime.datetime) -> Q:
    """Cases that breached either target (or were flagged for it: a reopened case keeps its breach)."""
    return (
        response_breached_q(now)
        | resolution_breached_q(now)
        | Q(response_breached_at__isnull=False)
        | Q(resolution_breached_at__isnull=False)
    )


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(Case(When(condition, then=Value(True)), default=Value(False)), BooleanField())


def cases_with_sla(*, now: datetime.datetime | None = None) -> QuerySet[ServiceCase]:
    """Cases with `response_overdue`, `resolution_overdue` (still open past due) and `breached` (either
    target, met late or not met) annotated, as the case list shows and filters them."""
    now = now or timezone.now()
    return ServiceCase.objects.select_related("account", "owner", "item", "lot", "sla_policy").annotate(
        response_overdue=_flag(
            Q(first_responded_at__isnull=True, state__in=ACTIVE_CASE_STATES) & response_breached_q(now)
        ),
        resolution_overdue=_flag(Q(resolved_at__isnull=True) & resolution_breached_q(now)),
        breached=_flag(breached_q(now)),
    )


def service_case_summary() -> dict:
    """For the CRM dashboard: cases still open, those past their first-response or resolution due time now,
    and the cases that breached a target (met late, or not met) in the last 30 days."""
    now = timezone.now()
    since = now - BREACH_WINDOW
    active = ServiceCase.objects.filter(state__in=ACTIVE_CASE_STATES)
    recent = (
        (response_breached_q(now) & Q(first_response_due__gte=since))
        | (resolution_breached_q(now) & Q(resolution_due__gte=since))
        | Q(response_breached_at__gte=since)
        | Q(resolution_breached_at__gte=since)
    )
    return {
        "open": active.count(),
        "overdue_response": active.filter(first_responded_at__isnull=True, first_response_due__lt=now).count(),
        "overdue_resolution": active.filter(resolved_at__isnull=True).filter(resolution_breached_q(now)).count(),
        "breached_last_30_days": ServiceCase.objects.filter(recent).count(),
    }


# --- A case's timers ----------------------------------------------------------------------------------------


class TimerState(TextChoices):
    NONE = "none", gettext_lazy("No target")  # no policy applies
    RUNNING = "running", gettext_lazy("Running")
    PAUSED = "paused", gettext_lazy("Paused while waiting for the customer")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    MET = "met", gettext_lazy("Met")
    MISSED = "missed", gettext_lazy("Missed")


@dataclass(frozen=True)
class SlaTimer:
    """One target of a case as its page shows it: `left` is the wall-clock time to the due moment (negative
    once past it) while the target runs, or how early (negative: how late) it was met."""

    label: str
    state: str
    due: datetime.datetime | None
    done_at: datetime.datetime | None
    left: datetime.timedelta | None

    @property
    def overdue(self) -> datetime.timedelta | None:
        return -self.left if self.left is not None and self.left < ZERO else None

    @property
    def text(self) -> str:
        """ "due in 3 h 20 min", "overdue by 1 d 2 h", "met 40 min early", "paused, 7 h left"..."""
        if self.state == TimerState.NONE:
            return _("no target")
        left = span_text(abs(self.left))
        return {
            TimerState.RUNNING: _("due in %(span)s"),
            TimerState.OVERDUE: _("overdue by %(span)s"),
            TimerState.PAUSED: _("paused, %(span)s left") if self.left >= ZERO else _("paused, %(span)s late"),
            TimerState.MET: _("met %(span)s early"),
            TimerState.MISSED: _("missed by %(span)s"),
        }[self.state] % {"span": left}


def span_text(span: datetime.timedelta) -> str:
    """A span as people say it, to the minute: "2 d 3 h", "3 h 20 min", "40 min"."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


def _timer(label: str, due, done_at, now, paused_since=None) -> SlaTimer:
    if due is None:
        return SlaTimer(label, TimerState.NONE, None, done_at, None)
    if done_at is not None:
        return SlaTimer(label, TimerState.MET if done_at <= due else TimerState.MISSED, due, done_at, due - done_at)
    if paused_since is not None:
        return SlaTimer(label, TimerState.PAUSED, due, None, due - paused_since)
    return SlaTimer(label, TimerState.RUNNING if now <= due else TimerState.OVERDUE, due, None, due - now)


def case_timers(case: ServiceCase, *, now: datetime.datetime | None = None) -> list[SlaTimer]:
    """The first-response and resolution timers of a case, now."""
    now = now or timezone.now()
    return [
        _timer(_("First response"), case.first_response_due, case.first_responded_at, now),
        _timer(_("Resolution"), case.resolution_due, case.resolved_at, now, paused_since=case.waiting_since),
    ]


# --- Traceability ---------------------------------------------------------------------------------------------


@dataclass
class SuspectUnit:
    """A finished unit (serial or lot) made from the suspect lot, where it is, and its service cases."""

    line: RecallLine
    cases: list[ServiceCase]

    @property
    def lot(self) -> Lot:
        return self.line.lot


@dataclass
class CaseTraceability:
    """What MES knows of the case's unit. Without a unit (no lot found for the serial reported) only
    `suggestions` are filled: lots whose code resembles what the customer reported."""

    lot: Lot | None
    trace: Trace | None = None
    components: list[LotRecord] = field(default_factory=list)  # every lot the unit was made from, nearest first
    machines: list[Machine] = field(default_factory=list)
    operators: list[Employee] = field(default_factory=list)
    suppliers: list[Partner] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    nonconformances: list[Nonconformance] = field(default_factory=list)
    suspect: Lot | None = None  # the component lot traced forward
    suspect_units: list[SuspectUnit] = field(default_factory=list)  # the other finished units made from it
    customers: list[Partner] = field(default_factory=list)  # those units went to
    suggestions: list[Lot] = field(default_factory=list)

    def depth_of(self, lot: Lot) -> int:
        return self.trace.depths.get(lot.pk, 0) if self.trace else 0


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(value for value in values if value is not None))


def _default_suspect(components: list[LotRecord], nonconformances: list[Nonconformance]) -> Lot | None:
    """The component lot to suspect first: one held by quality or with a nonconformance, nearest the unit."""
    flagged = {nc.lot_id for nc in nonconformances}
    for record in components:
        if record.lot.on_hold or record.lot.pk in flagged:
            return record.lot
    return None


def case_traceability(*, case: ServiceCase, suspect: Lot | None = None) -> CaseTraceability:
    """The unit's genealogy backward and, for `suspect` (a component lot of the unit; by default one quality
    holds or raised a nonconformance on), the other finished units made from it with their customers and
    service cases. A `suspect` that is not a component of the unit is refused (field `suspect`)."""
    if case.lot is None:
        reported = case.serial.strip()
        return CaseTraceability(lot=None, suggestions=list(lot_search(text=reported)) if reported else [])
    trace = trace_backward(lot=case.lot)
    components = sorted(
        (record for lot_id, record in trace.records.items() if lot_id != case.lot.pk),
        key=lambda record: (trace.depths[record.lot.pk], record.lot.item.code, record.lot.code),
    )
    records = [trace.root.record, *components]
    nonconformances = list(
        Nonconformance.objects.filter(lot_id__in=trace.records.keys())
        .select_related("item", "lot", "supplier")
        .order_by("raised_at", "pk")
    )
    traced = CaseTraceability(
        lot=case.lot,
        trace=trace,
        components=components,
        machines=_unique(machine for record in records for machine in record.machines),
        operators=_unique(operator for record in records for operator in record.operators),
        suppliers=sorted(
            _unique(receipt.supplier for record in records for receipt in record.receipts),
            key=lambda partner: partner.code,
        ),
        inspections=sorted(
            _unique(inspection for record in records for inspection in record.inspections),
            key=lambda inspection: (inspection.inspected_at, inspection.pk),
        ),
        nonconformances=nonconformances,
    )
    if suspect is not None and suspect.pk not in {record.lot.pk for record in components}:
        message = _("Lot %(lot)s is not a component of %(unit)s.") % {"lot": suspect.code, "unit": case.lot.code}
        raise ValidationError({"suspect": ValidationError(message, code="not_a_component")})
    traced.suspect = suspect or _default_suspect(components, nonconformances)
    if traced.suspect is not None:
        recall = recall_list(lot=traced.suspect)
        units = [line for line in recall.lines if line.finished and line.lot.pk != case.lot.pk]
        cases_by_lot: dict[int, list[ServiceCase]] = {}
        for other in ServiceCase.objects.filter(lot_id__in=[line.lot.pk for line in units]).order_by("number"):
            cases_by_lot.setdefault(other.lot_id, []).append(other)
        traced.suspect_units = [SuspectUnit(line=line, cases=cases_by_lot.get(line.lot.pk, [])) for line in units]
        traced.customers = sorted(
            _unique(shipment.customer for unit in traced.suspect_units for shipment in unit.line.shipments),
            key=lambda partner: partner.code,
        )
    return traced
