"""What the desk asks a customer's books and what they answer, behind one small interface.

QuickBooks Online is the one kind of books today (`books.quickbooks`); Xero or QuickBooks
Desktop would be another class with the same two methods. Nothing here knows HTTP.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

INVOICE = "invoice"
PAYMENT = "payment"

# How a transaction was found: by the id our export recorded, by its number, or as a
# look-alike keyed in by hand (same customer, amount and date, another number).
BY_ID = "id"
BY_NUMBER = "number"
LOOK_ALIKE = "look-alike"


class BooksUnavailable(Exception):
    """The books could not be asked; `reason` says why, in words, and what to do."""

    def __init__(self, reason, *, reconnect=False):
        super().__init__(reason)
        self.reason = reason
        # The connection itself no longer works (an expired or revoked grant).
        self.reconnect = reconnect


@dataclass(frozen=True)
class Asked:
    """One of our transactions, as the books are asked about it."""

    type: str
    number: str
    customer: str = ""
    amount_cents: int = 0
    date: dt.date | None = None
    # The ids our exports of it were given in the books, and when it was last exported.
    export_ids: tuple = ()
    exported_at: dt.datetime | None = None


@dataclass(frozen=True)
class Found:
    """A transaction in the books that answers one of ours (`asked_number`)."""

    type: str
    asked_number: str
    how: str
    quickbooks_id: str
    number: str
    amount_cents: int
    customer: str
    date: dt.date | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    # Created by our export (its id is in our export history), not keyed in by hand.
    by_export: bool


@dataclass
class Answer:
    found: list = field(default_factory=list)
    # The books' closing date: nothing on or before it changes without its password.
    closing_date: dt.date | None = None


class Books(Protocol):
    def find(self, asked: list) -> Answer:
        """Every transaction of the books that answers one of `asked`, and the closing
        date; a constant number of requests, whatever the number of records."""

    def changed_since(self, asked: list, since: dt.datetime) -> list:
        """The transactions answering `asked` that were created or changed since `since`,
        deleted ones left out (the books' change feed)."""
