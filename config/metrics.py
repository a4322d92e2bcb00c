"""GET /metrics: the desk's metrics in Prometheus' text format (core/metrics.py), for a
scraper that sends `Authorization: Bearer <METRICS_TOKEN>`. With no METRICS_TOKEN set
there are no metrics: the address answers 404 as any unknown one does."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from core import metrics

UNAUTHORISED = (
    "Metrics are served to a scraper that sends 'Authorization: Bearer <METRICS_TOKEN>'. "
    "Set that header with the token this server was started with.\n"
)


@require_GET
def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("No metrics are served without METRICS_TOKEN.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    right = hmac.compare_digest(given.strip().encode(), token.encode())
    if scheme.lower() != "bearer" or not right:
        response = HttpResponse(UNAUTHORISED, status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
