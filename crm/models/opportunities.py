"""The sales pipeline: opportunities moving through stages towards won or lost, and the targets they are measured by."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class OpportunityState(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(TaktModel):
    """A step of the pipeline; its probability is the default chance of winning an opportunity in it.

    At most one active stage closes as won and one as lost: moving an opportunity into them wins or
    loses it (opportunity_move)."""

    name = models.CharField(max_length=100, unique=True)
    sequence = models.PositiveIntegerField(default=0, help_text=_("Left to right on the board."))
    probability_pct = models.DecimalField(
        _("probability %"), **PERCENT, help_text=_("Default chance of winning, 0 to 100.")
    )
    is_won = models.BooleanField(default=False)
    is_lost = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sequence", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability_pct__gte=0) & Q(probability_pct__lte=100), name="stage_probability_range"
            ),
            models.CheckConstraint(condition=~(Q(is_won=True) & Q(is_lost=True)), name="stage_not_won_and_lost"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closing(self) -> bool:
        return self.is_won or self.is_lost

    def clean(self) -> None:
        errors = {}
        if self.is_won and self.probability_pct != 100:
            errors["probability_pct"] = ValidationError(_("A won stage has a probability of 100."), code="won_not_100")
        if self.is_lost and self.probability_pct != 0:
            errors["probability_pct"] = ValidationError(_("A lost stage has a probability of 0."), code="lost_not_0")
        if self.is_won and self.is_lost:
            errors["is_lost"] = ValidationError(_("A stage cannot be both won and lost."), code="won_and_lost")
        if errors:
            raise ValidationError(errors)


class LostReason(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(TaktModel):
    """A sale we are working on with an account: expected revenue in a currency, by a close date."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    name = models.CharField(max_length=200)
    account = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="opportunities")
    contact = models.ForeignKey(
        "core.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="crm_opportunities")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    expected_revenue = models.DecimalField(**MONEY, help_text=_("In the opportunity's currency."))
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    close_date = models.DateField(help_text=_("When we expect the customer to decide."))
    probability_pct = models.DecimalField(
        _("probability %"), **PERCENT, help_text=_("Chance of winning, 0 to 100; the stage's unless set by hand.")
    )
    state = models.CharField(max_length=10, choices=OpportunityState.choices, default=OpportunityState.OPEN)
    lost_reason = models.ForeignKey(
        LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    lost_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False, help_text=_("When it was won or lost."))
    lead = models.ForeignKey("crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(condition=Q(expected_revenue__gte=0), name="opportunity_revenue_not_negative"),
            models.CheckConstraint(
                condition=Q(probability_pct__gte=0) & Q(probability_pct__lte=100), name="opportunity_probability_range"
            ),
            # A lost opportunity says why; an open or won one has no lost reason.
            models.CheckConstraint(
                condition=Q(state=OpportunityState.LOST, lost_reason__isnull=False)
                | (~Q(state=OpportunityState.LOST) & Q(lost_reason__isnull=True)),
                name="opportunity_lost_reason_iff_lost",
            ),
            models.CheckConstraint(
                condition=Q(state=OpportunityState.OPEN, closed_at__isnull=True)
                | (~Q(state=OpportunityState.OPEN) & Q(closed_at__isnull=False)),
                name="opportunity_closed_at_iff_closed",
            ),
        ]
        indexes = [models.Index(fields=["state", "close_date"], name="opportunity_state_close")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.state == OpportunityState.OPEN

    @property
    def won_at(self):
        return self.closed_at if self.state == OpportunityState.WON else None

    @property
    def weighted_revenue(self) -> Decimal:
        return (self.expected_revenue * self.probability_pct / 100).quantize(Decimal("0.01"))

    def clean(self) -> None:
        errors = {}
        if self.account_id and not self.account.is_customer:
            errors["account"] = ValidationError(
                _("%(partner)s is not a customer.") % {"partner": self.account.code}, code="not_a_customer"
            )
        if self.contact_id and self.account_id and self.contact.partner_id != self.account_id:
            errors["contact"] = ValidationError(
                _("The contact belongs to another account."), code="contact_other_account"
            )
        if errors:
            raise ValidationError(errors)


class SalesTarget(TaktModel):
    """What a salesperson (or, without one, the whole team) should win in a month."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_sales_targets",
        help_text=_("Empty for the whole team's target."),
    )
    month = models.DateField(help_text=_("The first day of the month."))
    amount = models.DecimalField(**MONEY)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["month", "owner__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "month"], condition=Q(owner__isnull=False), name="sales_target_owner_month_unique"
            ),
            models.UniqueConstraint(fields=["month"], condition=Q(owner__isnull=True), name="sales_target_team_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_target_amount_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="sales_target_month_first_day"),
        ]

    def __str__(self) -> str:
        who = self.owner.get_username() if self.owner_id else _("Team")
        return f"{who} {self.month:%Y-%m}: {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError(
                {"month": ValidationError(_("A target is for a month: give its first day."), code="not_first_day")}
            )
        # The partial unique constraints are not checked by validate_unique for a null owner.
        duplicates = SalesTarget.objects.filter(owner_id=self.owner_id, month=self.month).exclude(pk=self.pk)
        if self.month and duplicates.exists():
            raise ValidationError(
                {"month": ValidationError(_("There is already a target for this month."), code="duplicate_target")}
            )
