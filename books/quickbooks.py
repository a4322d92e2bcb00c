"""QuickBooks Online as the books, through Intuit's own clients (`intuit-oauth` for the
grant, `python-quickbooks` for the accounting API), read only.

Per check, whatever the number of records: per kind of transaction one query by the ids
our exports recorded, one by number (invoices' `DocNumber`), one by date (look-alikes
keyed in by hand, and payments by reference, which QuickBooks cannot filter on), and one
for the closing date: at most seven requests against Intuit's 500 a minute per company.
Every request is timed (QUICKBOOKS_TIMEOUT_SECONDS); every failure is a BooksUnavailable
that says why in words.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.exceptions import AuthorizationException, QuickbooksException

from books.interface import (
    BY_ID,
    BY_NUMBER,
    INVOICE,
    LOOK_ALIKE,
    PAYMENT,
    Answer,
    BooksUnavailable,
    Found,
)

# Intuit's published OAuth 2.0 endpoints (its discovery document), set here rather than
# fetched from the discovery document before every check.
INTUIT_ENDPOINTS = {
    "auth_endpoint": "https://appcenter.intuit.com/connect/oauth2",
    "token_endpoint": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "revoke_endpoint": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    "user_info_url": "https://accounts.platform.intuit.com/v1/openid_connect/userinfo",
}
API_BASE = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
    "production": "https://quickbooks.api.intuit.com/v3",
}
MINOR_VERSION = 75
# Read-only use of the accounting scope: the desk only queries.
SCOPES = [Scopes.ACCOUNTING]
# An access token is refreshed this long before it expires.
REFRESH_AHEAD = timedelta(minutes=5)

ENTITY = {INVOICE: "Invoice", PAYMENT: "Payment"}
# The field QuickBooks keeps our number in, and whether its queries can filter on it.
NUMBER_FIELD = {INVOICE: ("DocNumber", True), PAYMENT: ("PaymentRefNum", False)}


def _timeout():
    return settings.QUICKBOOKS_TIMEOUT_SECONDS


class _Timed:
    """Every HTTP request of a requests session is given the desk's timeout."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", _timeout())
        return super().request(*args, **kwargs)


class _Session(_Timed, requests.Session):
    """The session python-quickbooks sends its requests with: the access token it reads."""

    def __init__(self, access_token):
        super().__init__()
        self.access_token = access_token


class Grant(_Timed, AuthClient):
    """Intuit's OAuth 2.0 client, with the endpoints of settings (a stand-in's, in tests
    and the demo) instead of a discovery document fetched over the network."""

    def __init__(self, *, redirect_uri="", refresh_token=None, realm_id=None):
        requests.Session.__init__(self)
        self.client_id = settings.QUICKBOOKS_CLIENT_ID
        self.client_secret = settings.QUICKBOOKS_CLIENT_SECRET
        self.redirect_uri = redirect_uri
        self.environment = settings.QUICKBOOKS_ENVIRONMENT
        self.state_token = None
        self.issuer_uri = self.jwks_uri = None
        self.realm_id = realm_id
        self.access_token = self.id_token = None
        self.expires_in = self.x_refresh_token_expires_in = None
        self.refresh_token = refresh_token
        endpoints = dict(INTUIT_ENDPOINTS)
        if settings.QUICKBOOKS_TOKEN_URL:
            endpoints["token_endpoint"] = settings.QUICKBOOKS_TOKEN_URL
        if settings.QUICKBOOKS_AUTH_URL:
            endpoints["auth_endpoint"] = settings.QUICKBOOKS_AUTH_URL
        self.setAuthorizeURLs(endpoints)

    def tokens(self):
        """What a refresh or a code exchange gave: the tokens and when each expires."""
        now = timezone.now()
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "access_expires_at": now + timedelta(seconds=int(self.expires_in or 3600)),
            "refresh_expires_at": now
            + timedelta(seconds=int(self.x_refresh_token_expires_in or 100 * 86400)),
        }


def refreshed(refresh_token):
    """New tokens for a refresh token (Intuit rotates the refresh token too)."""
    grant = Grant(refresh_token=refresh_token)
    with _asking():
        grant.refresh()
    return grant.tokens()


class _Company(QuickBooks):
    """python-quickbooks' client, on the API base of settings (a stand-in's in tests)."""

    @property
    def api_url(self):
        return settings.QUICKBOOKS_API_BASE or API_BASE[settings.QUICKBOOKS_ENVIRONMENT]


class _asking:
    """Turns whatever asking QuickBooks raised into a BooksUnavailable that says why."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None or isinstance(error, BooksUnavailable):
            return False
        raise _unavailable(error) from error


def _unavailable(error):
    if isinstance(error, requests.Timeout):
        return BooksUnavailable(
            f"QuickBooks did not answer within {_timeout():g} seconds. Try again in a "
            "minute; the unlock does not wait for it."
        )
    if isinstance(error, requests.RequestException):
        return BooksUnavailable(
            "QuickBooks could not be reached. Try again in a minute; the unlock does not "
            "wait for it."
        )
    if isinstance(error, AuthClientError):
        return BooksUnavailable(
            "QuickBooks no longer accepts this account's connection (the grant expired or "
            "was revoked). A tenant admin reconnects it in Settings, QuickBooks.",
            reconnect=True,
        )
    if isinstance(error, AuthorizationException):
        return BooksUnavailable(
            "QuickBooks refused this account's connection. A tenant admin reconnects it "
            "in Settings, QuickBooks.",
            reconnect=True,
        )
    if isinstance(error, QuickbooksException):
        text = f"{error.message} {getattr(error, 'detail', '')}"
        if "Throttle" in text or error.error_code == 3001 or "429" in text:
            return BooksUnavailable(
                "QuickBooks asked us to slow down (too many requests this minute). Try "
                "again in a minute."
            )
        if error.error_code == 10000 and "json" in text.lower():
            return BooksUnavailable(
                "QuickBooks sent an answer that could not be read. Try again in a minute; "
                "if it persists, tell support."
            )
        return BooksUnavailable(f"QuickBooks answered with an error: {error.message}.")
    return BooksUnavailable(
        "QuickBooks sent an answer that could not be read. Try again in a minute; if it "
        "persists, tell support."
    )


def _quoted(value):
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _cents(value):
    try:
        return int((Decimal(str(value)) * 100).to_integral_value())
    except (InvalidOperation, ValueError, TypeError) as error:
        raise BooksUnavailable(
            "QuickBooks sent an amount that could not be read. Try again in a minute; if "
            "it persists, tell support."
        ) from error


def _when(value):
    return parse_datetime(value) if isinstance(value, str) else None


def _day(value):
    return parse_date(value) if isinstance(value, str) else None


class QuickBooksOnline:
    """The books of one connected QuickBooks Online company (`books.models.Connection`)."""

    def __init__(self, connection, *, on_tokens):
        self.connection = connection
        # Called with new tokens after a refresh, to keep them (encrypted).
        self.on_tokens = on_tokens
        self._client = None

    # ---------------------------------------------------------------- the session

    def _company(self):
        if self._client is None:
            connection = self.connection
            expires = connection.access_expires_at
            if (
                not connection.access_token
                or expires is None
                or expires - REFRESH_AHEAD <= (timezone.now())
            ):
                self._refresh()
            client = _Company(company_id=connection.realm_id, minorversion=MINOR_VERSION)
            client.use_decimal = True
            client.session = _Session(connection.access_token)
            self._client = client
        return self._client

    def _refresh(self):
        self.on_tokens(self.connection, refreshed(self.connection.refresh_token))
        self._client = None

    def _call(self, ask):
        """`ask(client)`, refreshing the grant once if QuickBooks answers 401."""
        with _asking():
            try:
                return ask(self._company())
            except AuthorizationException:
                self._refresh()
                return ask(self._company())

    def _rows(self, entity, field, values):
        if not values:
            return []
        listed = ", ".join(_quoted(v) for v in sorted(values))
        answer = self._call(
            lambda qb: qb.query(
                # QuickBooks' query language, each value quoted and escaped (_quoted).
                f"SELECT * FROM {entity} WHERE {field} IN ({listed}) MAXRESULTS 1000"  # noqa: S608
            )
        )
        try:
            return list(answer["QueryResponse"].get(entity, []))
        except (KeyError, TypeError, AttributeError) as error:
            raise _unavailable(error) from error

    # ---------------------------------------------------------------- Books

    def find(self, asked):
        found = []
        for kind in (INVOICE, PAYMENT):
            mine = [a for a in asked if a.type == kind]
            if mine:
                found.extend(self._found(kind, mine))
        return Answer(found=found, closing_date=self._closing_date())

    def _found(self, kind, asked):
        entity = ENTITY[kind]
        number_field, filterable = NUMBER_FIELD[kind]
        rows = {}
        ids = {i for a in asked for i in a.export_ids}
        queries = [("Id", ids), ("TxnDate", {a.date.isoformat() for a in asked if a.date})]
        if filterable:
            queries.insert(1, (number_field, {a.number for a in asked}))
        for field, values in queries:
            for row in self._rows(entity, field, values):
                rows[str(row.get("Id"))] = row
        return _matched(kind, asked, rows.values(), number_field)

    def _closing_date(self):
        answer = self._call(lambda qb: qb.query("SELECT * FROM Preferences"))
        try:
            [preferences] = answer["QueryResponse"]["Preferences"]
            return _day(preferences.get("AccountingInfoPrefs", {}).get("BookCloseDate"))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise _unavailable(error) from error

    def changed_since(self, asked, since):
        entities = ",".join(
            ENTITY[k] for k in (INVOICE, PAYMENT) if any(a.type == k for a in asked)
        )
        if not entities:
            return []
        answer = self._call(lambda qb: qb.change_data_capture(entities, since.isoformat()))
        found = []
        try:
            [feed] = answer["CDCResponse"]
            for part in feed["QueryResponse"]:
                for kind in (INVOICE, PAYMENT):
                    rows = [r for r in part.get(ENTITY[kind], []) if r.get("status") != "Deleted"]
                    mine = [a for a in asked if a.type == kind]
                    found.extend(_matched(kind, mine, rows, NUMBER_FIELD[kind][0]))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise _unavailable(error) from error
        return found


def _matched(kind, asked, rows, number_field):
    """Which rows answer which of `asked`: by the ids our exports recorded, by number, and
    as look-alikes (same customer, amount and date, another number, not ours)."""
    ours = {i for a in asked for i in a.export_ids}
    numbers = {a.number for a in asked}
    rows = [_row(kind, r, number_field) for r in rows]
    found = []
    for a in asked:
        for row in rows:
            how = None
            if row["quickbooks_id"] in a.export_ids:
                how = BY_ID
            elif row["number"] == a.number:
                how = BY_NUMBER
            elif (
                row["quickbooks_id"] not in ours
                and row["number"] not in numbers
                and a.customer
                and row["customer"].casefold() == a.customer.casefold()
                and row["amount_cents"] == a.amount_cents
                and row["date"] == a.date
            ):
                how = LOOK_ALIKE
            if how is not None:
                found.append(
                    Found(
                        type=kind,
                        asked_number=a.number,
                        how=how,
                        by_export=row["quickbooks_id"] in a.export_ids,
                        **row,
                    )
                )
    return found


def _row(kind, row, number_field):
    try:
        meta = row.get("MetaData") or {}
        return {
            "quickbooks_id": str(row["Id"]),
            "number": str(row.get(number_field) or ""),
            "amount_cents": _cents(row.get("TotalAmt", 0)),
            "customer": str((row.get("CustomerRef") or {}).get("name") or ""),
            "date": _day(row.get("TxnDate")),
            "created_at": _when(meta.get("CreateTime")),
            "updated_at": _when(meta.get("LastUpdatedTime")),
        }
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise _unavailable(error) from error


def authorization_url(redirect_uri, state):
    """Where a tenant admin is sent to grant read access to their QuickBooks company."""
    return Grant(redirect_uri=redirect_uri).get_authorization_url(SCOPES, state_token=state)


def exchanged(redirect_uri, code, realm_id):
    """The tokens Intuit gives for the code its consent screen sent back."""
    grant = Grant(redirect_uri=redirect_uri, realm_id=realm_id)
    with _asking():
        grant.get_bearer_token(code, realm_id=realm_id)
    return grant.tokens()
