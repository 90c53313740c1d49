from django.urls import path

from core.views.generic import ObjectScreens
from plm import filtersets, models, tables, views

app_name = "plm"

SCREENS = [
    ObjectScreens(
        model=models.BomRevision,
        table=tables.BomRevisionTable,
        filterset=filtersets.BomRevisionFilterSet,
        editable=False,
        select_related=("item", "eco"),
        detail_view=views.RevisionDetailView,
    ),
    ObjectScreens(
        model=models.RoutingRevision,
        table=tables.RoutingRevisionTable,
        filterset=filtersets.RoutingRevisionFilterSet,
        editable=False,
        select_related=("item", "eco"),
        detail_view=views.RevisionDetailView,
    ),
    ObjectScreens(
        model=models.EngineeringChangeOrder,
        table=tables.EngineeringChangeOrderTable,
        filterset=filtersets.EngineeringChangeOrderFilterSet,
        editable=False,
        select_related=("requested_by",),
        detail_view=views.EcoDetailView,
    ),
    ObjectScreens(
        model=models.Attachment,
        table=tables.AttachmentTable,
        filterset=filtersets.AttachmentFilterSet,
        editable=False,
        select_related=("uploaded_by", "content_type"),
    ),
]

urlpatterns = [
    path("items/<int:pk>/engineering/", views.ItemEngineeringView.as_view(), name="item_engineering"),
    path(
        "bom-revisions/<int:pk>/diff/",
        views.RevisionDiffView.as_view(model=models.BomRevision),
        name="bomrevision_diff",
    ),
    path("bom-revisions/<int:pk>/lines/add/", views.bom_line_add, name="bomline_add"),
    path("bom-revisions/<int:pk>/lines/<int:line_pk>/edit/", views.bom_line_update, name="bomline_edit"),
    path("bom-revisions/<int:pk>/lines/<int:line_pk>/remove/", views.bom_line_remove, name="bomline_remove"),
    path(
        "routing-revisions/<int:pk>/diff/",
        views.RevisionDiffView.as_view(model=models.RoutingRevision),
        name="routingrevision_diff",
    ),
    path("routing-revisions/<int:pk>/operations/add/", views.routing_operation_add, name="routingoperation_add"),
    path(
        "routing-revisions/<int:pk>/operations/<int:operation_pk>/remove/",
        views.routing_operation_remove,
        name="routingoperation_remove",
    ),
    path("engineering-change-orders/add/", views.EcoCreateView.as_view(), name="engineeringchangeorder_add"),
    path("engineering-change-orders/<int:pk>/<slug:command>/", views.eco_command, name="eco_command"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path(
        "attachments/upload/<int:content_type_id>/<int:object_id>/", views.attachment_upload, name="attachment_upload"
    ),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
