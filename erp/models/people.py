from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from erp.choices import AttendanceSource
from erp.models.finance import MONEY
from erp.models.production import MINUTES


class Department(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200)
    cost_center = models.ForeignKey("erp.CostCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Employee(TaktModel):
    number = code_field(verbose_name=_("employee number"))
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    badge = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text=_("What the badge scanner reads.")
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="employees")
    position = models.CharField(max_length=100, blank=True)
    labor_cost_rate = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=_("Cost per hour worked, in the company currency.")
    )
    hired_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(labor_cost_rate__gte=0), name="employee_rate_not_negative")]

    def __str__(self) -> str:
        return f"{self.number} {self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Qualification(TaktModel):
    """An employee may run a work center's machines, or one machine, until it expires."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="qualifications")
    work_center = models.ForeignKey(
        "core.WorkCenter", null=True, blank=True, on_delete=models.CASCADE, related_name="qualifications"
    )
    machine = models.ForeignKey("core.Machine", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text=_("Empty: does not expire."))
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["employee", "work_center__code", "machine__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_center__isnull=True) ^ Q(machine__isnull=True),
                name="qualification_work_center_xor_machine",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="qualification_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.machine or self.work_center}"

    def clean(self) -> None:
        # The constraints' own messages name the constraint; people need to know what to fill in.
        if (self.work_center_id is None) == (self.machine_id is None):
            raise ValidationError(
                {"machine": ValidationError(_("Choose either a work center or one machine."), code="scope")}
            )
        if self.valid_until is not None and self.valid_from is not None and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": ValidationError(_("The qualification cannot end before it starts."), code="period")}
            )


class RosterEntry(TaktModel):
    """An employee is rostered on a shift of a calendar on a date."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="roster")
    date = models.DateField()
    shift = models.ForeignKey("core.Shift", on_delete=models.PROTECT, related_name="+")
    work_center = models.ForeignKey(
        "core.WorkCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["date", "employee"]
        verbose_name_plural = "roster entries"
        constraints = [models.UniqueConstraint(fields=["employee", "date", "shift"], name="roster_entry_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.employee}: {self.shift}"


class Attendance(TaktModel):
    """Time present at work: from MES sign-in and sign-out at a machine, or entered by hand."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="attendances")
    clock_in = models.DateTimeField()
    clock_out = models.DateTimeField(null=True, blank=True)
    machine = models.ForeignKey("core.Machine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=AttendanceSource.choices, default=AttendanceSource.MANUAL)

    class Meta:
        ordering = ["-clock_in"]
        constraints = [
            models.CheckConstraint(
                condition=Q(clock_out__isnull=True) | Q(clock_out__gt=F("clock_in")), name="attendance_period_valid"
            ),
            # The services refuse a second sign-in; this holds it against two terminals at once.
            models.UniqueConstraint(
                fields=["employee"], condition=Q(clock_out__isnull=True), name="attendance_one_open_per_employee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.clock_in:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.clock_out is not None and self.clock_in is not None and self.clock_out <= self.clock_in:
            raise ValidationError(
                {"clock_out": ValidationError(_("Clock-out must be after clock-in."), code="before_clock_in")}
            )

    @property
    def hours(self) -> Decimal | None:
        """Hours present, to the hundredth; None while still clocked in."""
        if self.clock_out is None:
            return None
        seconds = Decimal((self.clock_out - self.clock_in).total_seconds())
        return (seconds / 3600).quantize(Decimal("0.01"))


class LaborBooking(models.Model):
    """Minutes an employee worked on a production operation, and what they cost at the employee's rate."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="labor_bookings")
    operation = models.ForeignKey("erp.ProductionOperation", on_delete=models.PROTECT, related_name="labor_bookings")
    date = models.DateField(db_index=True)
    minutes = models.DecimalField(**MINUTES)
    cost = models.DecimalField(**MONEY)
    source = models.CharField(max_length=16, choices=AttendanceSource.choices, default=AttendanceSource.MES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="labor_booking_minutes_positive")]

    def __str__(self) -> str:
        return f"{self.date} {self.employee}: {self.minutes} min on {self.operation}"
