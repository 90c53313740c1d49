"""Field selection: `?fields=number,state` answers only those fields of each record (of a list's records,
or of the one record), so an integration polling a list reads what it uses. Top-level fields only.

The filter backend checks the names against the endpoint's serializer (an unknown one is a 400 naming it)
and the JSON renderer leaves the others out of a successful answer."""

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer

PARAMETER = "fields"
PARAMETER_SCHEMA = {
    "name": PARAMETER,
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Comma-separated fields to answer (top level), e.g. `id,number,state`: the others are left out.",
}
_SELECTED = "_takt_selected_fields"


class FieldSelectionFilter(BaseFilterBackend):
    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(PARAMETER)
        if raw is None or request.method not in SAFE_METHODS:
            return queryset
        names = list(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
        known = set(view.get_serializer().fields)
        unknown = [name for name in names if name not in known]
        if not names or unknown:
            message = _("Unknown fields: %(unknown)s. Known: %(known)s.") % {
                "unknown": ", ".join(unknown) or "—",
                "known": ", ".join(sorted(known)),
            }
            raise serializers.ValidationError({PARAMETER: serializers.ErrorDetail(message, code="unknown_field")})
        setattr(request, _SELECTED, names)
        return queryset

    def get_schema_operation_parameters(self, view):
        return [PARAMETER_SCHEMA]


def _only(record, names: list[str]):
    return {name: record[name] for name in names if name in record} if isinstance(record, dict) else record


def _selected(data, names: list[str]):
    if isinstance(data, dict) and isinstance(data.get("results"), list):  # a page of records
        return {**data, "results": [_only(record, names) for record in data["results"]]}
    if isinstance(data, list):
        return [_only(record, names) for record in data]
    return _only(data, names)


class FieldSelectingJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        names = getattr(context.get("request"), _SELECTED, None)
        response = context.get("response")
        if names and response is not None and response.status_code == 200:
            data = _selected(data, names)
        return super().render(data, accepted_media_type, renderer_context)
