"""Every URL of the project × every kind of user: each gets exactly what it may.

The table below has one row per pattern the URL resolver knows (API, PIN page, tenant
pages, receipts, sign-in pages, the console, health, schema and docs), built on the
demo data with concrete ids. A new URL without a row fails `test_every_url_has_a_row`.

Where the mere existence of another tenant's request would leak (an approval link, a
receipt), the answer is 404, never 403. Pages that may be shown must not carry the
other tenant's data.
"""

import json
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import ApiClient, SecurityAction, SecurityEvent, Tenant, User
from accounts.services import create_api_client, revoke_api_client
from audit.actors import Actor
from audit.models import AuditEntry
from notifications.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from unlocks import services
from unlocks.consent import current_consent
from unlocks.links import approval_token
from unlocks.management.commands.seed_demo import DEMO_API_KEY
from unlocks.models import Batch, ConsentText, Invoice, Payment
from unlocks.tests.conftest import open_for

AGENT_ACTOR = Actor(kind="agent", label="agent@support.example", ip="10.0.0.9", user_agent="t")

# The kinds of user.
ANON = "anonymous"
MEMBER = "member of acme"
ADMIN_A = "admin of acme"
ADMIN_B = "admin of birch"
STAFF = "staff without the group"
AGENT = "support agent"
CLIENT = "api client"
REVOKED = "revoked api client"
USERS = [ANON, MEMBER, ADMIN_A, ADMIN_B, STAFF, AGENT, CLIENT, REVOKED]
NOT_STAFF = [ANON, MEMBER, ADMIN_A, ADMIN_B, CLIENT, REVOKED]
NO_SESSION = [ANON, CLIENT, REVOKED]
SIGNED_IN = [MEMBER, ADMIN_A, ADMIN_B, STAFF, AGENT]

# What a response may be: a status code, or a redirect to a sign-in page.
ADMIN_LOGIN = "→ /admin/login/"
LOGIN = "→ /accounts/login/"


def everyone(outcome):
    return dict.fromkeys(USERS, outcome)


# Console pages: staff without the group are refused, others are sent to sign in.
def console(agent, staff=403):
    return {**dict.fromkeys(NOT_STAFF, ADMIN_LOGIN), STAFF: staff, AGENT: agent}


# The API: API clients and agents may; tenant users are never API users (403 once
# signed in); no key or a revoked one is 401.
def api(ok):
    return {
        ANON: 401,
        MEMBER: 403,
        ADMIN_A: 403,
        ADMIN_B: 403,
        STAFF: 403,
        AGENT: ok,
        CLIENT: ok,
        REVOKED: 401,
    }


# A page about one of acme's requests: acme's admin sees it, acme's member is told that
# only admins may, and for everyone else it does not exist.
def acme_page(admin=200):
    return {
        **dict.fromkeys(NO_SESSION, LOGIN),
        MEMBER: 403,
        ADMIN_A: admin,
        ADMIN_B: 404,
        STAFF: 404,
        AGENT: 404,
    }


@dataclass
class Row:
    path: str
    expected: dict
    method: str = "get"
    data: dict = field(default_factory=dict)


# What the Support agents group may do with each model in the console.
CONSOLE_MODELS = {
    "auth.group": "",
    "axes.accessattempt": "",
    "axes.accesslog": "",
    "axes.accessfailurelog": "",
    "accounts.user": "",
    "accounts.tenant": "view",
    "accounts.apiclient": "",
    "accounts.securityevent": "",
    "audit.auditentry": "view",
    "unlocks.batch": "view",
    "unlocks.invoice": "view",
    "unlocks.payment": "view",
    "unlocks.consenttext": "view",
    "unlocks.unlockrequest": "view add",
    "notifications.webhookendpoint": "",
    "notifications.outboxmessage": "view",
    "notifications.webhookdelivery": "view",
}


@pytest.fixture
def world(demo, settings):
    """The demo data with one of every object a URL names."""
    settings.API_THROTTLE_RATE = "100000/minute"
    # Metrics are served: to the scraper's token, never to a session or an API key.
    settings.METRICS_TOKEN = "scraper-token-for-tests"
    cache.clear()
    acme = Tenant.objects.get(slug="acme-hvac")
    birch = Tenant.objects.get(slug="birch-plumbing")
    WebhookEndpoint.objects.create(name="helpdesk", url="https://helpdesk.example/hooks")

    def open_(tenant, record_type, number):
        return open_for(
            tenant.slug,
            targets=[{"type": record_type, "number": number}],
            caller_email="dana@acme.example",
            actor=AGENT_ACTOR,
        )

    pending = open_(acme, "invoice", "INV-2001")
    completed = open_(acme, "payment", "PAY-2002")
    services.verify_and_unlock(
        request_id=completed.pk,
        approver_email="pat@acme.example",
        pin="483920",
        consent_version=current_consent().version,
        consent_accepted=True,
        duplicate_risk_acknowledged=True,
        actor=AGENT_ACTOR,
    )
    birch_pending = open_(birch, "invoice", "INV-3002")
    User.objects.create_user("staff@support.example", is_staff=True)
    revoked, _ = create_api_client(name="old-helpdesk", key="revoked-key-00000000000000000000")
    revoke_api_client(client=revoked)
    attempt = AccessAttempt.objects.create(
        username="x@example.com", ip_address="203.0.113.1", failures_since_start=1
    )
    log = AccessLog.objects.create(username="x@example.com", ip_address="203.0.113.1")
    failure = AccessFailureLog.objects.create(username="x@example.com", ip_address="203.0.113.1")
    user = User.objects.get(email="dana@acme.example")
    LogEntry.objects.log_actions(
        user_id=User.objects.get(email="lead@support.example").pk,
        queryset=[user],
        action_flag=2,
        change_message="test",
        single_object=True,
    )
    objects = {
        "auth.group": Group.objects.get(name="Support agents"),
        "axes.accessattempt": attempt,
        "axes.accesslog": log,
        "axes.accessfailurelog": failure,
        "accounts.user": user,
        "accounts.tenant": acme,
        "accounts.apiclient": ApiClient.objects.get(name="helpdesk-demo"),
        "accounts.securityevent": SecurityEvent.objects.create(
            email="x@example.com", action=SecurityAction.SIGNED_IN
        ),
        "audit.auditentry": AuditEntry.objects.filter(tenant=acme).first(),
        "unlocks.batch": Batch.objects.get(tenant=acme, number="B-1001"),
        "unlocks.invoice": Invoice.objects.get(tenant=acme, number="INV-1001"),
        "unlocks.payment": Payment.objects.get(tenant=acme, number="PAY-1001"),
        "unlocks.consenttext": ConsentText.objects.get(version=1),
        "unlocks.unlockrequest": pending,
        "notifications.webhookendpoint": WebhookEndpoint.objects.get(),
        "notifications.outboxmessage": OutboxMessage.objects.filter(reference=pending.pk).first(),
        "notifications.webhookdelivery": WebhookDelivery.objects.filter(
            reference=pending.pk
        ).first(),
    }
    assert all(objects.values()), objects
    return {
        "pending": pending,
        "completed": completed,
        "birch_pending": birch_pending,
        "objects": objects,
        "user_type": ContentType.objects.get_for_model(User).pk,
        "dana": user,
        "acme": acme,
    }


def table(world):
    """pattern → the row that tries it."""
    pending, completed = world["pending"], world["completed"]
    rows = {
        # Sign-in pages: open to all; a signed-in tenant user is sent on from sign-in.
        "accounts/login/": Row(
            "/accounts/login/",
            {**dict.fromkeys(NO_SESSION, 200), **dict.fromkeys(SIGNED_IN, 302)},
        ),
        "accounts/logout/": Row("/accounts/logout/", everyone(302), method="post"),
        "accounts/signed-out/": Row("/accounts/signed-out/", everyone(200)),
        "accounts/password-reset/": Row("/accounts/password-reset/", everyone(200)),
        "accounts/password-reset/sent/": Row("/accounts/password-reset/sent/", everyone(200)),
        "accounts/reset/<uidb64>/<token>/": Row("/accounts/reset/MQ/not-a-token/", everyone(200)),
        "accounts/reset/done/": Row("/accounts/reset/done/", everyone(200)),
        # The front door sends each person on: to sign in, the console, their requests or
        # "was this exported?".
        "": Row("/", {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 302)}),
        # The PIN page, the tenant's list and receipts.
        "approve/<str:token>/": Row(f"/approve/{approval_token(pending)}/", acme_page()),
        # The passkey's challenge for approving: acme's admin holds no passkey in the demo.
        "approve/<str:token>/passkey/": Row(
            f"/approve/{approval_token(pending)}/passkey/", acme_page(admin=400), method="post"
        ),
        # Cancelling from the PIN page (an admin, awaiting a second approval): with no
        # reason, acme's admin is asked for one.
        "approve/<str:token>/cancel/": Row(
            f"/approve/{approval_token(pending)}/cancel/", acme_page(admin=400), method="post"
        ),
        "receipts/<uuid:request_id>/": Row(f"/receipts/{completed.pk}/", acme_page()),
        "receipts/<uuid:request_id>/evidence.json": Row(
            f"/receipts/{completed.pk}/evidence.json", acme_page()
        ),
        # Re-lock now, from the receipt: with no reason, acme's admin is asked for one.
        "receipts/<uuid:request_id>/relock/": Row(
            f"/receipts/{completed.pk}/relock/", acme_page(admin=400), method="post"
        ),
        "requests/": Row(
            "/requests/",
            {
                **dict.fromkeys(NO_SESSION, LOGIN),
                MEMBER: 403,
                ADMIN_A: 200,
                ADMIN_B: 200,
                STAFF: 403,
                AGENT: 403,
            },
        ),
        # What tenants do themselves: the account PIN (its admins), "was this exported?"
        # (all its people). Another tenant's page or record does not exist.
        "settings/pin/": Row(
            "/settings/pin/",
            {
                **dict.fromkeys(NO_SESSION, LOGIN),
                MEMBER: 403,
                ADMIN_A: 302,  # to /settings/pin/acme-hvac/
                ADMIN_B: 302,
                STAFF: 403,
                AGENT: 403,
            },
        ),
        "settings/pin/<slug:slug>/": Row("/settings/pin/acme-hvac/", acme_page()),
        # The two-approver policy: its admins; another tenant's does not exist.
        "settings/approvals/": Row(
            "/settings/approvals/",
            {
                **dict.fromkeys(NO_SESSION, LOGIN),
                MEMBER: 403,
                ADMIN_A: 302,  # to /settings/approvals/acme-hvac/
                ADMIN_B: 302,
                STAFF: 403,
                AGENT: 403,
            },
        ),
        "settings/approvals/<slug:slug>/": Row("/settings/approvals/acme-hvac/", acme_page()),
        # The account's QuickBooks connection: its admins; another tenant's does not exist.
        "settings/quickbooks/": Row(
            "/settings/quickbooks/",
            {
                **dict.fromkeys(NO_SESSION, LOGIN),
                MEMBER: 403,
                ADMIN_A: 302,  # to /settings/quickbooks/acme-hvac/
                ADMIN_B: 302,
                STAFF: 403,
                AGENT: 403,
            },
        ),
        "settings/quickbooks/<slug:slug>/": Row("/settings/quickbooks/acme-hvac/", acme_page()),
        # Without app keys, connecting says so on the settings page.
        "settings/quickbooks/<slug:slug>/connect/": Row(
            "/settings/quickbooks/acme-hvac/connect/", acme_page(admin=302), method="post"
        ),
        "settings/quickbooks/<slug:slug>/disconnect/": Row(
            "/settings/quickbooks/acme-hvac/disconnect/", acme_page(admin=302), method="post"
        ),
        # An answer from Intuit that this session did not ask for: back to the settings.
        "settings/quickbooks/callback/": Row(
            "/settings/quickbooks/callback/?state=forged",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 302)},
        ),
        # A person's own second factor: everyone signed in has one page of their own. A
        # session that passed no factor is sent to pass one before making recovery codes;
        # finishing a sign-in with a factor sends those who hold none to set one up.
        # An enrolment link that is nobody's: refused, saying why (it never works for
        # another person), for everyone signed in.
        "accounts/enrol/<str:token>/": Row(
            "/accounts/enrol/not-a-token/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 403)},
        ),
        "accounts/second-factor/": Row(
            "/accounts/second-factor/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 302)},
        ),
        # Everyone signed in chooses their own zone; a tenant's, only its admins (the page
        # offers each admin their own tenants alone).
        "settings/time-zone/": Row(
            "/settings/time-zone/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 200)},
        ),
        "settings/second-factor/": Row(
            "/settings/second-factor/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 200)},
        ),
        "settings/second-factor/app/": Row(
            "/settings/second-factor/app/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 200)},
        ),
        "settings/second-factor/recovery-codes/": Row(
            "/settings/second-factor/recovery-codes/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 302)},
            method="post",
        ),
        # Passkeys: the browser's script asks for a ceremony's options and sends its answer.
        # Nobody here holds a passkey to sign with; an empty answer is refused.
        "accounts/second-factor/passkey/": Row(
            "/accounts/second-factor/passkey/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 400)},
            method="post",
        ),
        "settings/second-factor/passkeys/begin/": Row(
            "/settings/second-factor/passkeys/begin/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 200)},
            method="post",
        ),
        "settings/second-factor/passkeys/": Row(
            "/settings/second-factor/passkeys/",
            {**dict.fromkeys(NO_SESSION, LOGIN), **dict.fromkeys(SIGNED_IN, 400)},
            method="post",
        ),
        # A tenant's approval setting: its admins; another tenant's does not exist.
        "settings/second-factor/<slug:slug>/": Row(
            "/settings/second-factor/acme-hvac/", acme_page()
        ),
        "records/": Row(
            "/records/?tenant=acme-hvac&number=B-1002",
            {
                **dict.fromkeys(NO_SESSION, LOGIN),
                MEMBER: 200,
                ADMIN_A: 200,
                ADMIN_B: 404,
                STAFF: 403,
                AGENT: 403,
            },
        ),
        # The API.
        "api/v1/consent/": Row("/api/v1/consent/", api(200)),
        "api/v1/unlock-requests/": Row("/api/v1/unlock-requests/", api(200)),
        "api/v1/unlock-requests/preview/": Row(
            "/api/v1/unlock-requests/preview/", api(400), method="post"
        ),
        "api/v1/unlock-requests/<uuid:request_id>/": Row(
            f"/api/v1/unlock-requests/{pending.pk}/", api(200)
        ),
        "api/v1/unlock-requests/<uuid:request_id>/evidence/": Row(
            f"/api/v1/unlock-requests/{completed.pk}/evidence/", api(200)
        ),
        "api/v1/unlock-requests/<uuid:request_id>/verify/": Row(
            f"/api/v1/unlock-requests/{pending.pk}/verify/", api(400), method="post"
        ),
        "api/v1/unlock-requests/<uuid:request_id>/cancel/": Row(
            f"/api/v1/unlock-requests/{pending.pk}/cancel/", api(400), method="post"
        ),
        "api/v1/unlock-requests/<uuid:request_id>/relock/": Row(
            f"/api/v1/unlock-requests/{completed.pk}/relock/", api(400), method="post"
        ),
        # An id that is no UUID: the same 404 for everyone, before any credentials are read.
        (
            "api/v1/^unlock-requests/(?P<request_id>[^/]+)/(?:verify/|cancel/|relock/|evidence/)?$"
        ): Row("/api/v1/unlock-requests/not-a-uuid/verify/", everyone(404), method="post"),
        "api/v1/tenants/<slug:slug>/records/<str:record_type>/<str:number>/": Row(
            "/api/v1/tenants/acme-hvac/records/batch/B-1001/", api(200)
        ),
        "api/v1/audit/": Row("/api/v1/audit/?tenant=acme-hvac", api(200)),
        "api/v1/audit/verify/": Row("/api/v1/audit/verify/?tenant=acme-hvac", api(200)),
        "^api/": Row("/api/v2/anything/", everyone(404)),
        # Public: health, the schema and its docs.
        "healthz": Row("/healthz", everyone(200)),
        "readyz": Row("/readyz", everyone(200)),
        "metrics": Row("/metrics", everyone(401)),
        ".well-known/unlock-desk-keys.json": Row(
            "/.well-known/unlock-desk-keys.json", everyone(200)
        ),
        "api/schema/": Row("/api/schema/", {**everyone(200), REVOKED: 401}),
        "api/docs/": Row("/api/docs/", {**everyone(200), REVOKED: 401}),
        # The console's own pages.
        "admin/": Row("/admin/", console(agent=200, staff=200)),
        "admin/login/": Row("/admin/login/", {**everyone(200), STAFF: 302, AGENT: 302}),
        "admin/logout/": Row(
            "/admin/logout/", {**everyone(302), STAFF: 200, AGENT: 200}, method="post"
        ),
        "admin/password_change/": Row("/admin/password_change/", console(200, staff=200)),
        "admin/password_change/done/": Row("/admin/password_change/done/", console(200, staff=200)),
        "admin/autocomplete/": Row("/admin/autocomplete/", console(403, staff=403)),
        "admin/jsi18n/": Row("/admin/jsi18n/", console(200, staff=200)),
        "admin/r/<path:content_type_id>/<path:object_id>/": Row(
            f"/admin/r/{world['user_type']}/{world['dana'].pk}/", console(404, staff=404)
        ),
        "admin/^(?P<app_label>axes|auth|accounts|audit|unlocks|notifications)/$": Row(
            "/admin/unlocks/", console(200, staff=404)
        ),
        "admin/(?P<url>.*)$": Row("/admin/no-such-page/", console(404, staff=404)),
        "admin/accounts/user/<id>/password/": Row(
            f"/admin/accounts/user/{world['dana'].pk}/password/", console(403)
        ),
        "admin/audit/auditentry/export.csv": Row(
            f"/admin/audit/auditentry/export.csv?tenant__id__exact={world['acme'].pk}", console(200)
        ),
        "admin/audit/auditentry/verify/": Row(
            f"/admin/audit/auditentry/verify/?tenant={world['acme'].pk}", console(200)
        ),
        "admin/unlocks/unlockrequest/lookup/": Row(
            "/admin/unlocks/unlockrequest/lookup/?q=acme-hvac+B-1001", console(200)
        ),
        "admin/unlocks/unlockrequest/open/": Row(
            "/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=batch:B-1001",
            console(200),
        ),
        "admin/unlocks/unlockrequest/<path:object_id>/verify/": Row(
            f"/admin/unlocks/unlockrequest/{pending.pk}/verify/", console(200), method="post"
        ),
        "admin/unlocks/unlockrequest/<path:object_id>/cancel/": Row(
            f"/admin/unlocks/unlockrequest/{pending.pk}/cancel/", console(200), method="post"
        ),
        "admin/unlocks/unlockrequest/<path:object_id>/evidence/": Row(
            f"/admin/unlocks/unlockrequest/{completed.pk}/evidence/", console(200)
        ),
        "admin/unlocks/unlockrequest/<path:object_id>/relock/": Row(
            f"/admin/unlocks/unlockrequest/{completed.pk}/relock/", console(200), method="post"
        ),
    }
    for label, may in CONSOLE_MODELS.items():
        app, model = label.split(".")
        base = f"admin/{app}/{model}/"
        pk = world["objects"][label].pk
        view = 200 if "view" in may else 403
        add = 200 if "add" in may else 403
        if label == "unlocks.unlockrequest":
            add = 302  # to the console's own opening page
        rows[base] = Row(f"/{base}", console(view))
        rows[f"{base}add/"] = Row(f"/{base}add/", console(add))
        rows[f"{base}<path:object_id>/history/"] = Row(f"/{base}{pk}/history/", console(view))
        rows[f"{base}<path:object_id>/delete/"] = Row(f"/{base}{pk}/delete/", console(403))
        rows[f"{base}<path:object_id>/change/"] = Row(f"/{base}{pk}/change/", console(view))
        rows[f"{base}<path:object_id>/"] = Row(f"/{base}{pk}/", console(302, staff=302))
    return rows


def url_patterns(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def client_for(user):
    client = Client(REMOTE_ADDR="198.51.100.4")
    people = {
        MEMBER: "dana@acme.example",
        ADMIN_A: "pat@acme.example",
        ADMIN_B: "sam@birch.example",
        AGENT: "agent@support.example",
    }
    if user in people:
        client.force_login(User.objects.get(email=people[user]))
    elif user == STAFF:
        client.force_login(User.objects.get(email="staff@support.example"))
    elif user == CLIENT:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {DEMO_API_KEY}"
    elif user == REVOKED:
        client.defaults["HTTP_AUTHORIZATION"] = "Token revoked-key-00000000000000000000"
    return client


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
    return response.status_code


def secrets_of_the_other_tenant(user, world):
    """What must never appear in anything this user is shown."""
    acme = [str(world["pending"].pk), str(world["completed"].pk), "Acme Heating"]
    birch = [str(world["birch_pending"].pk), "Birch Plumbing"]
    return {
        ANON: acme + birch,
        REVOKED: acme + birch,
        STAFF: acme + birch,
        MEMBER: birch,
        ADMIN_A: birch,
        ADMIN_B: acme,
    }.get(user, [])


def test_every_url_has_a_row(world):
    assert sorted(set(url_patterns()) - set(table(world))) == []
    assert sorted(set(table(world)) - set(url_patterns())) == []


@pytest.mark.parametrize("user", USERS)
def test_each_kind_of_user_gets_exactly_what_it_may_at_every_url(world, user):
    wrong, leaks = [], []
    for row in table(world).values():
        # A fresh client for each row: a sign-out row must not sign out the rows after it.
        client = client_for(user)
        if row.method == "post":
            response = client.post(row.path, json.dumps(row.data), content_type="application/json")
        else:
            response = client.get(row.path)
        got = outcome(response)
        if got != row.expected[user]:
            wrong.append(f"{row.method.upper()} {row.path}: {got}, expected {row.expected[user]}")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        body = content.decode(errors="replace")
        leaks += [
            f"{row.path} shows {s!r}" for s in secrets_of_the_other_tenant(user, world) if s in body
        ]
    assert wrong == [], "\n".join(wrong)
    assert leaks == [], "\n".join(leaks)
