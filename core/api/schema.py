"""drf-spectacular extensions for Takt's own authentication classes (loaded in CoreConfig.ready)."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class AuditedSessionScheme(SessionScheme):
    target_class = "core.api.authentication.AuditedSessionAuthentication"


class AuditedTokenScheme(TokenScheme):
    target_class = "core.api.authentication.AuditedTokenAuthentication"


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


def document_write_headers(result, generator, request, public):
    """Postprocessing hook: every write takes Idempotency-Key (409, 422), every write on a record takes
    If-Match (412), and a record's detail answers carry its ETag."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_BODY] = ERROR_BODY_SCHEMA
    for path, operations in result.get("paths", {}).items():
        on_record = "{" in path
        for method, operation in operations.items():
            if method == "get" and on_record and operation.get("operationId", "").endswith("_retrieve"):
                operation["responses"].get("200", {}).setdefault("headers", {})["ETag"] = ETAG
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
