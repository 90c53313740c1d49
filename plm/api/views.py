"""The PLM API: revisions and their lines under change control, change orders and their commands,
effective BOMs and routings of an item, attachments.

Views are thin: every write of a line, an operation, a revision or a change order's state is a call to
plm.services, whose ValidationErrors the exception handler turns into 400s naming field and reason.
"""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Item
from plm import filtersets
from plm.api import serializers as s
from plm.models import (
    Attachment,
    BomLine,
    BomRevision,
    EcoApproval,
    EngineeringChangeOrder,
    RoutingOperation,
    RoutingRevision,
)
from plm.selectors.boms import bom_explode, where_used
from plm.selectors.revisions import effective_bom, effective_routing
from plm.services import attachments, changes, revisions
from plm.views import attachment_file_response

WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


def ordering_fields(model, *related: str) -> list[str]:
    """Every field of the model, and some codes of related records (`?ordering=item__code`)."""
    return [field.name for field in model._meta.fields] + list(related)


# --- Revisions -----------------------------------------------------------------------------------------


def bom_revisions():
    return BomRevision.objects.select_related("item", "eco").prefetch_related(
        Prefetch("lines", queryset=BomLine.objects.select_related("component", "uom"))
    )


def routing_revisions():
    return RoutingRevision.objects.select_related("item", "eco").prefetch_related(
        Prefetch("operations", queryset=RoutingOperation.objects.select_related("work_center"))
    )


class RevisionViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    """List, read, draft, annotate and delete revisions; lines and state change elsewhere."""

    http_method_names = WRITE_METHODS
    detail_queryset = staticmethod(bom_revisions)
    detail_serializer_class = s.BomRevisionDetailSerializer
    create_serializer_class: type = s.BomRevisionCreateSerializer
    create_service = staticmethod(revisions.bom_revision_create)

    def get_queryset(self):
        if self.action == "retrieve":
            return self.detail_queryset()
        return super().get_queryset()

    def get_serializer_class(self):
        return {
            "retrieve": self.detail_serializer_class,
            "create": self.create_serializer_class,
            "partial_update": s.RevisionNoteSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        return self.answer(self.create_service(**self.validated(self.create_serializer_class)), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        data = self.validated(s.RevisionNoteSerializer)
        return self.answer(revisions.revision_note_update(revision=self.get_object(), **data))

    def destroy(self, request, *args, **kwargs):
        revisions.revision_delete(revision=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(
        summary="Draft a new BOM revision",
        request=s.BomRevisionCreateSerializer,
        responses={201: s.BomRevisionDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change the note of a draft", request=s.RevisionNoteSerializer, responses=s.BomRevisionDetailSerializer
    ),
    destroy=extend_schema(summary="Delete a draft that no change order proposes"),
)
class BomRevisionViewSet(RevisionViewSet):
    queryset = BomRevision.objects.select_related("item", "eco")
    ordering_fields = ordering_fields(BomRevision, "item__code")
    serializer_class = s.BomRevisionSerializer
    filterset_class = filtersets.BomRevisionFilterSet


@extend_schema_view(
    create=extend_schema(
        summary="Draft a new routing revision",
        request=s.RoutingRevisionCreateSerializer,
        responses={201: s.RoutingRevisionDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change the note of a draft",
        request=s.RevisionNoteSerializer,
        responses=s.RoutingRevisionDetailSerializer,
    ),
    destroy=extend_schema(summary="Delete a draft that no change order proposes"),
)
class RoutingRevisionViewSet(RevisionViewSet):
    queryset = RoutingRevision.objects.select_related("item", "eco")
    ordering_fields = ordering_fields(RoutingRevision, "item__code")
    serializer_class = s.RoutingRevisionSerializer
    filterset_class = filtersets.RoutingRevisionFilterSet
    detail_queryset = staticmethod(routing_revisions)
    detail_serializer_class = s.RoutingRevisionDetailSerializer
    create_serializer_class = s.RoutingRevisionCreateSerializer
    create_service = staticmethod(revisions.routing_revision_create)


# --- BOM lines and routing operations -----------------------------------------------------------------


class RevisionChildViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    """Lines of a draft, changed through the services (which refuse anything but drafts)."""

    http_method_names = WRITE_METHODS
    update_serializer_class: type
    child_argument: str  # the services' keyword for the line or operation
    add_service = update_service = remove_service = None

    def get_serializer_class(self):
        return self.update_serializer_class if self.action == "partial_update" else self.serializer_class

    @property
    def detail_serializer_class(self) -> type:
        return self.serializer_class

    def create(self, request, *args, **kwargs):
        return self.answer(self.add_service(**self.validated(self.serializer_class)), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        child = self.get_object()
        serializer = self.get_serializer(child, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self.answer(self.update_service(**{self.child_argument: child}, **serializer.validated_data))

    def destroy(self, request, *args, **kwargs):
        self.remove_service(**{self.child_argument: self.get_object()})
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(summary="Add a line to a draft BOM"),
    partial_update=extend_schema(summary="Change a line of a draft BOM", responses=s.BomLineSerializer),
    destroy=extend_schema(summary="Remove a line from a draft BOM"),
)
class BomLineViewSet(RevisionChildViewSet):
    queryset = BomLine.objects.select_related("component", "uom")
    ordering_fields = ordering_fields(BomLine, "component__code")
    serializer_class = s.BomLineSerializer
    update_serializer_class = s.BomLineUpdateSerializer
    filterset_class = filtersets.BomLineFilterSet
    child_argument = "line"
    add_service = staticmethod(revisions.bom_line_add)
    update_service = staticmethod(revisions.bom_line_update)
    remove_service = staticmethod(revisions.bom_line_remove)


@extend_schema_view(
    create=extend_schema(summary="Add an operation to a draft routing"),
    partial_update=extend_schema(
        summary="Change an operation of a draft routing", responses=s.RoutingOperationSerializer
    ),
    destroy=extend_schema(summary="Remove an operation from a draft routing"),
)
class RoutingOperationViewSet(RevisionChildViewSet):
    queryset = RoutingOperation.objects.select_related("work_center")
    ordering_fields = ordering_fields(RoutingOperation, "work_center__code")
    serializer_class = s.RoutingOperationSerializer
    update_serializer_class = s.RoutingOperationUpdateSerializer
    filterset_class = filtersets.RoutingOperationFilterSet
    child_argument = "operation"
    add_service = staticmethod(revisions.routing_operation_add)
    update_service = staticmethod(revisions.routing_operation_update)
    remove_service = staticmethod(revisions.routing_operation_remove)


# --- Engineering change orders --------------------------------------------------------------------------


def eco_details():
    return EngineeringChangeOrder.objects.select_related("requested_by", "released_by").prefetch_related(
        Prefetch("approvals", queryset=EcoApproval.objects.select_related("decided_by")),
        Prefetch("bom_revisions", queryset=BomRevision.objects.select_related("item")),
        Prefetch("routing_revisions", queryset=RoutingRevision.objects.select_related("item")),
    )


ECO_COMMAND = command_actions(record="eco", responses=s.EngineeringChangeOrderDetailSerializer)


@extend_schema_view(
    create=extend_schema(summary="Open a change order", responses={201: s.EngineeringChangeOrderDetailSerializer}),
    partial_update=extend_schema(
        summary="Change the title, reason or date of a draft change order",
        responses=s.EngineeringChangeOrderDetailSerializer,
    ),
)
class EngineeringChangeOrderViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    """Change orders: created and edited while draft, then moved on by their commands."""

    queryset = EngineeringChangeOrder.objects.select_related("requested_by", "released_by")
    serializer_class = s.EngineeringChangeOrderSerializer
    detail_serializer_class = s.EngineeringChangeOrderDetailSerializer
    filterset_class = filtersets.EngineeringChangeOrderFilterSet
    ordering_fields = "__all__"
    http_method_names = ["get", "post", "patch", "head", "options"]  # cancelled, never deleted
    action_permissions = {
        **{
            name: ["plm.change_engineeringchangeorder"]
            for name in ("propose_bom", "propose_routing", "submit", "release", "reopen", "cancel")
        },
        # Anyone who sees change orders may decide; the service checks they hold the role they decide for.
        "decide": ["plm.view_engineeringchangeorder"],
    }

    def get_serializer_class(self):
        return s.EngineeringChangeOrderDetailSerializer if self.action == "retrieve" else self.serializer_class

    def get_queryset(self):
        return eco_details() if self.action == "retrieve" else super().get_queryset()

    def detail_queryset(self):
        return eco_details()

    def create(self, request, *args, **kwargs):
        eco = changes.eco_create(**self.validated(s.EngineeringChangeOrderSerializer), user=request.user)
        return self.answer(eco, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        eco = self.get_object()
        serializer = self.get_serializer(eco, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self.answer(changes.eco_update(eco=eco, **serializer.validated_data))

    def _propose(self, request, service, revision_queryset, serializer_class) -> Response:
        given = self.validated(s.EcoProposeSerializer)
        revision = service(eco=self.get_object(), **given)
        revision = revision_queryset().get(pk=revision.pk)
        data = serializer_class(revision, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Propose a new BOM revision of an item, starting from the one effective on the change's date",
        request=s.EcoProposeSerializer,
        responses={201: s.BomRevisionDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="propose-bom")
    def propose_bom(self, request, pk=None):
        return self._propose(request, changes.eco_propose_bom, bom_revisions, s.BomRevisionDetailSerializer)

    @extend_schema(
        summary="Propose a new routing revision of an item, starting from the one effective on the change's date",
        request=s.EcoProposeSerializer,
        responses={201: s.RoutingRevisionDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="propose-routing")
    def propose_routing(self, request, pk=None):
        return self._propose(request, changes.eco_propose_routing, routing_revisions, s.RoutingRevisionDetailSerializer)

    submit = ECO_COMMAND(
        "submit", changes.eco_submit, "Send a draft change to review: its revisions freeze, its impact is recorded"
    )

    @extend_schema(
        summary="Approve or reject for a role you hold",
        request=s.EcoDecideSerializer,
        responses=s.EngineeringChangeOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = self.validated(s.EcoDecideSerializer)
        return self.answer(changes.eco_decide(eco=self.get_object(), user=request.user, **data))

    release = ECO_COMMAND(
        "release", changes.eco_release, "Release an approved change: its revisions take effect on its date"
    )
    reopen = ECO_COMMAND("reopen", changes.eco_reopen, "Back to draft after a rejection")
    cancel = ECO_COMMAND(
        "cancel", changes.eco_cancel, "Abandon a change that was not released; its proposed revisions are removed"
    )


# --- Item engineering reads -------------------------------------------------------------------------------

BOM_READ = ["core.view_item", "plm.view_bomrevision"]


class ItemEngineeringViewSet(viewsets.GenericViewSet):
    """What is effective for an item on a date: its BOM, its routing, the explosion, where it is used."""

    queryset = Item.objects.select_related("uom")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes may hold dots
    filter_backends: list = []
    pagination_class = None
    action_permissions = {
        "bom": BOM_READ,
        "explosion": BOM_READ,
        "where_used": BOM_READ,
        "routing": ["core.view_item", "plm.view_routingrevision"],
    }

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(_("There is no item with code %(code)s.") % {"code": self.kwargs["code"]}) from None

    def _query(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        params = dict(serializer.validated_data)
        params["date"] = params.get("date") or timezone.localdate()
        return params

    @extend_schema(
        summary="The BOM revision effective on a date, with its lines",
        parameters=[s.OnDateQuerySerializer],
        responses=s.BomRevisionDetailSerializer,
    )
    @action(detail=True, methods=["get"])
    def bom(self, request, code=None):
        item, on = self.get_object(), self._query(s.OnDateQuerySerializer)["date"]
        revision = effective_bom(item=item, on=on)
        if revision is None:
            raise NotFound(_("%(item)s has no BOM effective on %(date)s.") % {"item": item.code, "date": on})
        revision = bom_revisions().get(pk=revision.pk)
        return Response(s.BomRevisionDetailSerializer(revision, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The routing revision effective on a date, with its operations",
        parameters=[s.OnDateQuerySerializer],
        responses=s.RoutingRevisionDetailSerializer,
    )
    @action(detail=True, methods=["get"])
    def routing(self, request, code=None):
        item, on = self.get_object(), self._query(s.OnDateQuerySerializer)["date"]
        revision = effective_routing(item=item, on=on)
        if revision is None:
            raise NotFound(_("%(item)s has no routing effective on %(date)s.") % {"item": item.code, "date": on})
        revision = routing_revisions().get(pk=revision.pk)
        return Response(s.RoutingRevisionDetailSerializer(revision, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The multi-level BOM effective on a date, depth first, with extended quantities",
        parameters=[s.ExplosionQuerySerializer],
        responses=s.ExplosionSerializer,
    )
    @action(detail=True, methods=["get"])
    def explosion(self, request, code=None):
        item, params = self.get_object(), self._query(s.ExplosionQuerySerializer)
        rows = bom_explode(item=item, on=params["date"], quantity=params["quantity"])
        codes = {item.pk: item.code, **{row.component.pk: row.component.code for row in rows}}
        data = {"item": item.code, **params, "rows": rows}
        return Response(s.ExplosionSerializer(data, context={"codes": codes}).data)

    @extend_schema(
        summary="The parents whose BOM effective on a date uses the item: direct, or indented to the top",
        parameters=[s.WhereUsedQuerySerializer],
        responses=s.WhereUsedSerializer,
    )
    @action(detail=True, methods=["get"], url_path="where-used")
    def where_used(self, request, code=None):
        item, params = self.get_object(), self._query(s.WhereUsedQuerySerializer)
        rows = where_used(item=item, on=params["date"], indented=params["indented"])
        codes = {item.pk: item.code, **{row.parent.pk: row.parent.code for row in rows}}
        data = {"item": item.code, **params, "rows": rows}
        return Response(s.WhereUsedSerializer(data, context={"codes": codes}).data)


# --- Attachments ------------------------------------------------------------------------------------------


@extend_schema_view(create=extend_schema(summary="Upload a file (multipart) and attach it to a record"))
class AttachmentViewSet(viewsets.ModelViewSet):
    queryset = Attachment.objects.select_related("content_type", "uploaded_by")
    serializer_class = s.AttachmentSerializer
    filterset_class = filtersets.AttachmentFilterSet
    ordering_fields = "__all__"
    http_method_names = ["get", "post", "delete", "head", "options"]
    parser_classes = [MultiPartParser, FormParser]  # a file upload: no JSON body

    def perform_destroy(self, instance):
        attachments.attachment_remove(attachment=instance)

    @extend_schema(
        summary="The attached file, always as a download", responses={(200, "application/octet-stream"): bytes}
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return attachment_file_response(self.get_object())
