"""The WMS API: warehouses, locations and lots; stock (quants) and the ledger (stock moves), with
transfers and count adjustments posted through wms.services; stock requests and their commands; an
item's stock by warehouse and location; receipts (ASNs) and quality decisions, put-away and
replenishment tasks, pick lists, waves and pick lines, shipments, cycle counts; and the stock snapshot
at a moment that ERP values.

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

from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Item
from wms import filtersets
from wms.api import serializers as s
from wms.choices import LocationKind, RequestKind
from wms.locations import virtual_location
from wms.models import (
    CycleCount,
    CycleCountLine,
    Location,
    Lot,
    PickLine,
    PickList,
    Quant,
    Receipt,
    ReceiptLine,
    ReplenishmentRule,
    Reservation,
    Shipment,
    StockMove,
    StockRequest,
    StockRequestLine,
    StockTask,
    Warehouse,
    Wave,
)
from wms.selectors.item_stock import item_stock
from wms.selectors.stock import stock_as_of
from wms.services import cycle_counts, moves, picking, putaway, receipts, replenishment, requests


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


REQUEST_COMMAND = command_actions(record="request", responses=s.StockRequestDetailSerializer, with_user=False)
DESTINATIONS = {RequestKind.SHIPMENT: LocationKind.CUSTOMER, RequestKind.MATERIAL: LocationKind.PRODUCTION}


@extend_schema_view(
    create=extend_schema(
        summary="Ask the warehouse for stock: a sales shipment or a production material request",
        request=s.StockRequestCreateSerializer,
        responses={201: s.StockRequestDetailSerializer},
    ),
    retrieve=extend_schema(summary="A request with its lines and reservations"),
)
class StockRequestViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests are created here and moved on by their commands; they are cancelled, never deleted."""

    queryset = StockRequest.objects.select_related("warehouse", "destination", "partner")
    serializer_class = s.StockRequestSerializer
    detail_serializer_class = s.StockRequestDetailSerializer
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

    def detail_queryset(self):
        return request_details()

    def create(self, request, *args, **kwargs):
        data = self.validated(s.StockRequestCreateSerializer)
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
        return self.answer(stock_request, status.HTTP_201_CREATED)

    reserve = REQUEST_COMMAND(
        "reserve",
        requests.stock_request_reserve,
        "Reserve what is still missing, in each item's removal order (FIFO, FEFO, by location)",
    )
    unreserve = REQUEST_COMMAND(
        "unreserve", requests.stock_request_unreserve, "Release every reservation of the request"
    )
    deliver = REQUEST_COMMAND(
        "deliver",
        requests.stock_request_deliver,
        "Move what is reserved to the destination (shipped, or issued to production)",
        with_user=True,
    )
    cancel = REQUEST_COMMAND(
        "cancel", requests.stock_request_cancel, "Cancel the request; its reservations are released"
    )


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


# --- Receipts and quality hold -------------------------------------------------------------------------------------

# Receiving posts stock moves: the warehouse's job. Partners (a supplier's system) only announce receipts.
RECEIVING = ["wms.change_receipt", "wms.add_stockmove"]


def receipts_with_lines():
    return Receipt.objects.select_related("warehouse", "supplier").prefetch_related(
        Prefetch("lines", queryset=ReceiptLine.objects.select_related("item__uom").order_by("pk"))
    )


def tasks_with_codes():
    return StockTask.objects.select_related(
        "warehouse", "item__uom", "lot", "from_location", "to_location", "receipt", "done_by"
    )


def _tasks(tasks: list[StockTask]):
    return tasks_with_codes().filter(pk__in=[task.pk for task in tasks]).order_by("to_location__pick_sequence", "pk")


@extend_schema_view(
    list=extend_schema(summary="Receipts (ASNs and purchase-order receipts) with their lines"),
    retrieve=extend_schema(summary="A receipt: each line expected, received and outstanding"),
    create=extend_schema(
        summary="Announce goods: an ASN from a supplier's system, or a purchase order's expected receipt",
        request=s.ReceiptCreateSerializer,
        responses={201: s.ReceiptSerializer},
    ),
)
class ReceiptViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Receipts are announced here by buyers (a supplier's own login announces its shipments as ASNs on the
    supplier portal), received and closed by the warehouse."""

    queryset = receipts_with_lines()
    serializer_class = detail_serializer_class = s.ReceiptSerializer
    filterset_class = filtersets.ReceiptFilterSet
    ordering_fields = ordering_fields(Receipt, "supplier__code", "warehouse__code")
    action_permissions = {"receive": RECEIVING, "close": RECEIVING}

    def get_serializer_class(self):
        return s.ReceiptCreateSerializer if self.action == "create" else self.serializer_class

    def create(self, request, *args, **kwargs):
        receipt = receipts.receipt_create(**self.validated(s.ReceiptCreateSerializer))
        return self.answer(receipt, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Receive a quantity of a line: the goods land on the dock (or in quality hold) with put-away tasks",
        request=s.ReceiveSerializer,
        responses={201: s.ReceiveResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        receipt = self.get_object()
        data = self.validated(s.ReceiveSerializer, receipt=receipt)
        tasks = receipts.receipt_receive(
            line=data["line"],
            quantity=data["quantity"],
            lot_code=data["lot_code"] or None,
            expiry_date=data["expiry_date"],
            user=request.user,
        )
        line = ReceiptLine.objects.select_related("item__uom").get(pk=data["line"].pk)
        # Put-away always plans at least one task for what it received; none means the goods wait for inspection.
        result = {"line": line, "quality_hold": not tasks, "tasks": _tasks(tasks)}
        return Response(s.ReceiveResultSerializer(result).data, status=status.HTTP_201_CREATED)

    close = command_actions(record="receipt", responses=s.ReceiptSerializer)(
        "close", receipts.receipt_close, "Close the receipt: what was not received is short (ERP hears of every line)"
    )


class QualityViewSet(viewsets.GenericViewSet):
    """Inspection decisions on stock in a warehouse's quality-hold location."""

    queryset = Quant.objects.none()
    filter_backends: list = []
    pagination_class = None
    action_permissions = {"release": ["wms.add_stockmove"], "reject": ["wms.add_stockmove"]}

    def _decision(self, request) -> dict:
        serializer = s.QualityDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Inspection passed: the stock leaves quality hold for receiving, with put-away tasks",
        request=s.QualityDecisionSerializer,
        responses={201: s.TasksSerializer},
    )
    @action(detail=False, methods=["post"])
    def release(self, request):
        data = self._decision(request)
        tasks = receipts.quality_release(
            item=data["item"],
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            lot=data["lot"],
            user=request.user,
        )
        return Response(s.TasksSerializer({"tasks": _tasks(tasks)}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Inspection failed: the stock is scrapped (with the reason)",
        request=s.QualityDecisionSerializer,
        responses={201: s.StockMoveSerializer},
    )
    @action(detail=False, methods=["post"])
    def reject(self, request):
        data = self._decision(request)
        move = receipts.quality_reject(**data, user=request.user)
        return _move_response(move)


# --- Stock tasks and replenishment -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Put-away and replenishment tasks; open ones unless `?state=done` or `all`"),
    retrieve=extend_schema(summary="One stock task"),
)
class StockTaskViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """Tasks are made by receiving, inspection and replenishment planning, and done by a scan."""

    queryset = tasks_with_codes()
    serializer_class = detail_serializer_class = s.StockTaskSerializer
    filterset_class = filtersets.StockTaskFilterSet
    ordering_fields = ordering_fields(StockTask, "to_location__pick_sequence", "item__code")
    action_permissions = {"confirm": ["wms.change_stocktask", "wms.add_stockmove"]}

    @extend_schema(
        summary="Do the task as scanned: the stock goes into the bin scanned (a part leaves the rest open)",
        request=s.StockTaskConfirmSerializer,
        responses=s.StockTaskSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = self.validated(s.StockTaskConfirmSerializer)
        return self.answer(putaway.stock_task_confirm(task=self.get_object(), **data, user=request.user))


class ReplenishmentViewSet(viewsets.GenericViewSet):
    queryset = StockTask.objects.none()
    filter_backends: list = []
    pagination_class = None
    action_permissions = {"plan": ["wms.add_stocktask"]}

    @extend_schema(
        summary="Plan tasks that refill every pick face below its minimum up to its maximum",
        request=s.WarehouseInputSerializer,
        responses={201: s.TasksSerializer},
    )
    @action(detail=False, methods=["post"])
    def plan(self, request):
        serializer = s.WarehouseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tasks = replenishment.replenishment_plan(warehouse=serializer.validated_data["warehouse"])
        return Response(s.TasksSerializer({"tasks": _tasks(tasks)}).data, status=status.HTTP_201_CREATED)


class ReplenishmentRuleViewSet(viewsets.ModelViewSet):
    queryset = ReplenishmentRule.objects.select_related("location", "item__uom").order_by(
        "location__code", "item__code"
    )
    serializer_class = s.ReplenishmentRuleSerializer
    filterset_class = filtersets.ReplenishmentRuleFilterSet
    ordering_fields = ordering_fields(ReplenishmentRule, "location__code", "item__code")


# --- Picking, packing, shipping ---------------------------------------------------------------------------------------

PICKING = ["wms.change_picklist", "wms.add_stockmove"]


def pick_lines():
    return PickLine.objects.select_related("pick_list", "item__uom", "lot", "from_location", "picked_by").order_by(
        "from_location__pick_sequence", "from_location__code", "pk"
    )


def pick_lists():
    return PickList.objects.select_related("request__warehouse", "wave").prefetch_related(
        Prefetch("lines", queryset=pick_lines())
    )


@extend_schema_view(
    list=extend_schema(summary="Pick lists with their lines in walking order"),
    retrieve=extend_schema(summary="A pick list with its lines in walking order"),
    create=extend_schema(
        summary="A pick list of a request's reserved stock, in walking order",
        request=s.PickListCreateSerializer,
        responses={201: s.PickListSerializer},
    ),
)
class PickListViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = pick_lists()
    serializer_class = detail_serializer_class = s.PickListSerializer
    filterset_class = filtersets.PickListFilterSet
    ordering_fields = ordering_fields(PickList, "request__number")

    def get_serializer_class(self):
        return s.PickListCreateSerializer if self.action == "create" else self.serializer_class

    def create(self, request, *args, **kwargs):
        pick_list = picking.pick_list_create(request=self.validated(s.PickListCreateSerializer)["request"])
        return self.answer(pick_list, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Pick lines; filters `pick_list`, `wave`, `item`"),
    retrieve=extend_schema(summary="One pick line"),
)
class PickLineViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """A line is picked as scanned (`confirm`), or recorded short with a reason (`short`)."""

    queryset = pick_lines()
    serializer_class = detail_serializer_class = s.PickLineSerializer
    filterset_class = filtersets.PickLineFilterSet
    ordering_fields = ordering_fields(PickLine, "from_location__pick_sequence", "item__code")
    action_permissions = {"confirm": PICKING, "short": PICKING}

    @extend_schema(
        summary="Pick as scanned: the right bin, the right lot, no more than reserved; to the shipping dock",
        request=s.PickConfirmSerializer,
        responses=s.PickLineSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        line = self.get_object()
        data = self.validated(s.PickConfirmSerializer)
        lot = s.lot_of(line.item, data["lot"])
        return self.answer(
            picking.pick_confirm(
                line=line, location=data["location"], quantity=data["quantity"], lot=lot, user=request.user
            )
        )

    @extend_schema(
        summary="Less in the bin than reserved: what was found is picked, the rest recorded short and released",
        request=s.PickShortSerializer,
        responses=s.PickLineSerializer,
    )
    @action(detail=True, methods=["post"])
    def short(self, request, pk=None):
        line = self.get_object()
        data = self.validated(s.PickShortSerializer)
        lot = s.lot_of(line.item, data["lot"]) if data["lot"] else line.lot
        return self.answer(
            picking.pick_short(
                line=line,
                found=data["found"],
                reason=data["reason"],
                location=data.get("location") or line.from_location,
                lot=lot,
                user=request.user,
            )
        )


def waves():
    return Wave.objects.select_related("warehouse", "created_by").prefetch_related(
        Prefetch("pick_lists", queryset=pick_lists().order_by("number"))
    )


@extend_schema_view(
    list=extend_schema(summary="Waves and their pick lists"),
    retrieve=extend_schema(summary="A wave: its pick lists and the pick path through all of them"),
    create=extend_schema(
        summary="Release reserved requests together: one pick list each, walked as one path",
        request=s.WaveCreateSerializer,
        responses={201: s.WaveDetailSerializer},
    ),
)
class WaveViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Wave.objects.select_related("warehouse", "created_by").prefetch_related("pick_lists")
    serializer_class = s.WaveSerializer
    detail_serializer_class = s.WaveDetailSerializer
    filterset_class = filtersets.WaveFilterSet
    ordering_fields = ordering_fields(Wave)

    def get_queryset(self):
        return waves() if self.action == "retrieve" else super().get_queryset()

    def get_serializer_class(self):
        return {"retrieve": s.WaveDetailSerializer, "create": s.WaveCreateSerializer}.get(
            self.action, self.serializer_class
        )

    def detail_queryset(self):
        return waves()

    def create(self, request, *args, **kwargs):
        wave = picking.wave_create(**self.validated(s.WaveCreateSerializer), user=request.user)
        return self.answer(wave, status.HTTP_201_CREATED)


def shipments():
    return Shipment.objects.select_related("request__partner", "shipped_by").prefetch_related("packages")


@extend_schema_view(
    list=extend_schema(summary="Shipments: delivery note number, packages, tracking"),
    retrieve=extend_schema(summary="A shipment: delivery note number, packages, carrier and tracking"),
    create=extend_schema(
        summary="Pack a picked list into packages under one delivery note number",
        request=s.ShipmentCreateSerializer,
        responses={201: s.ShipmentSerializer},
    ),
)
class ShipmentViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = shipments()
    serializer_class = detail_serializer_class = s.ShipmentSerializer
    filterset_class = filtersets.ShipmentFilterSet
    ordering_fields = ordering_fields(Shipment, "request__number")
    action_permissions = {"ship": ["wms.change_shipment", "wms.add_stockmove"]}

    def get_serializer_class(self):
        return s.ShipmentCreateSerializer if self.action == "create" else self.serializer_class

    def create(self, request, *args, **kwargs):
        shipment = picking.shipment_create(**self.validated(s.ShipmentCreateSerializer))
        return self.answer(shipment, status.HTTP_201_CREATED)

    @extend_schema(
        summary="The truck left: the picked stock goes to the customer and the order hears of it",
        request=s.ShipSerializer,
        responses=s.ShipmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        data = self.validated(s.ShipSerializer)
        shipment = picking.shipment_ship(
            shipment=self.get_object(), user=request.user, tracking_number=data.get("tracking_number")
        )
        return self.answer(shipment)


# --- Cycle counts --------------------------------------------------------------------------------------------------


def cycle_counts_with_lines():
    lines = CycleCountLine.objects.select_related("location", "item__uom", "lot", "counted_by")
    return CycleCount.objects.select_related("warehouse", "location", "created_by", "approved_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


COUNT_COMMAND = command_actions(record="count", responses=s.CycleCountSerializer)


@extend_schema_view(
    list=extend_schema(summary="Cycle counts with their lines"),
    retrieve=extend_schema(
        summary="A count: each line expected, counted, its difference and whether it needs approval"
    ),
    create=extend_schema(
        summary="Open a count of a zone's (or a bin's) stock, or of every item of an ABC class",
        request=s.CycleCountCreateSerializer,
        responses={201: s.CycleCountSerializer},
    ),
)
class CycleCountViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Counted line by line; differences beyond the tolerance need someone else's approval (finance) to post."""

    queryset = cycle_counts_with_lines()
    serializer_class = detail_serializer_class = s.CycleCountSerializer
    filterset_class = filtersets.CycleCountFilterSet
    ordering_fields = ordering_fields(CycleCount)
    action_permissions = {
        "record": ["wms.change_cyclecount"],
        "found": ["wms.change_cyclecount"],
        # The service checks the right again, and that the approver is not who opened the count.
        "approve": ["wms.approve_cyclecount"],
        # Posting posts the differences as inventory adjustments.
        "post_count": ["wms.change_cyclecount", "wms.add_stockmove"],
    }

    def get_serializer_class(self):
        return s.CycleCountCreateSerializer if self.action == "create" else self.serializer_class

    def _line(self, line: CycleCountLine, status_code=status.HTTP_200_OK) -> Response:
        line = CycleCountLine.objects.select_related("count", "location", "item__uom", "lot", "counted_by").get(
            pk=line.pk
        )
        return Response(s.CycleCountLineSerializer(line).data, status=status_code)

    def create(self, request, *args, **kwargs):
        count = cycle_counts.cycle_count_create(**self.validated(s.CycleCountCreateSerializer), user=request.user)
        return self.answer(count, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record what was counted on a line",
        request=s.CountRecordSerializer,
        responses=s.CycleCountLineSerializer,
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        data = self.validated(s.CountRecordSerializer, count=self.get_object())
        return self._line(
            cycle_counts.cycle_count_record(line=data["line"], counted=data["counted"], user=request.user)
        )

    @extend_schema(
        summary="Stock found where the count expected none: a line of its own, expected 0",
        request=s.CountFoundSerializer,
        responses={201: s.CycleCountLineSerializer},
    )
    @action(detail=True, methods=["post"])
    def found(self, request, pk=None):
        count = self.get_object()
        data = self.validated(s.CountFoundSerializer)
        item = data["item"]
        with transaction.atomic():
            lot = None
            if data["lot"]:
                lot = Lot.objects.filter(item=item, code=data["lot"]).first()
                if lot is None:  # stock found in a count: its lot is created with it, or not at all
                    lot = Lot(item=item, code=data["lot"])
                    lot.full_clean()
                    lot.save()
            line = cycle_counts.cycle_count_found(
                count=count, location=data["location"], item=item, counted=data["counted"], lot=lot, user=request.user
            )
        return self._line(line, status.HTTP_201_CREATED)

    approve = COUNT_COMMAND(
        "approve",
        cycle_counts.cycle_count_approve,
        "Approve the differences beyond the tolerance (someone else than who opened the count)",
    )
    # Not named "post": a viewset's method of that name would answer every POST.
    post_count = COUNT_COMMAND(
        "post_count",
        cycle_counts.cycle_count_post,
        "Post every counted difference as an inventory adjustment",
        url_path="post",
    )


# --- The valuation snapshot --------------------------------------------------------------------------------------


class StockSnapshotViewSet(viewsets.GenericViewSet):
    """On hand per item, location and lot at a past moment, from the ledger: ERP's valuation hook."""

    queryset = Quant.objects.none()
    filter_backends: list = []
    action_permissions = {"list": ["wms.view_quant"]}

    @extend_schema(
        summary="Stock at a moment, from the ledger: item, warehouse, location, lot, quantity",
        parameters=[s.StockSnapshotQuerySerializer],
        responses=s.StockSnapshotRowSerializer(many=True),
    )
    def list(self, request):
        query = s.StockSnapshotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = stock_as_of(at=query.validated_data["at"], warehouse=query.validated_data.get("warehouse"))
        page = self.paginate_queryset(rows)
        items = dict(Item.objects.filter(pk__in={row["item_id"] for row in page}).values_list("pk", "code"))
        locations = {
            location.pk: location
            for location in Location.objects.filter(pk__in={row["location_id"] for row in page}).select_related(
                "warehouse"
            )
        }
        lots = dict(
            Lot.objects.filter(pk__in={row["lot_id"] for row in page if row["lot_id"]}).values_list("pk", "code")
        )
        data = [
            {
                "item": items[row["item_id"]],
                "warehouse": locations[row["location_id"]].warehouse.code,
                "location": locations[row["location_id"]].code,
                "lot": lots.get(row["lot_id"]),
                "quantity": row["quantity"],
            }
            for row in page
        ]
        return self.get_paginated_response(s.StockSnapshotRowSerializer(data, many=True).data)
