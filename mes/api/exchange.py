"""ISA-95 / B2MML V0701 documents over HTTP (docs/isa95.md): the published schedule as an OperationsSchedule,
items as material definitions, lots with what is on hand, the equipment hierarchy, all GET as
application/xml; and an external MES's OperationsPerformance, POSTed as XML and recorded through the
execution services. Refusals are the API's JSON error body, the schema's line and message included."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.api.permissions import TokenScopePermission
from mes.api.execution import RECORD
from mes.exchange import b2mml, selectors
from mes.exchange.services import operations_performance_import

XML = "application/xml"


def _document(root) -> HttpResponse:
    return HttpResponse(b2mml.document_bytes(root), content_type=XML)


class ImportedSerializer(serializers.Serializer):
    events = serializers.IntegerField(help_text="How many production events were recorded.")


class DocumentPermissions(BasePermission):
    """Each document needs its own permissions (`action_permissions`); the documents are no model, so there
    is no model permission to fall back on. A method a document does not answer is left to its 405."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action is None:
            return True
        needed = view.action_permissions.get(view.action)
        return needed is not None and user.has_perms(needed)


def _export(summary: str):
    return extend_schema(summary=summary, responses={(200, XML): OpenApiResponse(OpenApiTypes.STR)})


class B2mmlViewSet(viewsets.ViewSet):
    # The documents are XML (answered as such whatever the client accepts); refusals are the API's JSON body.
    renderer_classes = [JSONRenderer]
    permission_classes = [DocumentPermissions, TokenScopePermission]
    action_permissions = {
        "operations_schedule": ["aps.view_schedule", "erp.view_productionorder"],
        "material_definitions": ["core.view_item"],
        "material_lots": ["wms.view_lot", "wms.view_quant"],
        "equipment": ["core.view_machine", "core.view_workcenter"],
        "operations_performance": RECORD,
    }

    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), JSONRenderer.media_type

    @_export("The published schedule as an OperationsSchedule: one OperationsRequest per production order")
    @action(detail=False, methods=["get"], url_path="operations-schedule")
    def operations_schedule(self, request):
        schedule, plans = selectors.published_schedule_plans()
        if schedule is None:
            raise NotFound(_("No schedule is published."))
        if not plans:
            # An OperationsSchedule holds at least one OperationsRequest: an empty one is no valid document.
            raise NotFound(_("The published schedule places no production order."))
        return _document(b2mml.operations_schedule_document(schedule, plans))

    @_export("Active items as MaterialDefinitions in a MaterialInformation, with their unit of measure")
    @action(detail=False, methods=["get"], url_path="material-definitions")
    def material_definitions(self, request):
        return _document(b2mml.material_definitions_document(selectors.material_items()))

    @_export("Lots as MaterialLots in a MaterialInformation, with the quantity on hand in the warehouses' bins")
    @action(detail=False, methods=["get"], url_path="material-lots")
    def material_lots(self, request):
        return _document(b2mml.material_lots_document(selectors.material_lots()))

    @_export("Sites, areas, work centers and machines as an EquipmentInformation hierarchy")
    @action(detail=False, methods=["get"])
    def equipment(self, request):
        return _document(b2mml.equipment_document(*selectors.equipment_hierarchy()))

    @extend_schema(
        summary="Record an external MES's OperationsPerformance (B2MML XML body): produced and consumed material "
        "of each segment response; all or nothing",
        request={XML: OpenApiTypes.STR},
        responses={201: ImportedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="operations-performance")
    def operations_performance(self, request):
        # The raw body: the document is parsed and validated against the schema, not by a DRF parser.
        events = operations_performance_import(content=request.body, user=request.user)
        return Response({"events": len(events)}, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add the B2MML documents to the MES router."""
    router.register("b2mml", B2mmlViewSet, basename="b2mml")
