"""On PostgreSQL the database writes the export's CSV text but for `data`: it must give
the bytes the generic path (csv.writer over the ORM's values) gives, piece by piece."""

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest

from accounts.tests.factories import TenantFactory
from audit import admin, selectors
from audit.actors import Actor
from audit.models import AuditEntry
from audit.services import record_entry

pytestmark = pytest.mark.postgres

EXPORT = "/admin/audit/auditentry/export.csv"
REQUEST = "6f1c1a5e-0000-4000-8000-000000000001"


def export(client, params=None):
    """The export's pieces, and whether the database wrote them."""
    with mock.patch("audit.admin.prefetched_rows", wraps=selectors.prefetched_rows) as fetched:
        pieces = list(client.get(EXPORT, params or {}).streaming_content)
    return pieces, fetched.called


def generic_export(client, params=None):
    with mock.patch("audit.admin._csv_text_query", return_value=None):
        pieces, fast = export(client, params)
    assert not fast
    return pieces


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


FILTERS = [
    {},
    {"action__exact": "pin_set"},
    {"actor_kind": "agent"},
    {"q": "INV,1"},
    {"at__gte": "2026-01-02 00:00:00+00:00", "at__lt": "2026-01-03 00:00:00+00:00"},
    {"q": "nothing-has-this-number"},
]


@pytest.mark.parametrize("params", FILTERS)
def test_the_database_writes_what_csv_writer_writes(agent_client, awkward, monkeypatch, params):
    monkeypatch.setattr("audit.admin.CSV_BLOCK", 4)
    pieces, fast = export(agent_client, params)
    assert fast
    assert pieces == generic_export(agent_client, params)


def test_it_writes_each_tenant_of_the_filtered_list_alike(agent_client, awkward):
    for tenant in awkward.values():
        params = {"tenant__id__exact": tenant.pk}
        pieces, fast = export(agent_client, params)
        assert fast and len(pieces) == 1
        assert pieces == generic_export(agent_client, params)


def test_the_awkward_values_reach_the_export_quoted_and_defused(agent_client, awkward):
    [body], _ = export(agent_client)
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


@pytest.mark.parametrize("change", ["no form for uuids", "nullable data"])
def test_it_falls_back_to_the_generic_path_for_a_column_of_unknown_form(
    agent_client, awkward, monkeypatch, change
):
    expected = generic_export(agent_client)
    if change == "no form for uuids":
        monkeypatch.delitem(admin._CSV_TEXT, "UUIDField")
    else:
        monkeypatch.setattr(AuditEntry._meta.get_field("data"), "null", True)
    pieces, fast = export(agent_client)
    assert not fast
    assert pieces == expected


def test_a_client_that_goes_away_ends_the_thread_that_fetches(agent_client, tenant, monkeypatch):
    monkeypatch.setattr("audit.admin.CSV_BLOCK", 1)
    monkeypatch.setattr("audit.admin.CSV_CHUNK", 1)
    for _ in range(8):
        record_entry(tenant=tenant, action="pin_set", actor=Actor.system())

    def fetching():
        return [t for t in threading.enumerate() if t.name == "prefetched_rows"]

    response = agent_client.get(EXPORT)
    next(iter(response.streaming_content))
    # Time for the fetcher to fill its queue and wait to hand over a chunk nobody will read.
    time.sleep(0.5)
    assert len(fetching()) == 1
    response.close()
    assert fetching() == []
