"""Asking a tenant's books what they hold of some of our transactions: the one entry point
the desk uses (`check`, `since`), whatever kind of books the tenant connected.

Never a gate: a tenant without a connection, a grant that no longer works, a timeout, a
429 or a fault each answer a Check that says so, at once or within the timeout. After a
failure the books are not asked again for QUICKBOOKS_RETRY_SECONDS (the answer says the
same why), so a down QuickBooks costs one timeout, not one per page. Answers are cached
for QUICKBOOKS_CACHE_SECONDS.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from books import services
from books.interface import BooksUnavailable
from books.models import Connection
from books.quickbooks import QuickBooksOnline

logger = logging.getLogger(__name__)

CHECKED = "checked"
NOT_CONNECTED = "not_connected"
UNAVAILABLE = "unavailable"

NOT_SET_UP = (
    "This desk is not set up to ask QuickBooks (it has no QuickBooks app keys). Support "
    "sets QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET."
)
NOT_CONNECTED_REASON = (
    "This account has not connected QuickBooks, so its books were not checked. A tenant "
    "admin can connect it in Settings, QuickBooks."
)


@dataclass
class Check:
    """What the books said of the transactions asked, or why they could not be asked."""

    status: str
    checked_at: datetime | None = None
    reason: str = ""
    found: list = field(default_factory=list)
    closing_date: date | None = None

    @property
    def checked(self):
        return self.status == CHECKED

    def found_for(self, record_type, number):
        return [f for f in self.found if f.type == record_type and f.asked_number == number]


def connection_of(tenant):
    return Connection.objects.filter(tenant=tenant).first()


def books_of(connection):
    return QuickBooksOnline(connection, on_tokens=services.keep_tokens)


def not_set_up():
    return Check(status=NOT_CONNECTED, reason=NOT_SET_UP)


def not_connected():
    return Check(status=NOT_CONNECTED, reason=NOT_CONNECTED_REASON)


def _cached(key):
    try:
        return cache.get(key)
    except Exception:
        # The cache (Redis) is down: ask the books instead; no guard depends on it.
        logger.warning("QuickBooks cache skipped: the cache is unavailable", exc_info=True)
        return None


def _keep(key, value, seconds):
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("QuickBooks cache skipped: the cache is unavailable", exc_info=True)


def _key(tenant, what, asked):
    digest = hashlib.sha256(repr((what, sorted(asked, key=repr))).encode()).hexdigest()
    return f"books:{tenant.pk}:{digest}"


def _down_key(tenant):
    return f"books:down:{tenant.pk}"


def configured():
    """Whether this desk can ask any books at all (it has QuickBooks app keys)."""
    return bool(settings.QUICKBOOKS_CLIENT_ID)


def unasked(tenant):
    """(`tenant`'s connection, None) where its books can be asked, else (None, the Check
    that says why not): no app keys, no connection, or a grant to renew. One query, none
    without app keys."""
    if not configured():
        return None, not_set_up()
    connection = connection_of(tenant)
    if connection is None:
        return None, not_connected()
    if connection.needs_reconnect:
        return None, Check(status=UNAVAILABLE, reason=connection.last_error)
    return connection, None


def _ask(tenant, asked, what, ask, *, connection=None):
    """Ask the books of `tenant` (`ask(books)` -> a Check), or say why they cannot be."""
    if connection is None:
        connection, cannot = unasked(tenant)
        if cannot is not None:
            return cannot
    key = _key(tenant, what, asked)
    if (kept := _cached(key)) is not None:
        return kept
    if (down := _cached(_down_key(tenant))) is not None:
        return Check(status=UNAVAILABLE, reason=down)
    try:
        answer = ask(books_of(connection))
    except BooksUnavailable as failure:
        _keep(_down_key(tenant), failure.reason, settings.QUICKBOOKS_RETRY_SECONDS)
        services.note_failure(connection, failure)
        return Check(status=UNAVAILABLE, reason=failure.reason)
    if connection.last_error:
        services.note_answer(connection)
    _keep(key, answer, settings.QUICKBOOKS_CACHE_SECONDS)
    return answer


def check(tenant, asked, *, connection=None):
    """What the books hold of `asked` (`books.interface.Asked`s), and their closing date."""

    def ask(books):
        answer = books.find(list(asked))
        return Check(
            status=CHECKED,
            checked_at=timezone.now(),
            found=answer.found,
            closing_date=answer.closing_date,
        )

    return _ask(tenant, asked, "find", ask, connection=connection)


def since(tenant, asked, when, *, connection=None):
    """What the books hold of `asked` now, with what was created or changed since `when`
    (their change feed) added: a transaction keyed in twice in a window shows twice."""

    def ask(books):
        answer = books.find(list(asked))
        seen = {(f.type, f.quickbooks_id) for f in answer.found}
        changed = [
            f
            for f in books.changed_since(list(asked), when)
            if (f.type, f.quickbooks_id) not in seen
        ]
        return Check(
            status=CHECKED,
            checked_at=timezone.now(),
            found=answer.found + changed,
            closing_date=answer.closing_date,
        )

    return _ask(tenant, asked, ("since", when.isoformat()), ask, connection=connection)
