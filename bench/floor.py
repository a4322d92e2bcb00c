"""The floor: what Django, DRF and PostgreSQL cost for one small write here.

A DRF view that locks one row (select_for_update), updates it and inserts one row in
a single transaction: the least an endpoint that changes state can do. It goes through
the API's own DRF configuration (REST_FRAMEWORK: the API-key authentication, the
permission and the throttle), called with the bench's API key, as every API endpoint is:
that is what DRF costs here.
"""

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.models import FloorCounter, FloorHit

TABLES_SQL = """
CREATE TABLE IF NOT EXISTS bench_floorcounter (
    id bigserial PRIMARY KEY, hits bigint NOT NULL DEFAULT 0, updated_at timestamptz NULL
);
CREATE TABLE IF NOT EXISTS bench_floorhit (
    id bigserial PRIMARY KEY,
    counter_id bigint NOT NULL REFERENCES bench_floorcounter (id),
    at timestamptz NOT NULL,
    body jsonb NOT NULL
);
INSERT INTO bench_floorcounter (id, hits) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
"""


def ensure_tables():
    with connection.cursor() as cursor:
        cursor.execute(TABLES_SQL)


class FloorView(APIView):
    def post(self, request):
        with transaction.atomic():
            counter = FloorCounter.objects.select_for_update().get(pk=1)
            counter.hits += 1
            counter.updated_at = timezone.now()
            counter.save(update_fields=["hits", "updated_at"])
            hit = FloorHit.objects.create(counter=counter, at=counter.updated_at, body=request.data)
        return Response({"id": hit.pk, "hits": counter.hits}, status=201)
