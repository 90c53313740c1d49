"""PLM resources in the API. Items, units and work centers are referenced by their code.

Serializers here validate input and shape output; the writes are done by plm.services (the views
call them), so the API enforces exactly the rules the screens do.
"""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import serializers as core_serializers
from core.api.serializers import by_code, shown_by_code
from core.models import Item, Unit, WorkCenter
from plm.choices import ApprovalDecision, ApprovalRole, RevisionState
from plm.models import (
    Attachment,
    BomLine,
    BomRevision,
    EcoApproval,
    EngineeringChangeOrder,
    RoutingOperation,
    RoutingRevision,
)
from plm.models.attachments import attachment_targets
from plm.services.attachments import attachment_add


def _username(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, help_text=_("Username."), **kwargs)


class StrictInputMixin(core_serializers.StrictInputMixin):
    # Core's, telling where a state changes instead (a comment: a docstring would be every serializer's
    # description in the schema).

    read_only_message = _("This field cannot be written here; states change through change order commands.")


# --- BOM and routing revisions -----------------------------------------------------------------------

REVISION_FIELDS = (
    "id",
    "item",
    "item_name",
    "revision",
    "state",
    "effective_from",
    "effective_to",
    "eco",
    "eco_number",
    "note",
    "created_at",
    "updated_at",
)


class RevisionSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    eco_number = serializers.CharField(source="eco.number", read_only=True, allow_null=True)

    class Meta:
        fields = REVISION_FIELDS
        read_only_fields = REVISION_FIELDS


class BomLineNestedSerializer(serializers.ModelSerializer):
    component = shown_by_code()
    component_name = serializers.CharField(source="component.name", read_only=True)
    uom = shown_by_code()

    class Meta:
        model = BomLine
        fields = ("id", "position", "component", "component_name", "qty_per", "scrap_pct", "uom")
        read_only_fields = fields


class BomRevisionSerializer(RevisionSerializer):
    class Meta(RevisionSerializer.Meta):
        model = BomRevision


class BomRevisionDetailSerializer(BomRevisionSerializer):
    lines = BomLineNestedSerializer(many=True, read_only=True)

    class Meta(BomRevisionSerializer.Meta):
        fields = (*REVISION_FIELDS, "lines")


class RoutingOperationNestedSerializer(serializers.ModelSerializer):
    work_center = shown_by_code()

    class Meta:
        model = RoutingOperation
        fields = (
            "id",
            "seq",
            "name",
            "work_center",
            "setup_minutes",
            "run_minutes_per_unit",
            "queue_minutes",
            "move_minutes",
            "instructions",
        )
        read_only_fields = fields


class RoutingRevisionSerializer(RevisionSerializer):
    class Meta(RevisionSerializer.Meta):
        model = RoutingRevision


class RoutingRevisionDetailSerializer(RoutingRevisionSerializer):
    operations = RoutingOperationNestedSerializer(many=True, read_only=True)

    class Meta(RoutingRevisionSerializer.Meta):
        fields = (*REVISION_FIELDS, "operations")


class RevisionCreateSerializer(StrictInputMixin, serializers.Serializer):
    """A new draft revision of the item, optionally starting as a copy of one of its revisions."""

    model: type = BomRevision

    item = by_code(Item)
    note = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["copy_from"] = serializers.PrimaryKeyRelatedField(
            queryset=self.model.objects.all(),
            required=False,
            allow_null=True,
            help_text=_("Id of a revision of the same item whose lines the draft starts from."),
        )
        return fields

    def validate(self, attrs):
        copy_from = attrs.get("copy_from")
        if copy_from is not None and copy_from.item_id != attrs["item"].pk:
            raise serializers.ValidationError(
                {
                    "copy_from": _("%(revision)s is not a revision of %(item)s.")
                    % {"revision": copy_from, "item": attrs["item"].code}
                },
                code="other_item",
            )
        return attrs


class BomRevisionCreateSerializer(RevisionCreateSerializer):
    model = BomRevision


class RoutingRevisionCreateSerializer(RevisionCreateSerializer):
    model = RoutingRevision


class RevisionNoteSerializer(StrictInputMixin, serializers.Serializer):
    """Only the note of a draft changes in place; everything else changes through lines or an ECO."""

    note = serializers.CharField(allow_blank=True)


# --- BOM lines and routing operations ------------------------------------------------------------------


class BomLineSerializer(StrictInputMixin, serializers.ModelSerializer):
    bom = serializers.PrimaryKeyRelatedField(queryset=BomRevision.objects.all())
    component = by_code(Item)
    component_name = serializers.CharField(source="component.name", read_only=True)
    # Declared: the model's MaxValueValidator(99.99) is a float, which DRF warns about.
    scrap_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal("99.99"), required=False
    )
    uom = by_code(Unit, required=False, help_text=_("Defaults to the component's unit."))

    class Meta:
        model = BomLine
        fields = ("id", "bom", "position", "component", "component_name", "qty_per", "scrap_pct", "uom")
        extra_kwargs = {"position": {"required": False, "help_text": _("Defaults to 10 past the last line.")}}
        # (bom, position) is unique: the service's full_clean() says so, in the same error format.
        validators: list = []


class BomLineUpdateSerializer(BomLineSerializer):
    bom = serializers.PrimaryKeyRelatedField(read_only=True)


class RoutingOperationSerializer(StrictInputMixin, serializers.ModelSerializer):
    routing = serializers.PrimaryKeyRelatedField(queryset=RoutingRevision.objects.all())
    work_center = by_code(WorkCenter)

    class Meta:
        model = RoutingOperation
        fields = ("id", "routing", *RoutingOperationNestedSerializer.Meta.fields[1:])
        extra_kwargs = {"seq": {"required": False, "help_text": _("Defaults to 10 past the last operation.")}}
        validators: list = []


class RoutingOperationUpdateSerializer(RoutingOperationSerializer):
    routing = serializers.PrimaryKeyRelatedField(read_only=True)


# --- Engineering change orders ---------------------------------------------------------------------------

ECO_FIELDS = (
    "id",
    "number",
    "title",
    "reason",
    "state",
    "effective_date",
    "requested_by",
    "released_at",
    "released_by",
    "created_at",
    "updated_at",
)


class EcoApprovalSerializer(serializers.ModelSerializer):
    decided_by = _username()
    decided_at = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = EcoApproval
        fields = ("role", "decision", "decided_by", "comment", "decided_at")
        read_only_fields = fields


class EcoProposalSerializer(serializers.Serializer):
    """A BOM or routing revision proposed by the change."""

    id = serializers.IntegerField(read_only=True)
    item = serializers.CharField(source="item.code", read_only=True)
    revision = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=RevisionState.choices, read_only=True)


class EngineeringChangeOrderSerializer(StrictInputMixin, serializers.ModelSerializer):
    requested_by = _username()
    released_by = _username()

    class Meta:
        model = EngineeringChangeOrder
        fields = ECO_FIELDS
        read_only_fields = ("id", "number", "state", "requested_by", "released_at", "released_by")


class EngineeringChangeOrderDetailSerializer(EngineeringChangeOrderSerializer):
    approvals = EcoApprovalSerializer(many=True, read_only=True)
    bom_revisions = EcoProposalSerializer(many=True, read_only=True)
    routing_revisions = EcoProposalSerializer(many=True, read_only=True)
    impact = serializers.JSONField(
        read_only=True, help_text=_("Recorded when the change is submitted for review; empty before.")
    )

    class Meta(EngineeringChangeOrderSerializer.Meta):
        fields = (*ECO_FIELDS, "approvals", "bom_revisions", "routing_revisions", "impact")


class EcoProposeSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)


class EcoDecideSerializer(StrictInputMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=ApprovalRole.choices, help_text=_("The role you decide for."))
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- Item engineering reads --------------------------------------------------------------------------------


class OnDateQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, help_text=_("YYYY-MM-DD; default today."))


class ExplosionQuerySerializer(OnDateQuerySerializer):
    quantity = serializers.DecimalField(
        max_digits=18,
        decimal_places=6,
        required=False,
        default=Decimal(1),
        help_text=_("Quantity of the top item; default 1."),
    )

    def validate_quantity(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(_("The quantity must be greater than zero."), code="min_value")
        return value


class WhereUsedQuerySerializer(OnDateQuerySerializer):
    indented = serializers.BooleanField(
        required=False, default=False, help_text=_("true: every level up to the top items; false: direct parents.")
    )


class ExplosionRowSerializer(serializers.Serializer):
    """One row of an indented BOM; `extended_qty` is in the component's own unit (`unit`)."""

    level = serializers.IntegerField()
    component = serializers.CharField(source="line.component.code")
    component_name = serializers.CharField(source="line.component.name")
    qty_per = serializers.DecimalField(source="line.qty_per", max_digits=18, decimal_places=6)
    scrap_pct = serializers.DecimalField(source="line.scrap_pct", max_digits=5, decimal_places=2)
    uom = serializers.CharField(source="line.uom.code", help_text=_("The unit of the BOM line."))
    extended_qty = serializers.DecimalField(max_digits=None, decimal_places=6)
    unit = serializers.CharField(source="unit.code", help_text=_("The component's own unit."))
    path = serializers.SerializerMethodField(help_text=_("Item codes from the top item down to this component."))

    def get_path(self, row) -> list[str]:
        codes = self.context["codes"]
        return [codes[item_id] for item_id in row.path]


class ExplosionSerializer(serializers.Serializer):
    item = serializers.CharField()
    date = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    rows = ExplosionRowSerializer(many=True)


class WhereUsedRowSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text=_("1: a direct parent; 2: a parent of a parent; ..."))
    parent = serializers.CharField(source="parent.code")
    parent_name = serializers.CharField(source="parent.name")
    revision = serializers.CharField(source="line.bom.revision", help_text=_("The parent's BOM revision."))
    component = serializers.SerializerMethodField(help_text=_("The item this parent's line uses."))
    qty_per = serializers.DecimalField(source="line.qty_per", max_digits=18, decimal_places=6)
    uom = serializers.CharField(source="line.uom.code")

    def get_component(self, row) -> str:
        return self.context["codes"][row.line.component_id]


class WhereUsedSerializer(serializers.Serializer):
    item = serializers.CharField()
    date = serializers.DateField()
    indented = serializers.BooleanField()
    rows = WhereUsedRowSerializer(many=True)


# --- Attachments -------------------------------------------------------------------------------------------

# What may carry attachments, by the name the API uses for it.
ATTACHMENT_TARGETS = attachment_targets()


class AttachmentSerializer(StrictInputMixin, serializers.ModelSerializer):
    target_type = serializers.ChoiceField(source="content_type.model", choices=sorted(ATTACHMENT_TARGETS))
    target_id = serializers.IntegerField(source="object_id", min_value=1)
    uploaded_by = _username()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "target_type",
            "target_id",
            "file",
            "name",
            "size",
            "description",
            "uploaded_by",
            "created_at",
            "download_url",
        )
        read_only_fields = ("name", "size")
        # Downloads go through download_url, which checks access; the storage path stays private.
        extra_kwargs = {"file": {"write_only": True}}

    def get_download_url(self, attachment) -> str:
        url = reverse("attachment-download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def validate(self, attrs):
        model = ATTACHMENT_TARGETS[attrs.pop("content_type")["model"]]
        if not model._default_manager.filter(pk=attrs["object_id"]).exists():
            raise serializers.ValidationError(
                {
                    "target_id": _("There is no %(model)s with id %(id)s.")
                    % {"model": model._meta.verbose_name, "id": attrs["object_id"]}
                },
                code="does_not_exist",
            )
        attrs["target"] = model._default_manager.get(pk=attrs.pop("object_id"))
        return attrs

    def create(self, validated_data):
        return attachment_add(
            target=validated_data["target"],
            upload=validated_data["file"],
            user=self.context["request"].user,
            description=validated_data.get("description", ""),
        )
