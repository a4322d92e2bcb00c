"""Finding a request in the console's list by the id a customer or a colleague reads out:
in full, or the short id the console shows (its first 8 characters), in any case."""

import uuid
from datetime import timedelta

from django.utils import timezone

from unlocks.models import UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for

LIST = "/admin/unlocks/unlockrequest/"


def found(client, term):
    response = client.get(LIST, {"q": term})
    assert response.status_code == 200
    return [r.pk for r in response.context["cl"].result_list]


def request_with_id(tenant, id, **fields):
    values = {
        "caller_name": "Dana Ruiz",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Bypassed by mistake",
        "expires_at": timezone.now() + timedelta(hours=1),
    }
    values.update(fields)
    return UnlockRequest.objects.create(id=uuid.UUID(id), tenant=tenant, **values)


def test_it_finds_a_request_by_its_full_id_in_any_case(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    open_for(tenant, f.bypassed_invoice(tenant))

    assert found(agent_client, str(request.pk)) == [request.pk]
    assert found(agent_client, f"  {str(request.pk).upper()} ") == [request.pk]
    assert found(agent_client, request.pk.hex) == [request.pk]


def test_it_finds_a_request_by_the_short_id_the_list_shows(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    open_for(tenant, f.bypassed_invoice(tenant))
    short = str(request.pk)[:8]
    assert f">{short}<" in agent_client.get(LIST).content.decode()

    assert found(agent_client, short) == [request.pk]
    assert found(agent_client, short.upper()) == [request.pk]


def test_a_longer_prefix_tells_apart_requests_that_share_a_short_id(agent_client, tenant):
    first = request_with_id(tenant, "1234abcd-0000-4000-8000-000000000001")
    second = request_with_id(tenant, "1234abcd-ffff-4000-8000-000000000002")
    request_with_id(tenant, "1234abce-0000-4000-8000-000000000003")

    assert sorted(found(agent_client, "1234ABCD")) == sorted([first.pk, second.pk])
    assert found(agent_client, "1234abcd-f") == [second.pk]
    assert found(agent_client, "1234abcd0") == [first.pk]


def test_fewer_than_eight_characters_are_not_taken_for_an_id(agent_client, tenant):
    request_with_id(tenant, "1234abcd-0000-4000-8000-000000000001")

    assert found(agent_client, "1234abc") == []
    assert found(agent_client, "1234abcz") == []


def test_a_ticket_that_looks_like_an_id_is_still_found_by_ticket(agent_client, tenant):
    by_ticket = request_with_id(tenant, "00000000-0000-4000-8000-000000000001", ticket="20250101")
    by_id = request_with_id(tenant, "20250101-0000-4000-8000-000000000002")

    assert sorted(found(agent_client, "20250101")) == sorted([by_ticket.pk, by_id.pk])
