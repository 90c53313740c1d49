from django.utils.translation import gettext as _

from core.documents.pdf import Party
from core.models import AddressKind, Partner, PartnerAddress


def partner_address_lines(partner: Partner, kind: str = AddressKind.BILLING) -> list[str]:
    """Where a document for the partner goes: its default address of that kind (billing, shipping), else its
    own address; as the lines a letter prints (street, postal code and city, country)."""
    address = PartnerAddress.objects.filter(partner=partner, kind=kind).order_by("-is_default", "pk").first()
    source = address if address is not None else partner
    lines = []
    if address is not None and address.name != partner.name:
        lines.append(address.name)
    lines += [source.street, " ".join(filter(None, (source.postal_code, source.city))), source.country]
    return [line for line in lines if line]


def partner_party(partner: Partner, *, heading: str, kind: str = AddressKind.BILLING, attention: str = "") -> Party:
    """The partner as a document's addressee: name, address of that kind, "Attn." a person, VAT number."""
    lines = partner_address_lines(partner, kind)
    if attention:
        lines.append(_("Attn. %(name)s") % {"name": attention})
    notes = [_("VAT number: %(vat)s") % {"vat": partner.vat_number}] if partner.vat_number else []
    return Party(heading=heading, name=partner.name, lines=lines, notes=notes)
