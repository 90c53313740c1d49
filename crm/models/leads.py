"""Leads: a company (and usually a person there) that may become a customer, qualified before sales works it.

A lead is converted (crm.services.leads.lead_convert) into a customer account, a contact and, when there is
a sale in sight, an opportunity; it keeps its links to them, and its activities follow it to the account.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel


class LeadSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    TRADE_SHOW = "trade_show", _("Trade show")
    REFERRAL = "referral", _("Referral")
    COLD_CALL = "cold_call", _("Cold call")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


# The four questions of BANT qualification, as (field, label): each is confirmed or not.
QUALIFICATION = (
    ("need", _("Need")),
    ("budget", _("Budget")),
    ("authority", _("Authority")),
    ("timing", _("Timing")),
)


class Lead(TaktModel):
    number = models.CharField(max_length=32, unique=True, editable=False)
    company_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True, help_text=_("The person we are in touch with."))
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    vat_number = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166 alpha-2 code."))
    source = models.CharField(max_length=16, choices=LeadSource.choices, default=LeadSource.OTHER)
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW, editable=False)
    notes = models.TextField(blank=True)
    need = models.BooleanField(default=False, help_text=_("They have a need our products meet."))
    budget = models.BooleanField(default=False, help_text=_("They have money set aside for it."))
    authority = models.BooleanField(default=False, help_text=_("We talk to whoever decides, or are introduced."))
    timing = models.BooleanField(default=False, help_text=_("They mean to buy within the next months."))
    qualification_notes = models.TextField(blank=True)
    disqualify_reason = models.CharField(max_length=300, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_leads"
    )
    converted_account = models.ForeignKey(
        "core.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="converted_leads",
        editable=False,
    )
    converted_contact = models.ForeignKey(
        "core.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    converted_opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    converted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["status", "owner"], name="lead_status_owner")]
        constraints = [
            # A converted lead names the account it became; only a converted one does.
            models.CheckConstraint(
                condition=Q(status=LeadStatus.CONVERTED, converted_account__isnull=False, converted_at__isnull=False)
                | (~Q(status=LeadStatus.CONVERTED) & Q(converted_account__isnull=True)),
                name="lead_converted_has_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.company_name}"

    @property
    def qualification_score(self) -> int:
        """0 to 100: a quarter for each BANT question confirmed."""
        return 25 * sum(bool(getattr(self, name)) for name, _label in QUALIFICATION)

    @property
    def is_open(self) -> bool:
        """Still being worked: neither converted nor disqualified."""
        return self.status not in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
