"""The floor endpoint's two tables.

Unmanaged: the bench creates them itself (`bench.floor.ensure_tables`), so the
project carries no migration for something only the bench uses.
"""

from django.db import models


class FloorCounter(models.Model):
    """One row every floor request locks and updates, as an audit chain head is."""

    hits = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        # Named, so that importing the bench's urls under config.settings (the tests)
        # works without the bench app installed.
        app_label = "bench"
        db_table = "bench_floorcounter"

    def __str__(self):
        return f"floor counter at {self.hits}"


class FloorHit(models.Model):
    """One row every floor request inserts, as an audit entry is."""

    counter = models.ForeignKey(FloorCounter, on_delete=models.DO_NOTHING)
    at = models.DateTimeField()
    body = models.JSONField(default=dict)

    class Meta:
        managed = False
        app_label = "bench"
        db_table = "bench_floorhit"

    def __str__(self):
        return f"floor hit {self.pk}"
