"""Activities: what sales did with a customer or prospect (calls, meetings, e-mails, notes logged when they
happened) and what it still has to do (tasks, with a due date and an owner). Together they make the
timeline of an account, a lead and an opportunity."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    TASK = "task", _("Task")
    NOTE = "note", _("Note")


class Activity(TaktModel):
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    # History is kept: an account, lead or opportunity with activities cannot be deleted from under them.
    account = models.ForeignKey(
        "core.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    lead = models.ForeignKey("crm.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="activities")
    opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    contact = models.ForeignKey(
        "core.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crm_activities",
        help_text=_("Who did it, or who is to do the task."),
    )
    occurred_at = models.DateTimeField(null=True, blank=True, help_text=_("When the call, meeting or e-mail was."))
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("When the task is due."))
    done_at = models.DateTimeField(null=True, blank=True, editable=False, help_text=_("When the task was done."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["owner", "done_at", "due_at"], name="activity_open_tasks"),
            models.Index(fields=["account", "occurred_at"], name="activity_account_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(lead__isnull=False) | Q(opportunity__isnull=False),
                name="activity_belongs_somewhere",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ActivityKind.TASK) | (Q(due_at__isnull=False) & Q(owner__isnull=False)),
                name="activity_task_due_and_owned",
            ),
            models.CheckConstraint(
                condition=Q(kind=ActivityKind.TASK) | (Q(occurred_at__isnull=False) & Q(done_at__isnull=True)),
                name="activity_logged_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def is_task(self) -> bool:
        return self.kind == ActivityKind.TASK

    @property
    def is_open_task(self) -> bool:
        return self.is_task and self.done_at is None

    @property
    def when(self):
        """Where it stands on a timeline: when it happened, was done, or is due."""
        return self.occurred_at or self.done_at or self.due_at

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if not (self.account_id or self.lead_id or self.opportunity_id):
            errors["account"] = ValidationError(
                _("An activity belongs to an account, a lead or an opportunity."), code="no_subject"
            )
        if self.account_id and not self.account.is_customer:
            errors["account"] = ValidationError(
                _("%(partner)s is not a customer.") % {"partner": self.account.code}, code="not_a_customer"
            )
        if self.is_task:
            if self.due_at is None:
                errors["due_at"] = ValidationError(_("A task needs a due date."), code="required")
            if self.owner_id is None:
                errors["owner"] = ValidationError(_("A task needs an owner."), code="required")
            if self.occurred_at is not None:
                errors["occurred_at"] = ValidationError(
                    _("A task is due, not logged: it has no time it happened."), code="task_occurred"
                )
        elif self.occurred_at is None:
            errors["occurred_at"] = ValidationError(
                _("Say when the %(kind)s was.") % {"kind": self.get_kind_display().lower()}, code="required"
            )
        if errors:
            raise ValidationError(errors)
