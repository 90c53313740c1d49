from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from plm.choices import ApprovalDecision, ApprovalRole, EcoState


class EngineeringChangeOrder(TaktModel):
    """A controlled change: proposed BOM and routing revisions, reviewed by role, released on a date."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    title = models.CharField(max_length=200)
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=EcoState.choices, default=EcoState.DRAFT)
    effective_date = models.DateField(help_text=_("The new revisions take effect on this day."))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    impact = models.JSONField(
        default=dict, blank=True, editable=False, help_text=_("Recorded when the change is submitted for review.")
    )
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    attachments = GenericRelation("plm.Attachment")

    class Meta:
        ordering = ["-number"]
        verbose_name = _("engineering change order")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("plm:engineeringchangeorder_detail", args=[self.pk])


class EcoApproval(TaktModel):
    """One role's decision on a change in review; the latest decision per role counts."""

    eco = models.ForeignKey(EngineeringChangeOrder, on_delete=models.CASCADE, related_name="approvals")
    role = models.CharField(max_length=16, choices=ApprovalRole.choices)
    decision = models.CharField(max_length=16, choices=ApprovalDecision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["eco", "role"]
        constraints = [models.UniqueConstraint(fields=["eco", "role"], name="eco_approval_one_per_role")]

    def __str__(self) -> str:
        return f"{self.eco.number} {self.get_role_display()}: {self.get_decision_display()}"
