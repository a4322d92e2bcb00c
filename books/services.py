"""Connecting and disconnecting a tenant's books, and keeping the grant's tokens: every
change of a connection goes through here, audited."""

from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_entry
from books.models import Connection


def connect(*, tenant, realm_id, tokens, actor):
    """Connect (or reconnect) `tenant`'s QuickBooks company with fresh `tokens`."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(tenant=tenant).first()
        connection = connection or Connection(tenant=tenant)
        connection.realm_id = realm_id
        connection.keep(tokens)
        connection.connected_by = actor.label
        connection.connected_at = timezone.now()
        connection.last_error = ""
        connection.last_error_at = None
        connection.needs_reconnect = False
        connection.save()
        _audit(tenant, actor, AuditAction.BOOKS_CONNECTED, realm_id)
    return connection


def disconnect(*, tenant, actor):
    """Forget `tenant`'s connection and its tokens; False when there was none."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(tenant=tenant).first()
        if connection is None:
            return False
        realm_id = connection.realm_id
        connection.delete()
        _audit(tenant, actor, AuditAction.BOOKS_DISCONNECTED, realm_id)
    return True


def _audit(tenant, actor, action, realm_id):
    """A connection's change, in the tenant's chain: which company, never its tokens."""
    record_entry(
        tenant=tenant,
        actor=actor,
        action=action,
        data={"books": "QuickBooks Online", "realm_id": realm_id},
    )


def keep_tokens(connection, tokens):
    """Keep the tokens a refresh gave, sealed (the refresh token rotates)."""
    connection.keep(tokens)
    Connection.objects.filter(pk=connection.pk).update(
        access_token_sealed=connection.access_token_sealed,
        refresh_token_sealed=connection.refresh_token_sealed,
        access_expires_at=connection.access_expires_at,
        refresh_expires_at=connection.refresh_expires_at,
    )


def note_failure(connection, failure):
    """Keep why the books could not be asked, for the connection's page."""
    connection.last_error = failure.reason
    connection.last_error_at = timezone.now()
    connection.needs_reconnect = failure.reconnect
    Connection.objects.filter(pk=connection.pk).update(
        last_error=connection.last_error,
        last_error_at=connection.last_error_at,
        needs_reconnect=connection.needs_reconnect,
    )


def note_answer(connection):
    connection.last_error = ""
    connection.last_error_at = None
    Connection.objects.filter(pk=connection.pk).update(last_error="", last_error_at=None)
