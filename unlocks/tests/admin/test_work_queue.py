"""The admin's home is the agent's work queue: what waits, what closed today, 30 days."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.refusals import Refusal
from unlocks import selectors
from unlocks.models import LockState, RequestStatus, UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

HOME = "/admin/"


def opened_ago(request, age, **fields):
    """Move a request back in time, as if opened `age` ago (expiring 24 h after that)."""
    created = timezone.now() - age
    UnlockRequest.objects.filter(pk=request.pk).update(
        created_at=created, expires_at=created + timedelta(hours=24), **fields
    )
    request.refresh_from_db()
    return request


def refused_at_approval(tenant, admin):
    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    type(invoice).objects.filter(pk=invoice.pk).update(state=LockState.OPEN)
    with pytest.raises(Refusal):
        verify(request, admin)
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    return request


def rows(response, key):
    return [row["request"].pk for row in response.context[key]]


def test_it_lists_the_pending_requests_oldest_first_with_their_time_left(agent_client, tenant):
    newer = opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), timedelta(hours=1))
    older = opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), timedelta(hours=5))

    response = agent_client.get(HOME)

    assert response.status_code == 200
    assert response.context["title"] == "Work queue"
    assert rows(response, "pending_rows") == [older.pk, newer.pk]
    assert [row["left"] for row in response.context["pending_rows"]] == [
        "19 h 00 min",
        "23 h 00 min",
    ]
    page = response.content.decode()
    assert "Waiting for approval" in page
    assert older.caller_name in page and tenant.name in page
    assert "19 h 00 min left" in page


def test_it_highlights_the_requests_that_expire_within_the_hour(agent_client, tenant):
    soon = opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), timedelta(hours=23, minutes=20))
    later = open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.get(HOME)

    soon_row, later_row = response.context["pending_rows"]
    assert (soon_row["request"].pk, soon_row["soon"], soon_row["left"]) == (
        soon.pk,
        True,
        "40 minutes",
    )
    assert (later_row["request"].pk, later_row["soon"]) == (later.pk, False)
    page = response.content.decode()
    assert page.count("data-soon") == 1
    assert "Expires within the hour" in page


def test_it_leaves_out_the_requests_past_their_expiry(agent_client, tenant):
    opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), timedelta(hours=25))

    response = agent_client.get(HOME)

    assert response.context["pending_rows"] == []
    assert "Nothing is waiting" in response.content.decode()


def test_it_lists_today_completed_and_refused_requests_not_cancelled_or_older(
    agent_client, tenant, admin
):
    completed = open_for(tenant, f.bypassed_invoice(tenant))
    verify(completed, admin)
    refused = refused_at_approval(tenant, admin)
    cancelled = open_for(tenant, f.bypassed_invoice(tenant))
    UnlockRequest.objects.filter(pk=cancelled.pk).update(
        status=RequestStatus.CANCELLED, closed_at=timezone.now()
    )
    yesterday = timezone.now() - timedelta(days=1, hours=1)
    old = opened_ago(
        open_for(tenant, f.bypassed_invoice(tenant)),
        timedelta(days=1, hours=2),
        status=RequestStatus.COMPLETED,
    )
    UnlockRequest.objects.filter(pk=old.pk).update(closed_at=yesterday, completed_at=yesterday)

    response = agent_client.get(HOME)

    assert rows(response, "closed_rows") == [refused.pk, completed.pk]
    page = response.content.decode()
    assert 'ud-badge ud-completed">Completed<' in page
    assert 'ud-badge ud-refused">Refused<' in page


def test_the_chart_counts_the_requests_of_each_of_the_last_30_days_by_outcome(
    agent_client, tenant, admin
):
    verify(open_for(tenant, f.bypassed_invoice(tenant)), admin)
    open_for(tenant, f.bypassed_invoice(tenant))
    three_days = timedelta(days=3)
    opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), three_days)  # expired by now
    opened_ago(
        open_for(tenant, f.bypassed_invoice(tenant)), three_days, status=RequestStatus.CANCELLED
    )
    opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), timedelta(days=31))

    response = agent_client.get(HOME)

    chart = response.context["chart"]
    assert len(chart.days) == 30
    today, earlier = chart.days[-1], chart.days[-4]
    assert today.day == timezone.localdate()
    assert (today.total, today.summary) == (
        2,
        f"{today.day:%Y-%m-%d}: 1 completed, 1 pending",
    )
    assert {s.outcome: s.count for s in earlier.segments} == {"cancelled": 1, "expired": 1}
    assert sum(d.total for d in chart.days) == 4
    assert dict((o, n) for o, _, n in chart.totals) == {
        "completed": 1,
        "refused": 0,
        "cancelled": 1,
        "expired": 1,
        "pending": 1,
    }
    page = response.content.decode()
    # Drawn on the page as shapes: no image, no script.
    assert "<svg" in page and page.count("<g data-day=") == 30
    assert "<img" not in page.split("data-chart")[1].split("</section>")[0]


def test_the_bars_grow_with_their_count_from_a_common_baseline(agent_client, tenant):
    for _ in range(2):
        open_for(tenant, f.bypassed_invoice(tenant))
    opened_ago(open_for(tenant, f.bypassed_invoice(tenant)), timedelta(days=1))

    chart = agent_client.get(HOME).context["chart"]

    [tall], [short] = chart.days[-1].segments, chart.days[-2].segments
    assert tall.height == 2 * short.height
    assert tall.y + tall.height == short.y + short.height == chart.baseline


def test_it_reads_as_many_queries_for_a_long_queue_as_for_a_short_one(agent_client, tenant, admin):
    def make(n):
        for i in range(n):
            batch = f.bypassed_batch(tenant, invoices=2)
            opened_ago(open_for(tenant, batch), timedelta(hours=i % 20))
            verify(open_for(tenant, f.bypassed_invoice(tenant)), admin)
            opened_ago(
                open_for(tenant, f.bypassed_invoice(tenant)),
                timedelta(days=i % 30),
                status=RequestStatus.CANCELLED,
            )

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = agent_client.get(HOME)
        assert response.status_code == 200
        return len(captured), response

    make(2)
    few, response = count()
    assert response.context["pending_rows"] and response.context["closed_rows"]
    make(20)
    many, response = count()
    assert len(response.context["pending_rows"]) > 2
    assert few == many


def test_the_queue_selectors_read_in_a_fixed_number_of_queries(
    tenant, admin, django_assert_num_queries
):
    for _ in range(3):
        open_for(tenant, f.bypassed_batch(tenant, invoices=2))
        verify(open_for(tenant, f.bypassed_invoice(tenant)), admin)
    now = timezone.now()
    start = now - timedelta(days=1)

    # The requests, their targets, their approvals.
    with django_assert_num_queries(3):
        assert len(selectors.pending_oldest_first()) == 3
    with django_assert_num_queries(3):
        assert len(selectors.closed_since(since=start)) == 3
    with django_assert_num_queries(1):
        assert (
            sum(sum(c.values()) for c in selectors.requests_per_day(since=start, now=now).values())
            == 6
        )


def test_it_says_there_are_more_than_it_shows(agent_client, tenant, monkeypatch):
    monkeypatch.setattr("unlocks.console.queue.QUEUE_LENGTH", 2)
    for _ in range(3):
        open_for(tenant, f.bypassed_invoice(tenant))

    response = agent_client.get(HOME)

    assert len(response.context["pending_rows"]) == 2 and response.context["pending_more"]
    assert "See every pending request" in response.content.decode()


def test_staff_without_the_support_group_see_no_queue(staff_client, tenant):
    open_for(tenant, f.bypassed_invoice(tenant))

    response = staff_client.get(HOME)

    assert response.status_code == 200
    assert "pending_rows" not in response.context
    assert "Waiting for approval" not in response.content.decode()
