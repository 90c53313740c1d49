"""The genealogy API: a lot or serial number's trace, backward to the lots it was made from or forward to
everything made from it, as a tree; and a suspect lot's recall list. Lots are named by their code; a code
that two items share needs `?item=` to say which.

    GET /api/v1/mes/lots/<code>/trace/?direction=backward|forward[&item=<item code>]
    GET /api/v1/mes/lots/<code>/recall/[?item=<item code>]
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from mes.api.common import QUANTITY, refusal
from mes.choices import EventKind
from mes.models import LotLink
from mes.selectors.genealogy import TraceDirection, lot_trace, lots_by_code, recall_list
from wms.models import Lot

# --- Input --------------------------------------------------------------------------------------------------


class LotQuerySerializer(serializers.Serializer):
    item = serializers.CharField(
        required=False,
        max_length=32,
        help_text=gettext_lazy("The item's code: needed when items share the lot code."),
    )


class TraceQuerySerializer(LotQuerySerializer):
    direction = serializers.ChoiceField(
        choices=TraceDirection.choices,
        help_text=gettext_lazy("backward: what the lot was made from; forward: what was made from it."),
    )


# --- Output -------------------------------------------------------------------------------------------------


class PartnerRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OrderRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    item = serializers.CharField(source="item.code")


class MachineRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OperatorSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField(source="full_name")


class TraceEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    at = serializers.DateTimeField()
    operation = serializers.IntegerField(source="operation.seq", help_text=gettext_lazy("The operation's sequence."))
    machine = serializers.CharField(source="machine.code", allow_null=True)
    employee = serializers.CharField(source="employee.number", allow_null=True)
    lot = serializers.CharField(source="lot.code", allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY, allow_null=True)


class TraceInspectionSerializer(serializers.Serializer):
    number = serializers.CharField()
    plan = serializers.CharField(source="plan.code")
    result = serializers.CharField()
    inspected_at = serializers.DateTimeField()
    lot = serializers.CharField(source="lot.code", allow_null=True)
    operation = serializers.IntegerField(source="operation.seq", allow_null=True)
    inspector = serializers.CharField(source="inspector.number", allow_null=True)


class SupplierReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text=gettext_lazy("The purchase order, or the receipt's number."))
    receipt = serializers.CharField(help_text=gettext_lazy("The WMS receipt; empty when none is known."))
    supplier = PartnerRefSerializer(allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
    received_at = serializers.DateTimeField()


class CustomerShipmentSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text=gettext_lazy("The sales order, or the stock request's number."))
    delivery_note = serializers.CharField()
    customer = PartnerRefSerializer(allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
    shipped_at = serializers.DateTimeField()


class LotFieldsSerializer(serializers.Serializer):
    # A lot and what is known of it, as a trace node and a recall line show it. (A comment, not a
    # docstring: the schema would show it as both their descriptions.)

    lot = serializers.CharField(source="lot.code")
    item = serializers.CharField(source="lot.item.code")
    item_name = serializers.CharField(source="lot.item.name")
    unit = serializers.CharField(source="lot.item.uom.code")
    on_hold = serializers.BooleanField(source="lot.on_hold")
    depth = serializers.IntegerField(help_text=gettext_lazy("Links from the lot traced."))
    made_on = OrderRefSerializer(many=True, source="record.orders", help_text=gettext_lazy("The orders that made it."))
    produced_qty = serializers.DecimalField(**QUANTITY, source="record.produced_qty")
    shipments = CustomerShipmentSerializer(many=True, source="record.shipments")


class TraceNodeSerializer(LotFieldsSerializer):
    order = serializers.CharField(
        source="order.number",
        allow_null=True,
        help_text=gettext_lazy(
            "Of the link to the parent: backward, the order that consumed this lot; forward, the order that made it."
        ),
    )
    quantity = serializers.DecimalField(
        **QUANTITY, allow_null=True, help_text=gettext_lazy("Of the link: how much of the consumed lot it used.")
    )
    repeated = serializers.BooleanField(
        help_text=gettext_lazy("The lot is in the tree already (used in two places): its children are shown there.")
    )
    machines = MachineRefSerializer(many=True, source="record.machines")
    operators = OperatorSerializer(many=True, source="record.operators")
    events = TraceEventSerializer(many=True, source="record.events")
    inspections = TraceInspectionSerializer(many=True, source="record.inspections")
    receipts = SupplierReceiptSerializer(many=True, source="record.receipts")

    def get_fields(self):
        # The tree's children are nodes too: declared here, where the class exists.
        fields = super().get_fields()
        fields["children"] = TraceNodeSerializer(many=True)
        return fields


class TraceSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=TraceDirection.choices)
    lot_count = serializers.IntegerField(help_text=gettext_lazy("Lots in the tree, the traced one included."))
    root = TraceNodeSerializer()


class QuantRefSerializer(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    quantity = serializers.DecimalField(**QUANTITY)


class RecallLineSerializer(LotFieldsSerializer):
    finished = serializers.BooleanField(help_text=gettext_lazy("Nothing tracked was made from it."))
    on_hand = QuantRefSerializer(many=True)


class RecallSerializer(serializers.Serializer):
    lot = serializers.CharField(source="lot.code")
    item = serializers.CharField(source="lot.item.code")
    customers = PartnerRefSerializer(many=True)
    lines = RecallLineSerializer(many=True)


# --- Endpoints ----------------------------------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(description="A bad parameter, or a code several items share without `item`."),
    404: OpenApiResponse(description="No lot or serial number with that code (of that item)."),
}


class LotGenealogyViewSet(viewsets.GenericViewSet):
    # Nothing is listed: the lot is named by its code, the answer computed from the links (whose view
    # permission the role needs).
    queryset = LotLink.objects.none()
    serializer_class = TraceSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filter_backends: list = []
    pagination_class = None

    def _query(self, serializer_class: type[serializers.Serializer]) -> dict:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def _lot(self, code: str, item_code: str | None) -> Lot:
        lots = lots_by_code(code=code, item_code=item_code)
        if not lots:
            if item_code:
                message = _("No lot or serial number %(code)s of item %(item)s.") % {"code": code, "item": item_code}
            else:
                message = _("No lot or serial number %(code)s.") % {"code": code}
            raise NotFound(message)
        if len(lots) > 1:
            message = _("%(code)s is a lot of several items (%(items)s): name one with ?item=.") % {
                "code": code,
                "items": ", ".join(lot.item.code for lot in lots),
            }
            raise refusal("item", message, "ambiguous")
        return lots[0]

    @extend_schema(
        summary="The genealogy of a lot or serial number, backward or forward, as a tree",
        parameters=[TraceQuerySerializer],
        responses={200: TraceSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def trace(self, request, code=None):
        query = self._query(TraceQuerySerializer)
        trace = lot_trace(lot=self._lot(code, query.get("item")), direction=query["direction"])
        answer = {"direction": trace.direction, "lot_count": len(trace.records), "root": trace.root}
        return Response(TraceSerializer(answer).data)

    @extend_schema(
        summary="Everything made from a suspect lot that is still somewhere: on hand by location, or shipped",
        parameters=[LotQuerySerializer],
        responses={200: RecallSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def recall(self, request, code=None):
        query = self._query(LotQuerySerializer)
        return Response(RecallSerializer(recall_list(lot=self._lot(code, query.get("item")))).data)


def register(router) -> None:
    router.register("lots", LotGenealogyViewSet, basename="lot-genealogy")
