"""The customer portal: what a customer's own login reads and does through the API, and nothing else.

- `portal/orders/`: its sales orders past the draft, each with its live status (crm.selectors.tracking);
- `portal/quotes/`: its quotes that were sent to it or that it accepted, with POST `accept` (its PO number)
  and `reject` (why), calling the same services the sales staff use.

Everything is scoped to the caller's partner (core.api.portal): another customer's order or quote is a 404.
Staff logins are refused (403): they use the staff endpoints.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from core.api.portal import PartnerScopedMixin
from core.api.serializers import shown_by_code
from core.api.viewsets import ServiceWritesMixin
from crm.api.quotes import (
    CUSTOMER_FIELDS,
    AcceptSerializer,
    QuoteDocumentMixin,
    RejectSerializer,
    TrackingMixin,
)
from crm.models import Quote, QuoteState
from crm.selectors.quotes import quote_details
from crm.selectors.tracking import CUSTOMER_VISIBLE_STATES, tracked_orders
from crm.services import quotes as services

# What a customer sees of its quotes: those it was sent (to accept or reject) and those it accepted.
CUSTOMER_QUOTE_STATES = (QuoteState.SENT, QuoteState.ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="The customer's own sales orders with their live status"),
    retrieve=extend_schema(summary="One of the customer's sales orders, line by line, with its shipments"),
)
class PortalOrderViewSet(PartnerScopedMixin, TrackingMixin, viewsets.ReadOnlyModelViewSet):
    portal_kind = "customer"
    partner_field = "customer"
    queryset = tracked_orders().filter(state__in=CUSTOMER_VISIBLE_STATES).order_by("-number")
    ordering_fields = ["number", "order_date", "requested_date", "promised_date"]


class PortalQuoteSerializer(QuoteDocumentMixin, serializers.ModelSerializer):
    account = shown_by_code()
    account_name = serializers.CharField(source="account.name", read_only=True)
    currency = shown_by_code()
    sales_order = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The order the accepted quote became.")
    )

    class Meta:
        model = Quote
        fields = (*CUSTOMER_FIELDS, "totals", "lines")
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The quotes sent to the customer and those it accepted"),
    retrieve=extend_schema(summary="One of the customer's quotes with its lines and totals"),
)
class PortalQuoteViewSet(PartnerScopedMixin, ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    portal_kind = "customer"
    partner_field = "account"
    queryset = quote_details().filter(state__in=CUSTOMER_QUOTE_STATES).order_by("-number", "-version")
    serializer_class = PortalQuoteSerializer
    detail_serializer_class = PortalQuoteSerializer
    ordering_fields = ["number", "quote_date", "valid_until"]

    def detail_queryset(self):
        # The answer to a command: the quote as it is now, also once rejected (no longer listed).
        return quote_details().filter(account=self.partner)

    @extend_schema(
        summary="Accept a sent quote: it becomes a confirmed sales order, or nothing happens and the reason is given",
        request=AcceptSerializer,
        responses=PortalQuoteSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        quote = self.get_object()
        data = self.validated(AcceptSerializer)
        return self.answer(services.quote_accept(quote=quote, user=request.user, **data))

    @extend_schema(summary="Reject a sent quote, saying why", request=RejectSerializer, responses=PortalQuoteSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        quote = self.get_object()
        data = self.validated(RejectSerializer)
        return self.answer(services.quote_reject(quote=quote, user=request.user, **data))


def register(router) -> None:
    """Add the customer portal's viewsets to the CRM router."""
    router.register("portal/orders", PortalOrderViewSet, basename="portal-order")
    router.register("portal/quotes", PortalQuoteViewSet, basename="portal-quote")
