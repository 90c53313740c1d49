from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.roles import Role

from .base import TaktModel, code_field


class Partner(TaktModel):
    """A customer, a supplier, or both. CRM and SRM add their own records around it."""

    code = code_field()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=PartnerKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The group or head office this partner belongs to."),
    )
    currency = models.ForeignKey("core.Currency", null=True, blank=True, on_delete=models.PROTECT)
    lead_time_days = models.PositiveIntegerField(
        default=0, help_text=_("For suppliers: the default lead time of items bought from them.")
    )
    payment_terms_days = models.PositiveIntegerField(default=30)
    credit_limit = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    vat_number = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166 alpha-2 code."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_customer(self) -> bool:
        return self.kind in (PartnerKind.CUSTOMER, PartnerKind.BOTH)

    @property
    def is_supplier(self) -> bool:
        return self.kind in (PartnerKind.SUPPLIER, PartnerKind.BOTH)


class AddressKind(models.TextChoices):
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    OTHER = "other", _("Other")


class PartnerAddress(TaktModel):
    """A further address of a partner: where to deliver or bill when it is not the partner's own."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=16, choices=AddressKind.choices, default=AddressKind.SHIPPING)
    name = models.CharField(max_length=200, help_text=_("Who or what is at this address, e.g. Plant Lyon."))
    street = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text=_("ISO 3166 alpha-2 code."))
    is_default = models.BooleanField(default=False, help_text=_("The one used for this kind unless told otherwise."))

    class Meta:
        ordering = ["partner", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind"], condition=Q(is_default=True), name="partner_address_one_default_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    def get_absolute_url(self) -> str:
        return self.partner.get_absolute_url()


class Contact(TaktModel):
    """A person at a customer or supplier: whom sales calls, whom purchasing sends the order to."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["partner", "-is_primary", "name"]
        indexes = [models.Index(Lower("email"), name="contact_email_lower")]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner.code})"


class PartnerUser(TaktModel):
    """A login that belongs to a customer or supplier: the portal and its API tokens see only this partner's records."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_link")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="users")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["partner", "user"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner.code}"

    def clean(self) -> None:
        # Model permissions are not scoped: a staff role on a partner's login would open every partner's records.
        user = self.user
        if user.is_staff or user.is_superuser or user.groups.exclude(name=Role.PARTNER).exists():
            message = _("A partner's login may hold the Partner role only (no staff role, no admin access).")
            raise ValidationError({"user": ValidationError(message, code="staff_login")})

    def get_absolute_url(self) -> str:
        return self.partner.get_absolute_url()


class BlockPurpose(models.TextChoices):
    PURCHASING = "purchasing", _("Purchasing")
    SALES = "sales", _("Sales")


class PartnerBlock(TaktModel):
    """A reason not to buy from (or sell to) a partner from a day on, kept by the app that knows the reason.

    SRM blocks purchasing when a required certificate expires or a scorecard falls under its threshold;
    ERP refuses new orders while a block is in force. `source` names what set it, so its owner can lift it.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="blocks")
    purpose = models.CharField(max_length=16, choices=BlockPurpose.choices)
    source = models.CharField(max_length=100, help_text=_("What set the block, e.g. srm.certificate:42."))
    reason = models.CharField(max_length=300)
    effective_from = models.DateField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partner", "purpose", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "purpose", "source"],
                condition=Q(lifted_at__isnull=True),
                name="partner_block_one_open_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner.code} {self.purpose}: {self.reason}"

    def get_absolute_url(self) -> str:
        return self.partner.get_absolute_url()
