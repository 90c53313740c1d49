from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RevisionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RELEASED = "released", pgettext_lazy("engineering", "Released")
    OBSOLETE = "obsolete", _("Obsolete")


class EcoState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    APPROVED = "approved", _("Approved")
    RELEASED = "released", pgettext_lazy("engineering", "Released")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApprovalRole(models.TextChoices):
    """The roles whose approval an engineering change needs before release."""

    ENGINEER = "engineer", _("Engineering")
    QUALITY = "quality", _("Quality")
    PLANNER = "planner", _("Planning")
