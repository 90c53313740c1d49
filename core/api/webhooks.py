"""Webhook endpoints (admins) and their delivery log, under /api/v1/core/ (docs/webhooks.md)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ServiceWritesMixin
from core.models import Partner, WebhookDelivery, WebhookEndpoint
from core.services import webhooks as services


class WebhookEndpointSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "partner", "active", "created_by", "created_at", "updated_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The answer to a create: the only time the secret is shown."""

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(max_length=100), allow_empty=False)
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all(), allow_null=True, required=False)
    description = serializers.CharField(max_length=200, allow_blank=True, required=False)
    active = serializers.BooleanField(required=False)


class WebhookEndpointViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    """Endpoints that receive domain events by signed HTTP POST. The secret is answered once, on create."""

    queryset = WebhookEndpoint.objects.select_related("created_by").order_by("url", "pk")
    serializer_class = WebhookEndpointSerializer
    detail_serializer_class = WebhookEndpointSerializer
    filterset_fields = ["active", "partner"]
    action_permissions = {"events": ["core.view_webhookendpoint"], "replay_failed": ["core.change_webhookdelivery"]}

    @extend_schema(request=WebhookEndpointInputSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(WebhookEndpointInputSerializer)
        endpoint = services.webhook_endpoint_create(**data, created_by=request.user)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointInputSerializer, responses=WebhookEndpointSerializer)
    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        serializer = WebhookEndpointInputSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        return self.answer(services.webhook_endpoint_update(endpoint=endpoint, **serializer.validated_data))

    @extend_schema(
        summary="The event names an endpoint may subscribe to",
        responses=inline_serializer(
            "WebhookEventNames", {"events": serializers.ListField(child=serializers.CharField())}
        ),
    )
    @action(detail=False, methods=["get"])
    def events(self, request):
        return Response({"events": sorted(services.known_event_names())})

    @extend_schema(
        summary="Send every failed or given-up delivery of the endpoint again",
        request=None,
        responses=inline_serializer("WebhookReplayed", {"replayed": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], url_path="replay-failed")
    def replay_failed(self, request, pk=None):
        return Response({"replayed": services.webhook_endpoint_replay_failed(endpoint=self.get_object())})


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_name = serializers.CharField(source="event.name", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_name",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "response_ms",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]


class WebhookDeliveryViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """What was sent to which endpoint and how it went; `replay` sends a delivery again."""

    queryset = WebhookDelivery.objects.select_related("event").order_by("-created_at", "-pk")
    serializer_class = WebhookDeliverySerializer
    detail_serializer_class = WebhookDeliverySerializer
    filterset_fields = {"endpoint": ["exact"], "status": ["exact"], "event": ["exact"], "event__name": ["exact"]}
    action_permissions = {"replay": ["core.change_webhookdelivery"]}

    @extend_schema(
        summary="Send the delivery again (one more attempt)", request=None, responses=WebhookDeliverySerializer
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        return self.answer(services.webhook_delivery_replay(delivery=self.get_object()))
