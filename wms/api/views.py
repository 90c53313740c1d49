"""The WMS API: warehouses, locations and lots; stock (quants) and the ledger (stock moves), with
transfers and count adjustments posted through wms.services; stock requests and their commands; an
item's stock by warehouse and location.

Views are thin: every change of stock is a service call, whose ValidationErrors the exception handler
turns into 400s naming field and reason.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.models import Item
from wms import filtersets
from wms.api import serializers as s
from wms.choices import LocationKind, RequestKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, Reservation, StockMove, StockRequest, StockRequestLine, Warehouse
from wms.selectors.item_stock import item_stock
from wms.services import moves, requests


def ordering_fields(model, *related: str) -> list[str]:
    """Every field of the model, and some codes of related records (`?ordering=item__code`)."""
    return [field.name for field in model._meta.fields] + list(related)


# --- Master data --------------------------------------------------------------------------------------------


class WarehouseViewSet(viewsets.ModelViewSet):
    queryset = Warehouse.objects.select_related(
        "site", "stock_location", "receiving_location", "quality_location", "output_location"
    ).order_by("code")
    serializer_class = s.WarehouseSerializer
    filterset_class = filtersets.WarehouseFilterSet
    ordering_fields = ordering_fields(Warehouse)


class LocationViewSet(viewsets.ModelViewSet):
    queryset = Location.objects.select_related("warehouse", "parent").order_by("code")
    serializer_class = s.LocationSerializer
    filterset_class = filtersets.LocationFilterSet
    ordering_fields = ordering_fields(Location, "warehouse__code", "parent__code")


class LotViewSet(viewsets.ModelViewSet):
    queryset = Lot.objects.select_related("item").order_by("item__code", "code")
    serializer_class = s.LotSerializer
    filterset_class = filtersets.LotFilterSet
    ordering_fields = ordering_fields(Lot, "item__code")


# --- Stock and the ledger ---------------------------------------------------------------------------------------


class QuantViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per item, location and lot. Only quants with stock unless `?stock=all`."""

    queryset = Quant.objects.select_related("item__uom", "location__warehouse", "lot").order_by(
        "item__code", "location__code", "lot__code", "pk"
    )
    serializer_class = s.QuantSerializer
    filterset_class = filtersets.QuantFilterSet
    ordering_fields = ordering_fields(Quant, "item__code", "location__code", "lot__code")


def _move_response(move: StockMove, status_code=status.HTTP_201_CREATED) -> Response:
    move = StockMove.objects.select_related("item__uom", "lot", "from_location", "to_location", "moved_by").get(
        pk=move.pk
    )
    return Response(s.StockMoveSerializer(move).data, status=status_code)


@extend_schema_view(
    list=extend_schema(summary="The stock ledger, newest first"),
    retrieve=extend_schema(summary="One stock move"),
)
class StockMoveViewSet(viewsets.ReadOnlyModelViewSet):
    """The ledger is read here and written only by the commands (and by the other WMS flows)."""

    queryset = StockMove.objects.select_related("item__uom", "lot", "from_location", "to_location", "moved_by")
    serializer_class = s.StockMoveSerializer
    filterset_class = filtersets.StockMoveFilterSet
    ordering_fields = ordering_fields(StockMove, "item__code")
    action_permissions = {"transfer": ["wms.add_stockmove"], "adjust": ["wms.add_stockmove"]}

    @extend_schema(
        summary="Move free stock from one bin to another",
        request=s.TransferSerializer,
        responses={201: s.StockMoveSerializer},
    )
    @action(detail=False, methods=["post"])
    def transfer(self, request):
        serializer = s.TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _move_response(moves.stock_transfer(**serializer.validated_data, user=request.user))

    @extend_schema(
        summary="Set on-hand to what was counted: the difference is posted as an inventory adjustment",
        request=s.AdjustSerializer,
        responses={201: s.AdjustResultSerializer, 200: s.AdjustResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def adjust(self, request):
        serializer = s.AdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item, location = data["item"], data["location"]
        with transaction.atomic():
            lot = None
            if data["lot"]:
                lot = Lot.objects.filter(item=item, code=data["lot"]).first()
                if lot is None:  # stock found in a count: its lot is created with it, or not at all
                    lot = Lot(item=item, code=data["lot"])
                    lot.full_clean()
                    lot.save()
            move = moves.inventory_adjust(
                item=item,
                location=location,
                counted=data["counted"],
                lot=lot,
                user=request.user,
                reason=data["reason"],
                reference=data["reference"],
            )
        if move is not None:
            move = StockMove.objects.select_related("item__uom", "lot", "from_location", "to_location", "moved_by").get(
                pk=move.pk
            )
        result = {
            "item": item.code,
            "location": location.code,
            "lot": lot.code if lot else None,
            "counted": data["counted"],
            "move": move,
        }
        return Response(
            s.AdjustResultSerializer(result).data,
            status=status.HTTP_201_CREATED if move else status.HTTP_200_OK,
        )


# --- Stock requests ---------------------------------------------------------------------------------------------


def request_details():
    lines = (
        StockRequestLine.objects.select_related("item", "lot")
        .annotate(held=Coalesce(Sum("reservations__quantity"), Value(Decimal(0))))
        .order_by("pk")  # (Meta.ordering does not apply to a grouped query)
    )
    return StockRequest.objects.select_related("warehouse", "destination", "partner").prefetch_related(
        Prefetch("lines", queryset=lines),
        Prefetch("lines__reservations", queryset=Reservation.objects.select_related("quant__location", "quant__lot")),
    )


REQUEST_COMMAND = extend_schema(request=None, responses=s.StockRequestDetailSerializer)
DESTINATIONS = {RequestKind.SHIPMENT: LocationKind.CUSTOMER, RequestKind.MATERIAL: LocationKind.PRODUCTION}


@extend_schema_view(
    create=extend_schema(
        summary="Ask the warehouse for stock: a sales shipment or a production material request",
        request=s.StockRequestCreateSerializer,
        responses={201: s.StockRequestDetailSerializer},
    ),
    retrieve=extend_schema(summary="A request with its lines and reservations"),
)
class StockRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests are created here and moved on by their commands; they are cancelled, never deleted."""

    queryset = StockRequest.objects.select_related("warehouse", "destination", "partner")
    serializer_class = s.StockRequestSerializer
    filterset_class = filtersets.StockRequestFilterSet
    ordering_fields = ordering_fields(StockRequest, "warehouse__code")
    action_permissions = {
        "reserve": ["wms.change_stockrequest"],
        "unreserve": ["wms.change_stockrequest"],
        "cancel": ["wms.change_stockrequest"],
        # Delivering posts stock moves: the warehouse's job.
        "deliver": ["wms.change_stockrequest", "wms.add_stockmove"],
    }

    def get_queryset(self):
        return request_details() if self.action == "retrieve" else super().get_queryset()

    def get_serializer_class(self):
        return {"retrieve": s.StockRequestDetailSerializer, "create": s.StockRequestCreateSerializer}.get(
            self.action, self.serializer_class
        )

    def _detail(self, stock_request: StockRequest, status_code=status.HTTP_200_OK) -> Response:
        stock_request = request_details().get(pk=stock_request.pk)
        return Response(s.StockRequestDetailSerializer(stock_request).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        destination = data.get("destination") or virtual_location(DESTINATIONS[data["kind"]])
        stock_request = requests.stock_request_create(
            kind=data["kind"],
            warehouse=data["warehouse"],
            destination=destination,
            lines=[(line["item"], line["quantity"], line["lot"]) for line in data["lines"]],
            reference=data["reference"],
            partner=data.get("partner"),
            needed_on=data.get("needed_on"),
        )
        return self._detail(stock_request, status.HTTP_201_CREATED)

    @extend_schema(summary="Reserve what is still missing, in each item's removal order (FIFO, FEFO, by location)")
    @REQUEST_COMMAND
    @action(detail=True, methods=["post"])
    def reserve(self, request, pk=None):
        return self._detail(requests.stock_request_reserve(request=self.get_object()))

    @extend_schema(summary="Release every reservation of the request")
    @REQUEST_COMMAND
    @action(detail=True, methods=["post"])
    def unreserve(self, request, pk=None):
        return self._detail(requests.stock_request_unreserve(request=self.get_object()))

    @extend_schema(summary="Move what is reserved to the destination (shipped, or issued to production)")
    @REQUEST_COMMAND
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._detail(requests.stock_request_deliver(request=self.get_object(), user=request.user))

    @extend_schema(summary="Cancel the request; its reservations are released")
    @REQUEST_COMMAND
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._detail(requests.stock_request_cancel(request=self.get_object()))


# --- An item's stock --------------------------------------------------------------------------------------------


class ItemStockViewSet(viewsets.GenericViewSet):
    """On hand, reserved and available of one item, in total, per warehouse and per location."""

    queryset = Item.objects.select_related("uom")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes may hold dots
    filter_backends: list = []
    pagination_class = None
    action_permissions = {"stock": ["core.view_item", "wms.view_quant"]}

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(_("There is no item with code %(code)s.") % {"code": self.kwargs["code"]}) from None

    @extend_schema(
        summary="An item's stock: on hand, reserved, in quality hold and available, per warehouse and location",
        parameters=[s.WarehouseQuerySerializer],
        responses=s.ItemStockSerializer,
    )
    @action(detail=True, methods=["get"])
    def stock(self, request, code=None):
        item = self.get_object()
        query = s.WarehouseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stock = item_stock(item=item, warehouse=query.validated_data.get("warehouse"))
        data = {
            "item": item.code,
            "unit": item.uom.code,
            **vars(stock.totals),
            "warehouses": [{"warehouse": w.code, **vars(totals)} for w, totals in stock.warehouses.items()],
            "locations": stock.quants,
        }
        return Response(s.ItemStockSerializer(data).data)
