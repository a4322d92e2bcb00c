from accounts.tests.factories import PIN
from audit.models import AuditEntry
from unlocks import platform
from unlocks.models import Invoice, LockState, RequestStatus
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify


def verify_url(request):
    return f"/admin/unlocks/unlockrequest/{request.pk}/verify/"


def page_url(request):
    return f"/admin/unlocks/unlockrequest/{request.pk}/change/"


def phone_data(admin, **extra):
    data = {
        "admin_email": admin.email,
        "pin": PIN,
        "consent_version": 1,
        "consent_accepted": "on",
        "duplicate_risk_acknowledged": "on",
    }
    data.update(extra)
    return data


def test_it_approves_and_unlocks_with_the_admin_on_the_phone(agent_client, agent, tenant, admin):
    batch = f.bypassed_batch(tenant, invoices=1)
    request = open_for(tenant, batch)
    response = agent_client.post(verify_url(request), phone_data(admin))
    assert response.status_code == 302 and response["Location"] == page_url(request)
    request.refresh_from_db()
    batch.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and request.approved_by == admin
    assert batch.state == LockState.OPEN
    approval = AuditEntry.objects.get(action="request_approved")
    assert (approval.actor_label, approval.ip, approval.user_agent) == (
        agent.email,
        "10.1.2.3",
        "console-test",
    )


def test_the_request_page_shows_the_consent_in_full_and_the_admins_to_choose(
    agent_client, tenant, admin, member
):
    request = open_for(tenant, f.bypassed_batch(tenant))
    response = agent_client.get(page_url(request))
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["consent"].text in content
    choices = [v for v, _ in response.context["verify_form"].fields["admin_email"].choices]
    assert choices == ["", admin.email]
    assert "The admin acknowledges the duplicate risk." in content


def test_it_leaves_out_the_duplicate_risk_tick_when_no_target_carries_it(agent_client, tenant):
    request = open_for(tenant, f.imported_invoice(tenant))
    response = agent_client.get(page_url(request))
    assert not response.context["needs_ack"]
    assert b"The admin acknowledges the duplicate risk." not in response.content


def test_it_asks_for_the_duplicate_risk_tick_when_the_risk_appeared_after_opening(
    agent_client, tenant, admin
):
    # Opened while imported and never exported: no duplicate risk at opening.
    invoice = f.imported_invoice(tenant)
    request = open_for(tenant, invoice)
    assert request.targets.get().warnings == []
    # Meanwhile another request unlocks it, and the platform exports and bypasses it.
    verify(open_for(tenant, invoice), admin)
    batch = f.open_batch(tenant, invoices=0)
    invoice = platform.move_to_batch(record=invoice, batch=batch)
    platform.export_batch(batch=batch)
    platform.bypass_transaction(record=Invoice.objects.get(pk=invoice.pk))

    response = agent_client.get(page_url(request))
    assert response.context["needs_ack"]
    assert b"The admin acknowledges the duplicate risk." in response.content
    assert [row["duplicate_risk"] for row in response.context["target_rows"]] == [True]

    data = phone_data(admin)
    del data["duplicate_risk_acknowledged"]
    response = agent_client.post(verify_url(request), data)
    assert "acknowledge the duplicate risk" in str(
        response.context["verify_form"].non_field_errors()
    )
    assert b"The admin acknowledges the duplicate risk." in response.content

    response = agent_client.post(verify_url(request), phone_data(admin))
    assert response.status_code == 302 and response["Location"] == page_url(request)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert Invoice.objects.get(pk=invoice.pk).state == LockState.OPEN


def test_a_wrong_pin_is_a_form_error_that_counts_and_shows_on_the_timeline(
    agent_client, tenant, admin
):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.post(verify_url(request), phone_data(admin, pin="000000"))
    assert response.status_code == 200
    assert "That PIN is not right. 4 tries are left" in str(
        response.context["verify_form"].non_field_errors()
    )
    assert b'value="000000"' not in response.content
    assert [s.kind for s in response.context["timeline"]] == ["opened", "wrong_pin"]
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_it_refuses_without_the_consent_ticked(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    data = phone_data(admin)
    del data["consent_accepted"]
    response = agent_client.post(verify_url(request), data)
    assert "must accept the consent text" in str(response.context["verify_form"].non_field_errors())
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_it_refuses_without_the_duplicate_risk_acknowledged(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_batch(tenant))
    data = phone_data(admin)
    del data["duplicate_risk_acknowledged"]
    response = agent_client.post(verify_url(request), data)
    assert "acknowledge the duplicate risk" in str(
        response.context["verify_form"].non_field_errors()
    )


def test_it_asks_for_the_admin_and_the_pin(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.post(verify_url(request), {"consent_version": 1})
    assert response.status_code == 200
    assert set(response.context["verify_form"].errors) == {"admin_email", "pin"}
    assert not AuditEntry.objects.filter(request_id=request.pk, action="verify_refused").exists()


def test_it_does_not_offer_verification_once_the_request_is_closed(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    agent_client.post(verify_url(request), phone_data(admin))
    response = agent_client.get(page_url(request))
    assert response.context["verify_form"] is None and response.context["cancel_form"] is None
    steps = response.context["timeline"]
    assert [s.kind for s in steps] == ["opened", "approved", "unlocked"]


def test_it_refuses_a_second_approval_in_words(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    agent_client.post(verify_url(request), phone_data(admin))
    response = agent_client.post(verify_url(request), phone_data(admin), follow=True)
    assert response.context["verify_form"] is None
    assert "This request is completed and can no longer change" in response.content.decode()


def test_opening_the_verify_address_leads_to_the_request_page(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    response = agent_client.get(verify_url(request), follow=True)
    assert response.redirect_chain == [(page_url(request), 302)]
    assert response.status_code == 200
    assert b"Verify on the phone" in response.content
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_it_answers_other_methods_than_post_and_get_with_method_not_allowed(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    assert agent_client.put(verify_url(request)).status_code == 405
    assert agent_client.delete(verify_url(request)).status_code == 405


def test_a_target_that_changed_since_opening_refuses_the_request_with_a_message(
    agent_client, tenant, admin
):
    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    type(invoice).objects.filter(pk=invoice.pk).update(state=LockState.OPEN)
    response = agent_client.post(verify_url(request), phone_data(admin), follow=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    assert "is already open: there is nothing to unlock" in response.content.decode()
    assert response.context["timeline"][-1].kind == "refused"
