from typing import ClassVar

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core import filtersets, models
from core.api import serializers as core_serializers


def model_viewset(model, *, select_related: tuple[str, ...] = (), ordering: tuple[str, ...] = ("code",)):
    """A CRUD viewset for a core model, with the UI's FilterSet and search on `q`."""
    name = model.__name__
    attrs = {
        "queryset": model._default_manager.select_related(*select_related).order_by(*ordering, "pk"),
        "serializer_class": getattr(core_serializers, f"{name}Serializer"),
        "filterset_class": getattr(filtersets, f"{name}FilterSet"),
        "ordering_fields": "__all__",
    }
    return type(f"{name}ViewSet", (viewsets.ModelViewSet,), attrs)


VIEWSETS = {
    "companies": model_viewset(models.Company, select_related=("currency",)),
    "sites": model_viewset(models.Site, select_related=("company",)),
    "unit-categories": model_viewset(models.UnitCategory),
    "units": model_viewset(models.Unit, select_related=("category",)),
    "currencies": model_viewset(models.Currency),
    "exchange-rates": model_viewset(
        models.ExchangeRate, select_related=("currency",), ordering=("currency__code", "-valid_from")
    ),
    "partners": model_viewset(models.Partner, select_related=("currency", "parent")),
    "item-categories": model_viewset(models.ItemCategory, select_related=("parent",)),
    "items": model_viewset(models.Item, select_related=("uom", "category", "default_supplier")),
    "areas": model_viewset(models.Area, select_related=("site",)),
    "work-centers": model_viewset(models.WorkCenter, select_related=("area", "calendar")),
    "machines": model_viewset(models.Machine, select_related=("work_center", "calendar")),
    "work-calendars": model_viewset(models.WorkCalendar),
    "shifts": model_viewset(models.Shift, select_related=("calendar",), ordering=("calendar__code", "weekday")),
    "calendar-exceptions": model_viewset(
        models.CalendarException, select_related=("calendar",), ordering=("calendar__code", "date")
    ),
}


class TaskRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Status and progress of background runs (MRP, scheduling, imports)."""

    queryset = models.TaskRun.objects.select_related("created_by")
    serializer_class = core_serializers.TaskRunSerializer
    filterset_class = filtersets.TaskRunFilterSet


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        # Django's own request: django-axes counts the failures and locks out on it (docs/security.md).
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError("Unable to sign in with these credentials.", code="authorization")
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """Exchange a username and password for an API token: `{"token": "..."}`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, generated and rendered once per language and format for the life of the process.
    It follows from the code alone (served public: the same for every user, and the API has one version), and
    making it takes seconds of CPU, which Swagger UI would otherwise spend on every opening. The key is a
    supported language, never what a request names: the cache holds at most one document per language and
    format."""

    rendered: ClassVar[dict[tuple[str, type], bytes]] = {}

    def _get_schema_response(self, request):
        try:
            language = translation.get_supported_language_variant(translation.get_language() or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        renderer = request.accepted_renderer
        key = (language, type(renderer))
        if key not in self.rendered:
            with translation.override(language):
                schema = self.generator_class(urlconf=self.urlconf, patterns=self.patterns).get_schema(
                    request=request, public=self.serve_public
                )
                self.rendered[key] = renderer.render(schema, renderer.media_type, self.get_renderer_context())
        content_type = f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        return HttpResponse(
            self.rendered[key],
            content_type=content_type,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'},
        )
