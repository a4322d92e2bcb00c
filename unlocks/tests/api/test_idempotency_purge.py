from datetime import timedelta

from django.utils import timezone

from unlocks.models import IdempotencyKey
from unlocks.tasks import purge_idempotency_keys


def test_keys_past_24_hours_are_purged_and_fresh_ones_kept(db):
    old = IdempotencyKey.objects.create(owner="api_client:1", key="old", fingerprint="x")
    fresh = IdempotencyKey.objects.create(owner="api_client:1", key="fresh", fingerprint="y")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )

    assert purge_idempotency_keys() == 1

    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
