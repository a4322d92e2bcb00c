"""The export's bytes for every kind of value a column can hold: quoted as csv quotes,
formulas defused, dates as str() writes them, `data` as sorted JSON; the same on every
database, streamed in pieces, and ended when the client goes away."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TenantFactory
from audit.actors import Actor
from audit.exports import CSV_HEADER
from audit.models import AuditEntry
from audit.services import record_entry

EXPORT = "/admin/audit/auditentry/export.csv"
REQUEST = "6f1c1a5e-0000-4000-8000-000000000001"


def export(client, params=None):
    return list(client.get(EXPORT, params or {}).streaming_content)


def at(*args, tz=UTC):
    return mock.patch("audit.services.timezone.now", return_value=datetime(*args, tzinfo=tz))


@pytest.fixture
def awkward(tenant):
    """Entries of three tenants holding every kind of value a column can hold."""
    birch, odd = TenantFactory(slug="birch"), TenantFactory(slug='odd,"slug"')
    agent = Actor(
        kind="agent",
        label='Zoë "the agent", O\'Neil',
        user_id=42,
        ip="2001:db8::1",
        user_agent="Mozilla/5.0\r\nInjected: yes",
        request_id="req-1",
    )
    client = Actor(kind="api_client", label="billing", api_client_id=7, ip="10.0.0.1")
    labels = ["=SUM(A1)", "+1", "-2", "@cmd", "\ttab", "\rcr", "", "plain", "✓ \u2028 🚀"]
    for label in labels:
        record_entry(tenant=tenant, action="pin_set", actor=Actor(kind="tenant_user", label=label))
    record_entry(
        tenant=tenant,
        action="request_opened",
        actor=agent,
        target=("invoice", "INV,1"),
        request=REQUEST,
        state_before="a,b",
        state_after='q"uote',
        code="line\nbreak",
        consent_version=3,
        consent_sha256="ab" * 32,
        data={"z": [1, 2.5, None, True], "a": {"y": 'ü\\"', "b": []}, "m": "line\nbreak,"},
    )
    record_entry(
        tenant=tenant,
        action="record_imported",
        actor=Actor(kind="agent", label="x", user_agent='=HYPERLINK("http://evil")'),
        target=("payment", '-"5"'),
        data={"é": "\u2028\t", "big": 2**70, "small": 1e-7, "neg": -0.0},
    )
    with at(2026, 1, 2, 3, 4, 5):
        record_entry(tenant=birch, action="pin_set", actor=Actor.system(), data="a, string")
    with at(2026, 1, 2, 3, 4, 5, 500_000, tz=timezone(timedelta(hours=2))):
        record_entry(tenant=birch, action="pin_set", actor=client, data=5)
    record_entry(tenant=birch, action="pin_set", actor=client, data=[1, 2.5])
    with at(2026, 1, 2, 3, 4, 5, 7):
        record_entry(
            tenant=odd,
            action="record_bypassed",
            actor=Actor(kind="agent", label="y", request_id="@req"),
            target=("invoice", "\t=1+1"),
            data=["a", {"b": "c"}],
        )
    return {"tenant": tenant, "birch": birch, "odd": odd}


FILTERS = {
    "everything": ({}, {}),
    "an action": ({"action__exact": "pin_set"}, {"action": "pin_set"}),
    "an actor kind": ({"actor_kind": "agent"}, {"actor_kind": "agent"}),
    "a record number": ({"q": "INV,1"}, {"target_number": "INV,1"}),
    "a day": (
        {"at__gte": "2026-01-02 00:00:00+00:00", "at__lt": "2026-01-03 00:00:00+00:00"},
        {"at__gte": datetime(2026, 1, 2, tzinfo=UTC), "at__lt": datetime(2026, 1, 3, tzinfo=UTC)},
    ),
    "nothing": ({"q": "nothing-has-this-number"}, {"target_number": "nothing-has-this-number"}),
}


def expected_row(entry):
    """An entry's CSV row as the export promises it, column by column."""
    row = [entry.tenant.slug]
    for name in CSV_HEADER[1:]:
        value = getattr(entry, name)
        if name == "data":
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        elif value is None:
            value = ""
        else:
            value = str(value)
        if name in ("actor_label", "target_number", "user_agent", "http_request_id") and (
            value[:1] in ("=", "+", "-", "@", "\t", "\r")
        ):
            value = "'" + value
        row.append(value)
    return row


def read_back(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


@pytest.mark.parametrize("params", FILTERS.values(), ids=FILTERS.keys())
def test_every_value_reads_back_as_stored(agent_client, awkward, monkeypatch, params):
    monkeypatch.setattr("audit.exports.CSV_BLOCK", 4)
    query, lookups = params
    entries = AuditEntry.objects.filter(**lookups).order_by("tenant_id", "seq")
    pieces = export(agent_client, query)
    rows = read_back(b"".join(pieces))
    assert rows[0] == list(CSV_HEADER)
    assert rows[1:] == [expected_row(e) for e in entries]
    # A piece of four rows each, the header in the first.
    assert len(pieces) == max(1, -(-len(entries) // 4))


def test_it_writes_each_tenant_of_the_filtered_list_alike(agent_client, awkward):
    for tenant in awkward.values():
        pieces = export(agent_client, {"tenant__id__exact": tenant.pk})
        assert len(pieces) == 1
        entries = AuditEntry.objects.filter(tenant=tenant).order_by("seq")
        assert read_back(pieces[0])[1:] == [expected_row(e) for e in entries]


def test_the_header_line_names_the_columns_in_order(agent_client, tenant):
    [body] = export(agent_client)
    assert body == (
        b"tenant,seq,at,tenant_id,actor_kind,actor_label,actor_user_id,actor_api_client_id,"
        b"action,target_type,target_number,request_id,state_before,state_after,code,"
        b"consent_version,consent_sha256,ip,user_agent,http_request_id,data,prev_hash,hash\r\n"
    )


def test_the_awkward_values_reach_the_export_quoted_and_defused(agent_client, awkward):
    [body] = export(agent_client)
    text = body.decode()
    assert '"odd,""slug"""' in text
    assert ',"\'\rcr",' in text and ",'\ttab," in text and ",'@cmd," in text
    assert ',"\'=HYPERLINK(""http://evil"")",' in text
    assert ',"line\nbreak",' in text and ',"Mozilla/5.0\r\nInjected: yes",' in text
    assert '"{""a"": {""b"": [], ""y"": ""ü\\\\\\""""}, ""m"": ""line\\nbreak,""' in text
    assert ",2026-01-02 03:04:05+00:00," in text
    assert ",2026-01-02 01:04:05.500000+00:00," in text
    assert ",2026-01-02 03:04:05.000007+00:00," in text
    assert f",{REQUEST}," in text and ",2001:db8::1," in text
    assert text.endswith("\r\n")


@pytest.mark.django_db(transaction=True)
def test_an_export_holds_no_transaction_and_ends_when_the_client_goes_away(
    agent_client, tenant, monkeypatch
):
    monkeypatch.setattr("audit.exports.CSV_BLOCK", 1)
    monkeypatch.setattr("audit.exports.CSV_CHUNK", 1)
    for _ in range(8):
        record_entry(tenant=tenant, action="pin_set", actor=Actor.system())
    response = agent_client.get(EXPORT)
    pieces = iter(response.streaming_content)
    next(pieces)
    # Each chunk is a read of its own: no transaction stays open while a client
    # downloads (on SQLite it would hold the write lock every change needs).
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as after:
        response.close()
        assert list(pieces) == []
    assert after.captured_queries == []
