from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    BOTH = "both", _("Customer and supplier")


class Procurement(models.TextChoices):
    MAKE = "make", _("Make")
    BUY = "buy", _("Buy")


class LotPolicy(models.TextChoices):
    LOT_FOR_LOT = "lot_for_lot", _("Lot for lot")
    FIXED = "fixed", _("Fixed lot")
    MIN_MULTIPLE = "min_multiple", _("Minimum and multiple")


class Tracking(models.TextChoices):
    NONE = "none", _("Not tracked")
    LOT = "lot", _("By lot")
    SERIAL = "serial", _("By serial number")


class TaskRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
