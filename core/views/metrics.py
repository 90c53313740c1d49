"""`GET /metrics`: the figures of core/metrics.py in the format the scraper asks for (Prometheus text, or
OpenMetrics).

The figures name routes, tasks, devices, machines and host names, so the endpoint is not open like /health:
a scraper sends an API token (`Authorization: Token <key>`) of a user, or a signed-in user opens it in the
browser; either sees the registered collectors whose permission their role holds (every staff role holds
all of today's), and a user holding none gets a 403.
"""

from collections.abc import Iterator

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from core.metrics import collectors_for


class _Scrape:
    """What the encoder reads: the chosen collectors, collected in turn."""

    def __init__(self, collectors: list[Collector]):
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated and get_authorization_header(request):
        try:
            authenticated = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as refused:
            return HttpResponse(
                str(refused.detail), status=401, content_type="text/plain", headers={"WWW-Authenticate": "Token"}
            )
        if authenticated is not None:
            user = authenticated[0]
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    collectors = collectors_for(user)
    if not collectors:
        return HttpResponse(_("Your role may not view these figures."), status=403, content_type="text/plain")
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(_Scrape(collectors)), content_type=content_type)
