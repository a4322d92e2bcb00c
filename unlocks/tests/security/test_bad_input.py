"""Bad input at the service layer: every malformed value gets a clear refusal, never a crash."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from core.refusals import Refusal
from unlocks import outlook, services
from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify

NASTY_TEXT = [
    "B-1'; DROP TABLE unlocks_batch;--",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "B-1\x00",
    "\x00",
    "\ud800",  # a lone surrogate: what invalid UTF-8 becomes once decoded leniently
    "B-\udcff1",
    "%00",
    "../../etc/passwd",
    "{{ settings.SECRET_KEY }}",
    "B" * 10_000,
    "١٢٣",
]
NOT_TEXT = [None, 12, 1.5, True, [], ["B-1"], {}, {"$ne": ""}, b"B-1"]


def refusal_of(call):
    with pytest.raises(Refusal) as refusal:
        call()
    return refusal.value


def open_with(tenant_obj, **fields):
    values = {
        "tenant": tenant_obj.slug,
        "targets": [{"type": "invoice", "number": f.imported_invoice(tenant_obj).number}],
        "caller_name": "Dana Ruiz",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Bypassed by mistake",
        "ticket": "ZD-1",
        "actor": AGENT,
    }
    values.update(fields)
    return services.open_request(**values)


@pytest.mark.parametrize("number", NASTY_TEXT)
def test_a_nasty_record_number_is_unknown_or_invalid(tenant, number):
    refusal = refusal_of(lambda: open_with(tenant, targets=[{"type": "batch", "number": number}]))
    assert refusal.code in {"unknown_record", "invalid"}
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize("slug", NASTY_TEXT + NOT_TEXT)
def test_a_nasty_tenant_slug_is_an_unknown_tenant(tenant, slug):
    refusal = refusal_of(lambda: open_with(tenant, tenant=slug))
    assert refusal.code == "unknown_tenant"
    assert len(refusal.message) < 300
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize("slug", NASTY_TEXT + NOT_TEXT)
def test_preview_refuses_a_nasty_tenant_slug_the_same_way(db, slug):
    targets = [{"type": "batch", "number": "B-1"}]
    refusal = refusal_of(lambda: outlook.preview(tenant=slug, targets=targets))
    assert refusal.code == "unknown_tenant"


@pytest.mark.parametrize(
    "targets",
    [
        None,
        "B-1",
        {"type": "batch", "number": "B-1"},
        42,
        [None],
        ["B-1"],
        [["batch", "B-1"]],
        [{"type": ["batch"], "number": "B-1"}],
        [{"type": {"batch": 1}, "number": "B-1"}],
        [{"type": "batch", "number": ["B-1"]}],
        [{"type": "batch", "number": 1001}],
        [{"type": "batch"}],
        [{"type": "Batch", "number": "B-1"}],
        [{"type": "batch; DROP TABLE x", "number": "B-1"}],
    ],
)
def test_malformed_targets_are_invalid(tenant, targets):
    refusal = refusal_of(lambda: open_with(tenant, targets=targets))
    assert refusal.code == "invalid"
    assert "targets" in refusal.details


def test_a_huge_target_list_is_refused_before_touching_the_database(tenant):
    targets = [{"type": "invoice", "number": f"INV-{n}"} for n in range(100_000)]
    with CaptureQueriesContext(connection) as queries:
        refusal = refusal_of(
            lambda: services.open_request(
                tenant=tenant.slug,
                targets=targets,
                caller_name="Dana",
                caller_email="dana@acme.test",
                channel="phone",
                reason="x",
                actor=AGENT,
            )
        )
    assert refusal.code == "invalid"
    assert "split it" in refusal.details["targets"]
    assert len(queries) == 0


@pytest.mark.parametrize("field", ["caller_name", "caller_email", "reason", "channel", "ticket"])
@pytest.mark.parametrize("value", NASTY_TEXT[4:8] + NOT_TEXT[1:])
def test_nasty_or_non_text_fields_are_invalid(tenant, field, value):
    refusal = refusal_of(lambda: open_with(tenant, **{field: value}))
    assert refusal.code == "invalid", refusal.code
    assert refusal.details
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize("text", NASTY_TEXT[:4])
def test_sql_and_html_in_free_text_are_kept_as_plain_text(tenant, text):
    request = open_with(tenant, caller_name=text, reason=text, ticket=text[:100])
    request.refresh_from_db()
    assert (request.caller_name, request.reason) == (text, text)


@pytest.mark.parametrize(
    "request_id", NASTY_TEXT + NOT_TEXT + ["00000000-0000-0000-0000-000000000000"]
)
def test_a_nasty_request_id_is_not_found(tenant, admin, request_id):
    not_a_request = UnlockRequest(pk=None)
    refusal = refusal_of(lambda: verify(not_a_request, admin, request_id=request_id))
    assert refusal.code == "not_found"
    refusal = refusal_of(
        lambda: services.cancel_request(request_id=request_id, reason="x", actor=AGENT)
    )
    assert refusal.code == "not_found"


@pytest.mark.parametrize("email", NASTY_TEXT + NOT_TEXT)
def test_a_nasty_approver_email_is_not_a_tenant_admin(tenant, admin, email):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin, approver_email=email)).code == (
        "not_tenant_admin"
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert AuditEntry.objects.filter(action="verify_refused", request_id=request.pk).exists()


@pytest.mark.parametrize("pin", NASTY_TEXT + NOT_TEXT)
def test_a_nasty_pin_is_a_wrong_pin(tenant, admin, pin):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin, pin=pin)).code == "pin_incorrect"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"consent_accepted": "true"}, "consent_required"),
        ({"consent_accepted": 1}, "consent_required"),
        ({"consent_version": "1"}, "consent_stale"),
        ({"consent_version": None}, "consent_stale"),
        ({"consent_version": {"$gt": 0}}, "consent_stale"),
        ({"consent_version": 10**100}, "consent_stale"),
    ],
)
def test_consent_must_be_exactly_true_and_the_current_version(tenant, admin, fields, code):
    request = open_for(tenant, f.imported_invoice(tenant))
    assert refusal_of(lambda: verify(request, admin, **fields)).code == code


@pytest.mark.parametrize("reason", ["\x00", "\ud800", None, 5, ["x"], "x" * 2001])
def test_a_nasty_cancel_reason_is_invalid(tenant, reason):
    request = open_for(tenant, f.imported_invoice(tenant))
    refusal = refusal_of(
        lambda: services.cancel_request(request_id=request.pk, reason=reason, actor=AGENT)
    )
    assert refusal.code == "invalid"
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
