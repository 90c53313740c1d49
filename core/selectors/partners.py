import datetime

from django.db.models import QuerySet

from core.models import Partner, PartnerBlock


def partner_blocks_in_force(*, partner: Partner, purpose: str, on: datetime.date) -> QuerySet[PartnerBlock]:
    """The blocks that stop `purpose` (purchasing, sales) with this partner on that day."""
    return PartnerBlock.objects.filter(
        partner=partner, purpose=purpose, lifted_at__isnull=True, effective_from__lte=on
    ).order_by("effective_from", "pk")
