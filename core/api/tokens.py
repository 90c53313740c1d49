"""A login's own API tokens at /api/v1/core/tokens/ (admins see everyone's): the key is answered once (docs/api.md)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.concurrency import IfMatchPrecondition
from core.api.permissions import TokenScopePermission
from core.api.viewsets import ServiceWritesMixin
from core.models import ApiToken
from core.services import tokens as services


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    revoked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "scopes",
            "rate",
            "expires_at",
            "revoked_at",
            "revoked_by",
            "last_used_at",
            "created_by",
            "created_at",
        ]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """The answer to a create: the only time the key is shown."""

    key = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Bearer <key>`.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=False)
    expires_at = serializers.DateTimeField(
        allow_null=True, required=False, help_text=f"Null: never. Absent: in {services.DEFAULT_LIFETIME.days} days."
    )
    rate = serializers.CharField(max_length=32, allow_blank=True, required=False)

    def validate_scopes(self, scopes):
        # A token made with a token holds no more than it: else a "core:write" token could make a "write" one.
        token = self.context["request"].auth
        if isinstance(token, ApiToken):
            wider = [scope for scope in scopes if not services.scopes_allow(token.scopes, scope)]
            if wider:
                message = _("A token cannot make a token with more scopes than its own: %(scopes)s.")
                raise serializers.ValidationError(message % {"scopes": ", ".join(wider)}, code="token_scope")
        return scopes


class OwnTokens(IsAuthenticated):
    """Any login manages its own tokens (partner logins too); who may view all tokens sees everyone's, and who
    may change them revokes any of them."""

    def has_object_permission(self, request, view, obj):
        return obj.user_id == request.user.pk or request.user.has_perm("core.change_apitoken")


class ApiTokenViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """API tokens: `read`, `write`, or narrowed to an app (`erp:read`). The key is answered once, on create."""

    queryset = ApiToken.objects.select_related("user", "created_by", "revoked_by")
    serializer_class = ApiTokenSerializer
    detail_serializer_class = ApiTokenSerializer
    permission_classes = [OwnTokens, IfMatchPrecondition, TokenScopePermission]
    filterset_fields = ["user"]
    ordering_fields = ["name", "created_at", "expires_at", "last_used_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.user.has_perm("core.view_apitoken"):
            return queryset
        return queryset.filter(user=self.request.user)

    @extend_schema(request=ApiTokenInputSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(ApiTokenInputSerializer)
        token, key = services.api_token_create(user=request.user, **data, created_by=request.user)
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke the token: it authenticates no more", request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self.answer(services.api_token_revoke(token=self.get_object(), by=request.user))
