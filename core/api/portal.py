"""The partner portal: API endpoints a customer's or supplier's own login uses, each scoped to its partner.

A login belongs to a partner through `core.PartnerUser`. Portal viewsets name the path from their model to
the partner (`partner_field`) and the kind of partner they serve; everything they list, show or change is
filtered to the caller's partner, so another partner's record is a 404, never a 403 that confirms it exists.
Staff logins have no partner and are refused here: they use the app's own endpoints.
"""

from typing import Literal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.api.concurrency import IfMatchPrecondition
from core.api.permissions import TokenScopePermission
from core.models import Partner

PortalKind = Literal["customer", "supplier"]


def request_partner(request) -> Partner | None:
    """The partner the caller's login belongs to, or None for staff (and anonymous) callers."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    link = getattr(user, "partner_link", None)
    return link.partner if link is not None else None


class PartnerPortalPermission(BasePermission):
    """Only a login that belongs to an active partner of the view's `portal_kind`."""

    message = _("This endpoint is for the logins of a customer or supplier.")

    def has_permission(self, request, view) -> bool:
        partner = request_partner(request)
        if partner is None or not partner.active:
            return False
        kind: PortalKind = view.portal_kind
        return partner.is_customer if kind == "customer" else partner.is_supplier


class PartnerScopedMixin:
    # For a portal viewset: `portal_kind` ("customer" or "supplier") and `partner_field`, the lookup from
    # the viewset's model to the partner (e.g. "customer" or "order__supplier"). The queryset is filtered
    # to the caller's partner before anything else reads it.
    # (A comment, not a docstring: the schema would show it as the description of every endpoint.)

    portal_kind: PortalKind
    partner_field: str
    permission_classes = [PartnerPortalPermission, IfMatchPrecondition, TokenScopePermission]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(**{self.partner_field: request_partner(self.request)})

    @property
    def partner(self) -> Partner:
        partner = request_partner(self.request)
        assert partner is not None  # PartnerPortalPermission ran first
        return partner
