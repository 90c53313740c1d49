"""After-sales service: SLA policies, service cases on a customer's unit (a serial number or a lot), the
case's updates (its history) and RMAs, the returns of goods authorized on a case.

SLA timers, in one place (crm/services/cases.py computes them, crm/selectors/cases.py reads them):

- A policy measures its targets on a clock: `always` (24/7, wall-clock hours) or `business` (the working
  hours of a core WorkCalendar: its shifts, holidays and extra windows). "8 hours" on a business clock
  from Friday 15:00 with a 09:00-17:00 calendar is Monday 15:00.
- The first response is due `first_response_hours` of the clock after the case was opened; the
  resolution `resolution_hours` after it, plus every stretch of the clock the case spent waiting for the
  customer (or resolved, before it was reopened): `paused`. While the case waits, `waiting_since`
  is set and the resolution clock stands still; the due time moves on when the case resumes.
- A target is breached when it was met late (responded or resolved after it was due), or when it is
  still open past its due time (the resolution clock of a waiting case counts up to `waiting_since`).
  Celery beat flags each breach once (`response_breached_at`, `resolution_breached_at`) and publishes
  `crm.service_case.sla_breached` for it.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field

HOURS = {"max_digits": 9, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 6}


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class CaseState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The states in which the case is still being worked on: its SLA clocks run (but for waiting).
ACTIVE_CASE_STATES = (CaseState.OPEN, CaseState.IN_PROGRESS, CaseState.WAITING_CUSTOMER)


class SlaClock(models.TextChoices):
    ALWAYS = "always", _("24/7: every hour counts")
    BUSINESS = "business", _("Business hours of a calendar")


class CaseUpdateKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    NOTE = "note", _("Note")
    RESPONSE = "response", _("Response to the customer")
    WAITING = "waiting", _("Waiting for the customer")
    RESUMED = "resumed", _("Resumed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CHANGED = "changed", _("Changed")
    RMA = "rma", _("Return")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class RmaState(models.TextChoices):
    AUTHORIZED = "authorized", _("Authorized")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")


class SlaPolicy(TaktModel):
    """Response and resolution targets for cases of a priority (empty: any priority), for every customer or,
    as an override, for one customer (and the accounts below it). The most specific active policy applies:
    the customer's for the priority, the customer's for any priority, the general one for the priority,
    the general one for any priority."""

    code = code_field()
    name = models.CharField(max_length=200)
    priority = models.CharField(
        max_length=10, choices=CasePriority.choices, blank=True, help_text=_("Empty: cases of any priority.")
    )
    customer = models.ForeignKey(
        "core.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Empty: every customer. Set: this customer's own terms (and its subsidiaries')."),
    )
    first_response_hours = models.DecimalField(**HOURS, validators=[MinValueValidator(Decimal("0.01"))])
    resolution_hours = models.DecimalField(**HOURS, validators=[MinValueValidator(Decimal("0.01"))])
    clock = models.CharField(max_length=10, choices=SlaClock.choices, default=SlaClock.BUSINESS)
    calendar = models.ForeignKey(
        "core.WorkCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The business hours the targets count on (business clock only)."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "priority"],
                condition=Q(active=True),
                nulls_distinct=False,
                name="sla_policy_one_active_per_scope",
                violation_error_code="duplicate_scope",
                violation_error_message=_("Another active policy has this customer and priority."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.clock == SlaClock.BUSINESS and self.calendar_id is None:
            errors["calendar"] = ValidationError(
                _("A business-hours policy counts on a calendar: choose one."), code="required"
            )
        if self.clock == SlaClock.ALWAYS and self.calendar_id is not None:
            errors["calendar"] = ValidationError(_("A 24/7 policy counts every hour: no calendar."), code="not_used")
        if (
            self.first_response_hours is not None
            and self.resolution_hours is not None
            and self.resolution_hours < self.first_response_hours
        ):
            errors["resolution_hours"] = ValidationError(
                _("The resolution cannot be due before the first response."), code="before_response"
            )
        if self.customer_id and not self.customer.is_customer:
            errors["customer"] = ValidationError(
                _("%(partner)s is not a customer.") % {"partner": self.customer.code}, code="not_a_customer"
            )
        if errors:
            raise ValidationError(errors)


class ServiceCase(TaktModel):
    """A customer's problem with a unit we sold, from the report to its resolution: written by the services
    in crm/services/cases.py only."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    account = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="service_cases")
    contact = models.ForeignKey(
        "core.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="service_cases"
    )
    item = models.ForeignKey("core.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "wms.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_cases",
        help_text=_("The unit's serial number or lot, as found in the stock ledger."),
    )
    serial = models.CharField(
        max_length=64, blank=True, help_text=_("The serial or lot number as the customer reported it.")
    )
    sales_order = models.ForeignKey(
        "erp.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="service_cases"
    )
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.CharField(max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL)
    state = models.CharField(max_length=20, choices=CaseState.choices, default=CaseState.OPEN, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_cases_owned",
        help_text=_("Who works on the case."),
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", editable=False
    )
    opened_at = models.DateTimeField(editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    first_response_due = models.DateTimeField(null=True, blank=True, editable=False)
    first_responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("Moves later by the time the case waited for the customer."),
    )
    waiting_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("Set while the case waits: the resolution clock stands.")
    )
    paused = models.DurationField(
        default=datetime.timedelta(0),
        editable=False,
        help_text=_(
            "SLA-clock time spent waiting for the customer (or resolved, before a reopening): added to "
            "the resolution target."
        ),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = models.TextField(blank=True, editable=False)
    # When each breach was flagged (and its event published): once per breach.
    response_breached_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_breached_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("service case")
        constraints = [
            models.CheckConstraint(
                condition=Q(paused__gte=datetime.timedelta(0)), name="service_case_paused_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(waiting_since__isnull=True) | Q(state=CaseState.WAITING_CUSTOMER),
                name="service_case_waiting_only_when_waiting",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "first_response_due"], name="service_case_response_due"),
            models.Index(fields=["state", "resolution_due"], name="service_case_resolution_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_CASE_STATES


class CaseUpdate(models.Model):
    """One entry of a case's history: a note, a response, a change of state. Never edited."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(ServiceCase, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=16, choices=CaseUpdateKind.choices)
    text = models.TextField(blank=True)
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case", "at", "id"]
        verbose_name = _("case update")

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()


class Rma(TaktModel):
    """A return of goods authorized on a case (return merchandise authorization): received through WMS
    into the warehouse's quality-hold location, its lots put on hold for quality to decide."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    case = models.ForeignKey(ServiceCase, on_delete=models.PROTECT, related_name="rmas")
    state = models.CharField(max_length=12, choices=RmaState.choices, default=RmaState.AUTHORIZED, editable=False)
    warehouse = models.ForeignKey(
        "wms.Warehouse", on_delete=models.PROTECT, related_name="+", help_text=_("Where the goods come back to.")
    )
    receipt = models.OneToOneField(
        "wms.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="rma", editable=False
    )
    note = models.TextField(blank=True)
    authorized_at = models.DateTimeField(editable=False)
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    received_at = models.DateTimeField(null=True, blank=True, editable=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("RMA")
        verbose_name_plural = _("RMAs")
        permissions = [("receive_rma", "Can receive returned goods")]

    def __str__(self) -> str:
        return f"{self.number} ({self.case.number})"


class RmaLine(models.Model):
    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="rma_lines")
    quantity = models.DecimalField(**QUANTITY)
    reason = models.CharField(max_length=255)

    class Meta:
        ordering = ["rma", "pk"]
        verbose_name = _("RMA line")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="rma_line_quantity_positive")]

    def __str__(self) -> str:
        lot = f" {self.lot.code}" if self.lot_id else ""
        return f"{self.rma.number}: {self.quantity} {self.item.code}{lot}"

    def get_absolute_url(self) -> str:
        return self.rma.get_absolute_url()
