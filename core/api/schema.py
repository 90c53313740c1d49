"""How Takt's API describes itself: drf-spectacular extensions for its authentication classes (loaded in
CoreConfig.ready), the schema class reading nullability from the models, and the postprocessing hook that
documents the answers every endpoint can give."""

import copy

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.authentication import SessionScheme, TokenScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import append_meta, build_array_type, is_basic_serializer
from rest_framework import serializers

from core.api.fields import PARAMETER_SCHEMA as FIELDS_PARAMETER


class AuditedSessionScheme(SessionScheme):
    target_class = "core.api.authentication.AuditedSessionAuthentication"


class AuditedTokenScheme(TokenScheme):
    target_class = "core.api.authentication.AuditedTokenAuthentication"


# A wall-clock time of the site (a shift's start): JSON Schema's "time" format wants a UTC offset, which a
# local time of day has none of.
LOCAL_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "06:00:00"}


def _model_fields_along(field: serializers.Field) -> list:
    """The model fields a serializer field's dotted source walks through, as far as they are model fields."""
    # Fields drf-spectacular makes up on its own are not bound to a serializer.
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    found = []
    for attr in getattr(field, "source_attrs", ()):
        if model is None:
            break
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            break
        found.append(model_field)
        model = model_field.related_model
    return found


def _blank_in_model(field: serializers.Field) -> bool:
    chain = _model_fields_along(field)
    return bool(chain) and getattr(chain[-1], "blank", False)


class ModelAwareAutoSchema(AutoSchema):
    """Answers say null or "" wherever the model allows them. A read-only field (`shown_by_code`, a code
    reached through a relation) does not inherit `allow_null` / `allow_blank` from its model field the way
    DRF's generated writable fields do, so without this the schema promised a string and the answer held null.
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response":
            field = self._as_answered(field)
        if isinstance(field, serializers.ListField) and is_basic_serializer(field.child) and field.child.allow_null:
            # drf-spectacular drops a nested record's allow_null inside a list: "one per supplier, or null".
            component = self.resolve_serializer(field.child, direction)
            items = {"allOf": [component.ref], "nullable": True}
            return append_meta(build_array_type(items), self._get_serializer_field_meta(field, direction))
        meta = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField):
            meta = {**{k: v for k, v in meta.items() if k != "format"}, **LOCAL_TIME}
        return meta

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if schema.get("format") in ("email", "uri") and (
            getattr(field, "allow_blank", False) or _blank_in_model(field)
        ):
            del schema["format"]  # "" is no address, and is allowed

    @staticmethod
    def _as_answered(field: serializers.Field) -> serializers.Field:
        chain = _model_fields_along(field)
        if not chain:
            return field
        nullable = any(model_field.null for model_field in chain) and not field.allow_null
        blank = (
            _blank_in_model(field)
            and isinstance(field, serializers.CharField | serializers.ChoiceField)
            and not field.allow_blank
        )
        if not (nullable or blank):
            return field
        field = copy.copy(field)  # the request direction keeps the field as it is written
        if nullable:
            field.allow_null = True
        if blank:
            field.allow_blank = True
        return field


# --- Retries and concurrent edits (core/api/idempotency.py, core/api/concurrency.py, docs/api.md) -----------

WRITE_METHODS = ("post", "put", "patch", "delete")
ERROR_BODY = "ApiErrors"
ERROR_BODY_SCHEMA = {
    "type": "object",
    "description": 'The error body of every API failure: {"errors": [{"field", "code", "message"}]}.',
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        }
    },
    "required": ["errors"],
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Any string of yours, unique per request: a retry with the same key and body gets the first "
    "answer again and changes nothing more (kept 24 hours).",
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The record's ETag as you read it: the write is refused with 412 if the record changed since.",
}
ETAG = {"schema": {"type": "string"}, "description": "The record's version, for If-Match on a later write."}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_BODY}"}}},
    }


# What any endpoint may answer besides its own success (core/api/errors.py gives each the same body).
COMMON_ERRORS = {
    "400": "The request is invalid: each error names its field and why.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "The token's scopes or the user's role do not allow this.",
    "404": "No such record (or page), or not one of yours.",
    "429": "Too many requests for this token: retry after the Retry-After header's seconds.",
}


def document_api_conventions(result, generator, request, public):
    """Postprocessing hook: every endpoint documents the common error answers; every write takes
    Idempotency-Key (409, 422), every write on a record takes If-Match (412), and a record's detail answers
    carry its ETag."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_BODY] = ERROR_BODY_SCHEMA
    for path, operations in result.get("paths", {}).items():
        on_record = "{" in path
        for method, operation in operations.items():
            for code, description in COMMON_ERRORS.items():
                operation["responses"].setdefault(code, _error_response(description))
            if method == "get" and on_record and operation.get("operationId", "").endswith("_retrieve"):
                operation["responses"].get("200", {}).setdefault("headers", {})["ETag"] = ETAG
                operation.setdefault("parameters", []).append(FIELDS_PARAMETER)
            if method not in WRITE_METHODS:
                continue
            parameters = operation.setdefault("parameters", [])
            responses = operation["responses"]
            parameters.append(IDEMPOTENCY_KEY)
            responses.setdefault("409", _error_response("A request with this Idempotency-Key is still running."))
            responses.setdefault("422", _error_response("This Idempotency-Key was used for another request."))
            if on_record:
                parameters.append(IF_MATCH)
                responses.setdefault("412", _error_response("If-Match names another version of the record."))
    return result
