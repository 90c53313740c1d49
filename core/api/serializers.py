"""Core resources in the API, and the serializer pieces every app's API uses. Related master data is
referenced by its business code: written with `by_code`, shown with `shown_by_code`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core import models


def by_code(model, **kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=model._default_manager.all(), **kwargs)


def shown_by_code(**kwargs) -> serializers.SlugRelatedField:
    """A related record in an answer, by its code (read-only: input names it with `by_code`)."""
    return serializers.SlugRelatedField(slug_field="code", read_only=True, **kwargs)


class StrictInputMixin:
    # Refuses fields the endpoint does not write, instead of ignoring them: DRF drops unknown and
    # read-only fields silently, so `PATCH {"state": "released"}` would answer 200 and change nothing.
    # (A comment, not a docstring: the schema would show it as every serializer's description.)

    IGNORED = frozenset({"csrfmiddlewaretoken"})  # the browsable API's form posts it
    read_only_message = _("This field cannot be written here.")

    def to_internal_value(self, data):
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(getattr(data, "keys", dict)()) - writable - self.IGNORED)
        if unknown:
            raise serializers.ValidationError(
                {name: serializers.ErrorDetail(self.read_only_message, code="read_only") for name in unknown}
            )
        return super().to_internal_value(data)


class FullCleanSerializer(serializers.ModelSerializer):
    """Runs the model's own validation (clean()), so the API enforces the rules the UI forms do."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance or self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        # Uniqueness is checked by DRF's validators already.
        instance.full_clean(validate_unique=False)
        return attrs


def serializer(model, fields: tuple[str, ...], **declared) -> type[FullCleanSerializer]:
    meta = type("Meta", (), {"model": model, "fields": ("id", *fields)})
    return type(f"{model.__name__}Serializer", (FullCleanSerializer,), {"Meta": meta, **declared})


CompanySerializer = serializer(
    models.Company, ("code", "name", "currency", "vat_number", "address"), currency=by_code(models.Currency)
)
SiteSerializer = serializer(
    models.Site, ("company", "code", "name", "timezone", "address"), company=by_code(models.Company)
)
UnitCategorySerializer = serializer(models.UnitCategory, ("code", "name"))
UnitSerializer = serializer(
    models.Unit, ("code", "name", "category", "factor", "decimals"), category=by_code(models.UnitCategory)
)
CurrencySerializer = serializer(models.Currency, ("code", "name", "symbol", "decimals"))
ExchangeRateSerializer = serializer(
    models.ExchangeRate, ("currency", "valid_from", "rate"), currency=by_code(models.Currency)
)
PartnerSerializer = serializer(
    models.Partner,
    (
        "code",
        "name",
        "kind",
        "parent",
        "currency",
        "lead_time_days",
        "payment_terms_days",
        "credit_limit",
        "vat_number",
        "email",
        "phone",
        "street",
        "city",
        "postal_code",
        "country",
        "active",
    ),
    parent=by_code(models.Partner, required=False, allow_null=True),
    currency=by_code(models.Currency, required=False, allow_null=True),
)
ItemCategorySerializer = serializer(
    models.ItemCategory,
    ("code", "name", "parent"),
    parent=by_code(models.ItemCategory, required=False, allow_null=True),
)
ItemSerializer = serializer(
    models.Item,
    (
        "code",
        "name",
        "description",
        "uom",
        "category",
        "procurement",
        "tracking",
        "lead_time_days",
        "safety_stock",
        "lot_policy",
        "lot_qty",
        "min_qty",
        "multiple_qty",
        "standard_cost",
        "default_supplier",
        "active",
    ),
    uom=by_code(models.Unit),
    category=by_code(models.ItemCategory, required=False, allow_null=True),
    default_supplier=by_code(models.Partner, required=False, allow_null=True),
)
AreaSerializer = serializer(models.Area, ("site", "code", "name"), site=by_code(models.Site))
WorkCenterSerializer = serializer(
    models.WorkCenter,
    ("area", "code", "name", "calendar", "hours_per_day", "cost_per_hour"),
    area=by_code(models.Area, required=False, allow_null=True),
    calendar=by_code(models.WorkCalendar, required=False, allow_null=True),
)
MachineSerializer = serializer(
    models.Machine,
    ("work_center", "code", "name", "calendar", "active"),
    work_center=by_code(models.WorkCenter),
    calendar=by_code(models.WorkCalendar, required=False, allow_null=True),
)
WorkCalendarSerializer = serializer(models.WorkCalendar, ("code", "name", "timezone"))
ShiftSerializer = serializer(
    models.Shift, ("calendar", "name", "weekday", "start_time", "end_time"), calendar=by_code(models.WorkCalendar)
)
CalendarExceptionSerializer = serializer(
    models.CalendarException,
    ("calendar", "date", "is_working", "start_time", "end_time", "reason"),
    calendar=by_code(models.WorkCalendar),
)


class TaskRunSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Stored untranslated: in the language the client asks for (Accept-Language), like the API's other texts.
    title = serializers.CharField(source="title_text", read_only=True)
    message = serializers.CharField(source="message_text", read_only=True)
    error = serializers.CharField(source="error_text", read_only=True)

    class Meta:
        model = models.TaskRun
        fields = (
            "id",
            "task_name",
            "title",
            "params",
            "status",
            "percent",
            "message",
            "result",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields
