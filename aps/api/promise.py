"""Capable-to-promise for sales and partner systems: the earliest date the plant can deliver a quantity
of an item, from the MRP plan's material and the published schedule's free machine time."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from aps.models import Schedule
from aps.selectors.promise import capable_to_promise
from core.api.serializers import StrictInputMixin, by_code
from core.models import Item

QUANTITY = {"max_digits": 18, "decimal_places": 6}


class PromiseRequestSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=0, help_text="In the item's unit.")
    requested_date = serializers.DateField()

    def validate_quantity(self, value):
        if value <= 0:
            raise serializers.ValidationError("Enter a quantity above zero.")
        return value


class ComponentDateSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    quantity = serializers.DecimalField(**QUANTITY)
    available_on = serializers.DateField()
    from_stock = serializers.BooleanField(help_text="False: it has to be bought or made first.")


class PromiseSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    quantity = serializers.DecimalField(**QUANTITY)
    requested_date = serializers.DateField()
    date = serializers.DateField(help_text="The earliest day the whole quantity can be delivered.")
    on_time = serializers.BooleanField()
    days_late = serializers.IntegerField()
    from_stock = serializers.DecimalField(**QUANTITY, help_text="Covered by stock and open receipts.")
    material_date = serializers.DateField(allow_null=True)
    production_end = serializers.DateTimeField(allow_null=True)
    components = ComponentDateSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class PromiseViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Schedule.objects.none()  # nothing is stored: the answer is computed
    serializer_class = PromiseRequestSerializer
    action_permissions = {"create": ["aps.view_schedule"]}
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="The earliest date the plant can deliver a quantity of an item",
        request=PromiseRequestSerializer,
        responses={200: PromiseSerializer},
    )
    def create(self, request, *args, **kwargs):
        query = PromiseRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        promise = capable_to_promise(**query.validated_data)
        return Response(PromiseSerializer(promise).data, status=status.HTTP_200_OK)


def register(router) -> None:
    router.register("capable-to-promise", PromiseViewSet, basename="capable-to-promise")
