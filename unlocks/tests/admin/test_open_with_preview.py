from audit.models import AuditEntry
from unlocks import inputs, platform
from unlocks.models import REASON_MAX_LENGTH, RequestStatus, UnlockRequest
from unlocks.tests import factories as f

URL = "/admin/unlocks/unlockrequest/open/"


def form_data(tenant, *records, action="preview", **extra):
    data = {
        "tenant": tenant.slug,
        "targets": [f"{r.record_type}:{r.number}" for r in records],
        "more_numbers": "",
        "caller_name": "Dana Ruiz",
        "caller_email": "dana@acme.test",
        "channel": "phone",
        "reason": "Bypassed by mistake",
        "ticket": "ZD-9",
        "action": action,
    }
    data.update(extra)
    return data


def url_for(record):
    return f"{URL}?tenant={record.tenant.slug}&record={record.record_type}:{record.number}"


def test_it_offers_the_batch_and_its_transactions_to_pick_from(agent_client, tenant):
    batch = f.bypassed_batch(tenant, invoices=2)
    invoice = batch.invoice_set.order_by("number").first()
    response = agent_client.get(url_for(invoice))
    choices = [value for value, _ in response.context["form"].fields["targets"].choices]
    assert choices[0] == f"batch:{batch.number}"
    assert f"invoice:{invoice.number}" in choices and len(choices) == 3


def test_the_preview_shows_rules_and_warnings_and_creates_nothing(agent_client, tenant):
    batch = f.bypassed_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.ok and preview.targets[0].warnings == ["duplicate_risk"]
    assert b"Open the request" in response.content
    assert not UnlockRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="request_opened").exists()


def test_the_preview_shows_a_refusal_in_words(agent_client, tenant):
    batch = f.exported_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch))
    preview = response.context["preview"]
    assert not preview.ok and preview.refusals[0].code == "exported_batch"
    assert b"This request would be refused" in response.content
    assert b"Open the request" not in response.content


def test_it_opens_the_request_and_shows_its_page(agent_client, agent, tenant):
    batch = f.bypassed_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch, action="open"))
    request = UnlockRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/unlocks/unlockrequest/{request.pk}/change/"
    assert request.status == RequestStatus.PENDING
    assert request.opened_by == agent.email and request.ticket == "ZD-9"
    entry = AuditEntry.objects.get(action="request_opened")
    assert (entry.actor_kind, entry.actor_label, entry.actor_user_id) == (
        "agent",
        agent.email,
        agent.pk,
    )
    assert (entry.ip, entry.user_agent) == ("10.1.2.3", "console-test")


def test_it_takes_other_record_numbers_typed_in(agent_client, tenant):
    first, second = f.bypassed_invoice(tenant), f.imported_payment(tenant)
    data = form_data(
        tenant, action="open", targets=[], more_numbers=f"{first.number}, {second.number}"
    )
    agent_client.post(URL, data)
    request = UnlockRequest.objects.get()
    assert sorted(t.number for t in request.targets.all()) == sorted([first.number, second.number])


def test_it_turns_a_refusal_into_a_form_error_and_creates_nothing(agent_client, tenant):
    batch = f.exported_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch, action="open"))
    assert response.status_code == 200
    assert "can never be unlocked" in str(response.context["form"].non_field_errors())
    assert not UnlockRequest.objects.exists()
    assert AuditEntry.objects.filter(action="open_refused", code="exported_batch").exists()


def test_it_asks_for_a_record_when_none_is_named(agent_client, tenant):
    response = agent_client.post(URL, form_data(tenant, targets=[], action="open"))
    assert response.status_code == 200
    assert "Name at least one record" in str(response.context["form"].non_field_errors())


def test_it_says_which_typed_number_it_cannot_find(agent_client, tenant):
    response = agent_client.post(URL, form_data(tenant, targets=[], more_numbers="INV-404"))
    assert "no record numbered INV-404" in str(response.context["form"].errors["more_numbers"])


def test_it_rejects_a_bad_caller_email_without_calling_the_service(agent_client, tenant):
    batch = f.bypassed_batch(tenant)
    response = agent_client.post(
        url_for(batch), form_data(tenant, batch, action="open", caller_email="not-an-email")
    )
    assert response.status_code == 200
    assert "caller_email" in response.context["form"].errors
    assert not UnlockRequest.objects.exists()


def test_the_add_button_of_the_request_list_leads_to_the_open_form(agent_client, tenant):
    response = agent_client.get("/admin/unlocks/unlockrequest/add/")
    assert response.status_code == 302 and response["Location"] == URL


def target_row(response, number):
    """The preview table's row for `number`, as text."""
    html = response.content.decode()
    start = html.index(f'data-preview-target="{number}"')
    return html[start : html.index("</tr>", start)]


def test_a_refused_preview_offers_to_record_the_attempt(agent_client, tenant):
    batch = f.exported_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch))
    assert b"Record the refused attempt" in response.content
    assert b'name="action" value="record"' in response.content


def test_an_accepted_preview_offers_no_refused_attempt_to_record(agent_client, tenant):
    batch = f.bypassed_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch))
    assert b"Record the refused attempt" not in response.content


def test_recording_a_refused_attempt_audits_it_and_creates_nothing(agent_client, agent, tenant):
    batch = f.exported_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch, action="record"))

    assert response.status_code == 200
    assert not UnlockRequest.objects.exists()
    entry = AuditEntry.objects.get(action="open_refused")
    assert entry.code == "exported_batch"
    assert (entry.actor_kind, entry.actor_label) == ("agent", agent.email)
    assert (entry.ip, entry.user_agent) == ("10.1.2.3", "console-test")
    assert entry.data["caller_email"] == "dana@acme.test"
    assert entry.data["targets"] == [{"type": "batch", "number": batch.number}]
    page = response.content.decode()
    assert "can never be unlocked" in str(response.context["form"].non_field_errors())
    assert "can never be unlocked" in page
    assert "The refused attempt is recorded in the audit trail" in page
    assert "/admin/audit/auditentry/?action__exact=open_refused" in page


def test_a_refusal_not_recorded_is_not_said_to_be(agent_client, tenant, monkeypatch):
    batch = f.exported_batch(tenant)
    # Input the form lets through and the service refuses as invalid, before judging
    # anything, recording nothing: here a reason longer than the service's limit, made
    # shorter than the form's (read when the form was made) for the test.
    monkeypatch.setattr(inputs, "REASON", 10)
    data = form_data(tenant, batch, action="record", reason="x" * 11)
    response = agent_client.post(url_for(batch), data)

    assert "longer than 10 characters" in str(response.context["form"].non_field_errors())
    assert b"is recorded in the audit trail" not in response.content
    assert not AuditEntry.objects.filter(action="open_refused").exists()


def test_recording_opens_the_request_if_the_records_changed_since_the_preview(agent_client, tenant):
    batch = f.bypassed_batch(tenant)
    response = agent_client.post(url_for(batch), form_data(tenant, batch, action="record"))
    request = UnlockRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/unlocks/unlockrequest/{request.pk}/change/"
    page = agent_client.get(response["Location"]).content.decode()
    assert "every rule passes now, so the request was opened" in page


def test_the_preview_shows_no_duplicate_risk_next_to_a_refused_target(agent_client, tenant):
    # A bypassed batch holding an invoice exported before with another batch: the batch
    # is refused (transactions_exported); the invoice alone is accepted, with the risk.
    invoice = f.exported_batch(tenant).invoice_set.get()
    platform.bypass_transaction(record=invoice)
    batch = f.open_batch(tenant, invoices=0)
    platform.move_to_batch(record=invoice, batch=batch)
    batch = platform.bypass_batch(batch=batch)

    response = agent_client.post(url_for(batch), form_data(tenant, batch, invoice))

    preview = response.context["preview"]
    assert [r.code for r in preview.refusals] == ["transactions_exported"]
    # The service's answer (and so the API's) keeps every warning.
    assert [t.warnings for t in preview.targets] == [["duplicate_risk"], ["duplicate_risk"]]
    assert "Duplicate risk" not in target_row(response, batch.number)
    assert "Refused" in target_row(response, batch.number)
    assert "Duplicate risk" in target_row(response, invoice.number)


def test_a_reason_too_long_is_refused_by_the_form_and_the_box_says_its_limit(agent_client, tenant):
    batch = f.bypassed_batch(tenant)
    page = agent_client.get(url_for(batch)).content.decode()
    assert f'maxlength="{REASON_MAX_LENGTH}"' in page
    response = agent_client.post(
        url_for(batch),
        form_data(tenant, batch, action="open", reason="x" * (REASON_MAX_LENGTH + 1)),
    )
    assert response.status_code == 200
    error = response.context["form"].errors["reason"][0]
    assert f"at most {REASON_MAX_LENGTH} characters (it has {REASON_MAX_LENGTH + 1})" in error
    assert not UnlockRequest.objects.exists()


def test_ticking_a_batch_says_its_bypassed_transactions_come_with_it(agent_client, tenant):
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    numbers = sorted(batch.invoice_set.values_list("number", flat=True)) + list(
        batch.payment_set.values_list("number", flat=True)
    )

    response = agent_client.get(url_for(batch))

    content = response.content.decode()
    [note] = [n for _, n in response.context["target_rows"] if n]
    assert note.startswith(f"Its bypassed transactions come with it: {', '.join(numbers)}.")
    assert content.count("data-carried") == 1
    # The note follows the batch's own box: CSS shows it while that box is ticked.
    batch_box = content.index(f'value="batch:{batch.number}"')
    assert (
        batch_box < content.index("data-carried") < content.index(f'value="invoice:{numbers[0]}"')
    )


def test_a_batch_with_nothing_bypassed_in_it_carries_no_note(agent_client, tenant):
    batch = f.exported_batch(tenant, invoices=1)

    response = agent_client.get(url_for(batch))

    assert [n for _, n in response.context["target_rows"] if n] == []
