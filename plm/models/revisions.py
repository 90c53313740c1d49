import datetime
from decimal import Decimal

from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from plm.choices import RevisionState

# States whose revisions have been in production: the ones "effective on a date" is read from.
EFFECTIVE_STATES = (RevisionState.RELEASED, RevisionState.OBSOLETE)


class Revision(TaktModel):
    """A revision of an item's engineering data, released for a window of dates [from, to)."""

    # Subclasses declare `item` and `eco` with their own reverse names.
    revision = models.CharField(max_length=8, help_text=_("A, B, C..."))
    state = models.CharField(max_length=16, choices=RevisionState.choices, default=RevisionState.DRAFT)
    effective_from = models.DateField(
        null=True, blank=True, help_text=_("First day it is effective; empty: since always.")
    )
    effective_to = models.DateField(
        null=True, blank=True, help_text=_("First day it is no longer effective; empty: until replaced.")
    )
    note = models.TextField(blank=True)
    attachments = GenericRelation("plm.Attachment")

    class Meta:
        abstract = True
        ordering = ["item__code", "revision"]

    def __str__(self) -> str:
        return f"{self.item.code} rev {self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.state == RevisionState.DRAFT

    def is_effective_on(self, day: datetime.date) -> bool:
        return (
            self.state in EFFECTIVE_STATES
            and (self.effective_from is None or self.effective_from <= day)
            and (self.effective_to is None or day < self.effective_to)
        )


def effective_on(day: datetime.date, prefix: str = "") -> Q:
    """Revisions (or, with a prefix, lines of revisions) effective on `day`."""
    return (
        Q(**{f"{prefix}state__in": EFFECTIVE_STATES})
        & (Q(**{f"{prefix}effective_from__isnull": True}) | Q(**{f"{prefix}effective_from__lte": day}))
        & (Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gt": day}))
    )


def _revision_constraints(name: str) -> list:
    return [
        models.UniqueConstraint(fields=["item", "revision"], name=f"{name}_revision_unique"),
        # A backstop for the release service, which checks whole windows under a lock on the item.
        models.UniqueConstraint(
            fields=["item", "effective_from"],
            condition=Q(state=RevisionState.RELEASED),
            nulls_distinct=False,
            name=f"{name}_one_released_per_start",
        ),
        models.CheckConstraint(
            condition=Q(effective_to__isnull=True)
            | Q(effective_from__isnull=True)
            | Q(effective_to__gt=models.F("effective_from")),
            name=f"{name}_window_valid",
        ),
    ]


class BomRevision(Revision):
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="bom_revisions")
    eco = models.ForeignKey(
        "plm.EngineeringChangeOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bom_revisions",
        verbose_name=_("engineering change order"),
    )

    class Meta(Revision.Meta):
        verbose_name = _("BOM revision")
        constraints = _revision_constraints("bom")


class BomLine(TaktModel):
    bom = models.ForeignKey(BomRevision, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    component = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="bom_lines")
    qty_per = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(0)],
        verbose_name=_("quantity per parent unit"),
    )
    scrap_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("99.99"))],
        verbose_name=_("scrap %"),
    )
    uom = models.ForeignKey("core.Unit", on_delete=models.PROTECT, verbose_name=_("unit"))

    class Meta:
        ordering = ["bom", "position"]
        verbose_name = _("BOM line")
        constraints = [
            models.UniqueConstraint(fields=["bom", "position"], name="bom_line_position_unique"),
            models.CheckConstraint(condition=Q(qty_per__gt=0), name="bom_line_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bom} #{self.position}: {self.qty_per} {self.uom} {self.component.code}"


class RoutingRevision(Revision):
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="routing_revisions")
    eco = models.ForeignKey(
        "plm.EngineeringChangeOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routing_revisions",
        verbose_name=_("engineering change order"),
    )

    class Meta(Revision.Meta):
        verbose_name = _("routing revision")
        constraints = _revision_constraints("routing")


class RoutingOperation(TaktModel):
    routing = models.ForeignKey(RoutingRevision, on_delete=models.CASCADE, related_name="operations")
    seq = models.PositiveIntegerField(verbose_name=_("sequence"))
    name = models.CharField(max_length=200, blank=True)
    work_center = models.ForeignKey("core.WorkCenter", on_delete=models.PROTECT, related_name="operations")
    setup_minutes = models.DecimalField(max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    run_minutes_per_unit = models.DecimalField(
        max_digits=12, decimal_places=4, default=0, validators=[MinValueValidator(0)]
    )
    queue_minutes = models.DecimalField(max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    move_minutes = models.DecimalField(max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    instructions = models.TextField(blank=True, verbose_name=_("work instructions"))
    attachments = GenericRelation("plm.Attachment")

    class Meta:
        ordering = ["routing", "seq"]
        constraints = [models.UniqueConstraint(fields=["routing", "seq"], name="routing_operation_seq_unique")]

    def __str__(self) -> str:
        return f"{self.routing} op {self.seq} @ {self.work_center.code}"
