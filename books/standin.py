"""A local stand-in for the part of QuickBooks Online the desk uses, written from Intuit's
published API reference: the OAuth 2.0 authorization and token endpoints, the accounting
API's `query` (Invoice, Payment, Preferences) and `cdc`, their JSON, `Fault` errors, 401
and 429. Intuit publishes no fake; the tests and the demo (`manage.py quickbooks_standin`)
run this one on loopback, and the desk talks to it through the same clients as to Intuit.

    company = Company(realm_id="9130")
    company.add_invoice("INV-1001", "410.00", "Jones Residence", "2026-11-03")
    with serving(company) as base:   # http://127.0.0.1:PORT
        ...
"""

import json
import re
import secrets
import threading
import time
from base64 import b64decode
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "standin-id"
CLIENT_SECRET = "standin-key"  # noqa: S105 - the stand-in's own, not a secret
TOKEN_PATH = "/oauth2/v1/tokens/bearer"  # noqa: S105 - a path
AUTH_PATH = "/connect/oauth2"
API_PATH = "/v3"

_SELECT = re.compile(
    r"^\s*select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<field>[\w.]+)\s+in\s+\((?P<values>.*)\))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_VALUE = re.compile(r"'((?:[^'\\]|\\.)*)'")
NUMBER_FIELD = {"Invoice": "DocNumber", "Payment": "PaymentRefNum"}
FILTERABLE = {"Invoice": {"Id", "DocNumber", "TxnDate"}, "Payment": {"Id", "TxnDate"}}


def _stamp(when=None):
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def _fault(kind, code, message, detail=""):
    return {
        "Fault": {
            "Error": [{"Message": message, "Detail": detail, "code": str(code)}],
            "type": kind,
        },
        "time": _stamp(),
    }


class Company:
    """One QuickBooks Online company: its transactions, preferences and grants."""

    def __init__(self, realm_id="9130356273", *, closing_date=None):
        self.realm_id = realm_id
        self.rows = {"Invoice": [], "Payment": []}
        self.closing_date = closing_date
        self.access_tokens = set()
        self.refresh_tokens = set()
        self.codes = set()
        self.requests = []
        # Scripted misbehaviour for the next requests: "timeout", "429", "malformed",
        # "fault", "401" (the access token no longer accepted), "revoked" (the grant).
        self.next_failures = []
        self.revoked = False
        self.delay = 0.0
        self._next_id = 100

    # ---------------------------------------------------------------- the books

    def _add(self, entity, number, amount, customer, date, *, id=None, created=None, updated=None):
        self._next_id += 1
        row = {
            "Id": str(id or self._next_id),
            NUMBER_FIELD[entity]: number,
            "TotalAmt": float(amount),
            "CustomerRef": {"value": "1", "name": customer},
            "TxnDate": date,
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": _stamp(created),
                "LastUpdatedTime": _stamp(updated or created),
            },
        }
        self.rows[entity].append(row)
        return row

    def add_invoice(self, number, amount, customer, date, **kwargs):
        return self._add("Invoice", number, amount, customer, date, **kwargs)

    def add_payment(self, number, amount, customer, date, **kwargs):
        return self._add("Payment", number, amount, customer, date, **kwargs)

    def delete(self, row, at=None):
        row["status"] = "Deleted"
        row["MetaData"]["LastUpdatedTime"] = _stamp(at)

    def live(self, entity):
        return [r for r in self.rows[entity] if r.get("status") != "Deleted"]

    # ---------------------------------------------------------------- grants

    def grant(self):
        """A fresh pair of tokens, as the token endpoint would give."""
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": 3600,
            "x_refresh_token_expires_in": 8726400,
        }

    def expire_access_tokens(self):
        self.access_tokens.clear()

    def kinds_asked(self):
        return [r for r in self.requests if r != "token"]


class _Handler(BaseHTTPRequestHandler):
    company: Company

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _failure(self):
        company = self.company
        if company.delay:
            time.sleep(company.delay)
        if not company.next_failures:
            return False
        failure = company.next_failures.pop(0)
        if failure == "timeout":
            time.sleep(30)
            return True
        if failure == "429":
            self._send(
                429,
                _fault(
                    "SERVICE",
                    3001,
                    "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "The request limit was reached.",
                ),
                headers=[("Retry-After", "60")],
            )
        elif failure == "malformed":
            self._send(200, b"<html>Service Unavailable</html>", content_type="text/html")
        elif failure == "fault":
            self._send(500, _fault("SystemFault", 10000, "An application error has occurred", ""))
        elif failure == "401":
            company.expire_access_tokens()
            return False
        return True

    def _authorised(self):
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and header[7:] in self.company.access_tokens:
            return True
        self._send(
            401,
            _fault(
                "AUTHENTICATION",
                3200,
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "Token expired",
            ),
        )
        return False

    def _company_path(self, path):
        match = re.fullmatch(rf"{API_PATH}/company/(\w+)/(query|cdc)", path)
        if match is None or match.group(1) != self.company.realm_id:
            self._send(404, _fault("ValidationFault", 610, "Object Not Found", path))
            return None
        return match.group(2)

    # ---------------------------------------------------------------- endpoints

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == AUTH_PATH:
            return self._consent(parse_qs(url.query))
        if self._company_path(url.path) != "cdc":
            return None
        self.company.requests.append("cdc")
        if self._failure() or not self._authorised():
            return None
        query = parse_qs(url.query)
        since = datetime.fromisoformat(query["changedSince"][0].replace("Z", "+00:00"))
        parts = []
        for entity in query["entities"][0].split(","):
            changed = [
                r
                for r in self.company.rows.get(entity, [])
                if datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]) >= since
            ]
            rows = [
                {"Id": r["Id"], "status": "Deleted", "MetaData": r["MetaData"]}
                if r.get("status") == "Deleted"
                else r
                for r in changed
            ]
            parts.append({entity: rows, "startPosition": 1, "maxResults": len(rows)})
        self._send(200, {"CDCResponse": [{"QueryResponse": parts}], "time": _stamp()})

    def do_POST(self):
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if url.path == TOKEN_PATH:
            return self._token(parse_qs(body))
        if self._company_path(url.path) != "query":
            return None
        self.company.requests.append("query")
        if self._failure() or not self._authorised():
            return None
        self._query(body)

    def _consent(self, query):
        """Intuit's consent screen, answered yes at once: back to the app with a code."""
        code = secrets.token_urlsafe(12)
        self.company.codes.add(code)
        back = {"code": code, "state": query["state"][0], "realmId": self.company.realm_id}
        self.send_response(302)
        self.send_header("Location", f"{query['redirect_uri'][0]}?{urlencode(back)}")
        self.end_headers()

    def _token(self, form):
        self.company.requests.append("token")
        basic = self.headers.get("Authorization", "")
        try:
            who = b64decode(basic.removeprefix("Basic ")).decode()
        except ValueError:
            who = ""
        if who != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return self._send(401, {"error": "invalid_client"})
        grant_type = form.get("grant_type", [""])[0]
        if grant_type == "refresh_token":
            token = form.get("refresh_token", [""])[0]
            if self.company.revoked or token not in self.company.refresh_tokens:
                return self._send(400, {"error": "invalid_grant"})
        elif grant_type == "authorization_code":
            code = form.get("code", [""])[0]
            if code not in self.company.codes:
                return self._send(400, {"error": "invalid_grant"})
            self.company.codes.discard(code)
        else:
            return self._send(400, {"error": "unsupported_grant_type"})
        self._send(200, self.company.grant())

    def _query(self, text):
        match = _SELECT.match(text)
        if match is None:
            return self._send(
                400,
                _fault("ValidationFault", 4000, "Error parsing query", f"QueryParserError: {text}"),
            )
        entity = match.group("entity")
        if entity == "Preferences":
            prefs = {"AccountingInfoPrefs": {}}
            if self.company.closing_date:
                prefs["AccountingInfoPrefs"]["BookCloseDate"] = self.company.closing_date
            return self._send(200, {"QueryResponse": {"Preferences": [prefs]}, "time": _stamp()})
        if entity not in self.company.rows:
            return self._send(
                400, _fault("ValidationFault", 4000, "Error parsing query", f"No {entity}")
            )
        rows = self.company.live(entity)
        if field := match.group("field"):
            if field not in FILTERABLE[entity]:
                return self._send(
                    400,
                    _fault(
                        "ValidationFault",
                        4001,
                        "Invalid query",
                        f"QueryValidationError: property '{field}' is not queryable",
                    ),
                )
            values = {
                v.replace("\\'", "'").replace("\\\\", "\\")
                for v in _VALUE.findall(match.group("values"))
            }
            rows = [r for r in rows if str(r.get(field)) in values]
        rows = rows[: int(match.group("max") or 100)]
        answer = {"startPosition": 1, "maxResults": len(rows)}
        if rows:
            answer[entity] = rows
        self._send(200, {"QueryResponse": answer, "time": _stamp()})


@contextmanager
def serving(company, port=0):
    """Serve `company` on 127.0.0.1 (`port`, or any free one); yields the base address."""
    handler = type("Handler", (_Handler,), {"company": company})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def settings_for(base):
    """The desk's settings that point it at a stand-in served at `base`."""
    return {
        "QUICKBOOKS_CLIENT_ID": CLIENT_ID,
        "QUICKBOOKS_CLIENT_SECRET": CLIENT_SECRET,
        "QUICKBOOKS_API_BASE": f"{base}{API_PATH}",
        "QUICKBOOKS_TOKEN_URL": f"{base}{TOKEN_PATH}",
        "QUICKBOOKS_AUTH_URL": f"{base}{AUTH_PATH}",
    }
