import logging
import re
import time
import uuid

from core.logs import request_id_var

logger = logging.getLogger("takt.request")

# A caller's id (a proxy's, a partner system's) is kept when it looks like an id: nothing to break a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    """Gives each request an id (the caller's X-Request-ID when sane, else a new one), sets it on the response
    and on every log record written meanwhile, and logs one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    # A scoped API token by its prefix (the key itself is never logged).
                    "token": getattr(getattr(request, "auth", None), "prefix", None),
                },
            )
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
