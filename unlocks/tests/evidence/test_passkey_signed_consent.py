"""The approver's own signature on what they consented to: a passkey assertion whose
challenge is the consent statement's hash, kept with the approval and checked offline."""

import base64
import copy
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.tests.factories import PIN
from audit.checkpoints import sign_checkpoints
from audit.models import AuditEntry
from unlocks import services
from unlocks.consent import consent_statement, current_consent, statement_challenge
from unlocks.evidence import evidence_for
from unlocks.models import UnlockRequest
from unlocks.tests.conftest import AGENT, open_for
from unlocks.tests.evidence.conftest import check, verifier

RP_ID = "unlock-desk.test"
BOTH = [{"type": "batch", "number": "B-1001"}, {"type": "payment", "number": "PAY-2002"}]


def give_passkey(user):
    """A confirmed passkey row: the service asks the page's check, which this test plays."""
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=user, name="Phone", credential_id=b"id", public_key=b"key", confirmed=True
    )


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def authenticator(statement, *, key=None):
    """What a passkey answers to the statement's challenge, as a WebAuthn authenticator
    signs it (ES256): over authenticatorData || SHA-256(clientDataJSON)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    client_data = json.dumps(
        {
            "type": "webauthn.get",
            "challenge": b64url(statement_challenge(statement)),
            "origin": f"https://{RP_ID}",
        }
    ).encode()
    # rpIdHash, flags (user present and verified), sign count.
    authenticator_data = hashlib.sha256(RP_ID.encode()).digest() + b"\x05" + (7).to_bytes(4, "big")
    signature = key.sign(
        authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "credential_id": b64url(b"credential-1"),
        "public_key": base64.b64encode(public).decode(),
        "client_data_json": b64url(client_data),
        "authenticator_data": b64url(authenticator_data),
        "signature": b64url(signature),
        "origin": f"https://{RP_ID}",
        "rp_id": RP_ID,
        "statement": statement,
    }


@pytest.fixture
def signed_approval(books, pat):
    """Pat approves B-1001 and PAY-2002 with a passkey that signed the consent statement
    (the PIN page's check, as the service sees it: the signed assertion, or nothing)."""
    give_passkey(pat)
    unlock = open_for("acme", targets=BOTH)
    statement = consent_statement(unlock, current_consent())
    services.verify_and_unlock(
        request_id=unlock.pk,
        approver_email=pat.email,
        pin=PIN,
        consent_version=current_consent().version,
        consent_accepted=True,
        duplicate_risk_acknowledged=True,
        passkey=lambda approver: authenticator(statement),
        actor=AGENT,
    )
    sign_checkpoints()
    return UnlockRequest.objects.select_related("tenant").get(pk=unlock.pk)


def test_the_challenge_is_the_consent_the_request_and_its_amounts(books):
    unlock = open_for("acme", targets=BOTH)
    statement = consent_statement(unlock, current_consent())
    assert statement == {
        "format": "unlock-desk-consent/1",
        "consent_sha256": current_consent().sha256,
        "request": str(unlock.pk),
        "targets": [
            {"type": "batch", "number": "B-1001", "amount": "1637.50"},
            {"type": "payment", "number": "PAY-2002", "amount": "200.00"},
        ],
    }
    encoded = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    assert statement_challenge(statement) == hashlib.sha256(encoded).digest()


def test_the_signature_is_kept_with_the_approval_and_verifies_offline(
    signed_approval, keys_document
):
    entry = AuditEntry.objects.get(request_id=signed_approval.pk, action="consent_signed")
    assert entry.data["statement"]["request"] == str(signed_approval.pk)
    bundle = evidence_for(signed_approval)
    assert bundle["passkey"]["entry"] == entry.seq
    assert bundle["approval"]["approved_with"] == ["pin", "passkey"]
    status, problems, facts = verifier.verify(json.loads(json.dumps(bundle)), keys_document)
    assert (status, problems) == ("valid", [])
    assert any("passkey signed the consent" in fact for fact in facts)


def _tampered(bundle, change):
    copied = copy.deepcopy(json.loads(json.dumps(bundle)))
    change(copied)
    return copied


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda b: b["passkey"]["statement"]["targets"][1].update(amount="2.00"),
            "the passkey signature's statement is not the one kept",
        ),
        (
            lambda b: b["passkey"].update(signature=b64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")),
            "the passkey signature's signature is not the one kept",
        ),
        (lambda b: b.update(passkey=None), "leaves out the passkey signature"),
        (
            lambda b: next(r for r in b["records"] if r["number"] == "PAY-2002").update(
                amount="2.00"
            ),
            "PAY-2002's amount is 2.00 in the bundle but the audit trail recorded 200.00",
        ),
    ],
)
def test_a_changed_signature_or_statement_is_named(signed_approval, keys_document, change, named):
    status, problems = check(_tampered(evidence_for(signed_approval), change), keys_document)
    assert status == "invalid"
    assert any(named in p for p in problems), problems


def test_a_passkey_that_signed_other_amounts_is_named(books, pat, keys_document):
    """The server cannot pass off an approval of one amount as consent to another: the
    approver's authenticator signed the amounts it was shown."""
    give_passkey(pat)
    unlock = open_for("acme", targets=BOTH[1:])
    statement = consent_statement(unlock, current_consent())
    statement["targets"][0]["amount"] = "20.00"
    services.verify_and_unlock(
        request_id=unlock.pk,
        approver_email=pat.email,
        pin=PIN,
        consent_version=current_consent().version,
        consent_accepted=True,
        passkey=lambda approver: authenticator(statement),
        actor=AGENT,
    )
    sign_checkpoints()
    status, problems = check(json.loads(json.dumps(evidence_for(unlock))), keys_document)
    assert status == "invalid"
    assert any("the approver's passkey signed 20.00" in p for p in problems), problems


def test_a_batch_that_reopened_more_than_its_signed_total_is_named(books, pat, keys_document):
    give_passkey(pat)
    unlock = open_for("acme", targets=BOTH[:1])
    statement = consent_statement(unlock, current_consent())
    statement["targets"][0]["amount"] = "100.00"
    services.verify_and_unlock(
        request_id=unlock.pk,
        approver_email=pat.email,
        pin=PIN,
        consent_version=current_consent().version,
        consent_accepted=True,
        duplicate_risk_acknowledged=True,
        passkey=lambda approver: authenticator(statement),
        actor=AGENT,
    )
    sign_checkpoints()
    status, problems = check(json.loads(json.dumps(evidence_for(unlock))), keys_document)
    assert status == "invalid"
    assert any("B-1001 reopened 1637.50, more than the 100.00" in p for p in problems), problems


def test_of_two_approvers_each_passkey_is_kept_and_the_unlocking_ones_is_proven(
    books, pat, lee, keys_document
):
    """Where two admins approve (SPEC rule 13), each one's passkey signature is kept with
    their approval; the bundle carries the one whose approval unlocked."""
    from accounts.models import Tenant

    Tenant.objects.filter(slug="acme").update(two_approvers_from_cents=100)
    give_passkey(pat)
    WebAuthnCredential = __import__(
        "django_otp_webauthn.models", fromlist=["WebAuthnCredential"]
    ).WebAuthnCredential
    WebAuthnCredential.objects.create(
        user=lee, name="Key", credential_id=b"id2", public_key=b"key", confirmed=True
    )
    unlock = open_for("acme", targets=BOTH[1:])
    statement = consent_statement(unlock, current_consent())
    for admin in (pat, lee):
        services.verify_and_unlock(
            request_id=unlock.pk,
            approver_email=admin.email,
            pin=PIN,
            consent_version=current_consent().version,
            consent_accepted=True,
            passkey=lambda approver: authenticator(statement),
            actor=AGENT,
        )
    signed = AuditEntry.objects.filter(request_id=unlock.pk, action="consent_signed")
    assert [e.data["approver"] for e in signed.order_by("seq")] == [pat.email, lee.email]
    sign_checkpoints()
    bundle = json.loads(json.dumps(evidence_for(UnlockRequest.objects.get(pk=unlock.pk))))
    assert bundle["approval"]["approver"] == bundle["passkey"]["approver"] == lee.email
    assert check(bundle, keys_document) == ("valid", [])
