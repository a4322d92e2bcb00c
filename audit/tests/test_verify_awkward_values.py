"""verify_chain hashes each entry as it was read back from the database: it must agree
with the hash written at the change to the byte, or it would name good entries."""

from datetime import UTC, datetime
from unittest import mock

from accounts.tests.factories import TenantFactory
from audit.actors import Actor
from audit.selectors import verify_chain
from audit.services import record_entry
from audit.tests.test_chain import _tamper as tamper

AWKWARD = Actor(
    kind="agent",
    label='Zoë "the agent" O\'Neil\\ops',
    user_id=42,
    api_client_id=None,
    ip="2001:db8::1",
    user_agent="Mozilla/5.0\ttab\nnewline\x01control \u2028 ✓ 🚀",
    request_id="req-1",
)


def test_awkward_values_verify_as_they_were_hashed(db):
    tenant = TenantFactory()
    record_entry(
        tenant=tenant,
        action="request_opened",
        actor=AWKWARD,
        target=("invoice", 'INV-"1"'),
        request="6f1c1a5e-0000-4000-8000-000000000001",
        consent_version=3,
        consent_sha256="ab" * 32,
        data={"z": [1, 2.5, None, True], "a": {"y": 'ü\\"', "b": []}, "m": "line\nbreak"},
    )
    with mock.patch(
        "audit.services.timezone.now", return_value=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ):
        record_entry(tenant=tenant, action="pin_set", actor=Actor.system())
    record_entry(tenant=tenant, action="pin_set", actor=Actor.system(), data={})
    # `data` that is not an object: a string, a number, a float, a list.
    for data in ("a, string", 5, 2.5, [1, 2.5]):
        record_entry(tenant=tenant, action="pin_set", actor=Actor.system(), data=data)
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.entries, report.first_bad_seq) == (True, 7, None)


def test_it_names_an_entry_whose_text_was_changed_to_mimic_its_escaped_form(db):
    tenant = TenantFactory()
    entries = [
        record_entry(tenant=tenant, action="pin_set", actor=AWKWARD),
        record_entry(tenant=tenant, action="pin_set", actor=AWKWARD),
    ]
    tamper(
        "UPDATE audit_auditentry SET actor_label = %s WHERE id = %s",
        ['Zoë \\"the agent\\" O\'Neil\\\\ops', entries[0].pk],
    )
    report = verify_chain(tenant=tenant)
    assert (report.ok, report.first_bad_seq) == (False, 1)
