from audit.models import AuditEntry
from audit.tests.test_chain import _tamper
from unlocks.tests import factories as f

VERIFY = "/admin/audit/auditentry/verify/"


def test_it_says_a_tenants_chain_holds(agent_client, tenant):
    f.imported_invoice(tenant)
    f.bypassed_batch(tenant)
    response = agent_client.get(VERIFY, {"tenant": tenant.pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and report.entries == AuditEntry.objects.count()
    assert b'data-chain="ok"' in response.content


def test_it_names_the_first_entry_that_does_not_fit(agent_client, tenant):
    f.imported_invoice(tenant)
    f.imported_payment(tenant)
    _tamper("UPDATE audit_auditentry SET code = 'forged' WHERE seq = %s", [2])
    response = agent_client.get(VERIFY, {"tenant": tenant.pk})
    assert response.context["report"].first_bad_seq == 2
    assert "Entry #2 does not fit" in response.content.decode()


def test_it_asks_for_a_tenant_first(agent_client, tenant):
    response = agent_client.get(VERIFY)
    assert response.status_code == 200 and response.context["report"] is None


def test_an_unknown_tenant_is_said_in_words(agent_client, tenant):
    response = agent_client.get(VERIFY, {"tenant": "999999"})
    assert response.status_code == 200 and response.context["unknown"]


def test_the_list_filtered_by_tenant_links_to_its_chain_check(agent_client, tenant):
    response = agent_client.get("/admin/audit/auditentry/", {"tenant__id__exact": tenant.pk})
    assert response.context["verify_url"] == f"{VERIFY}?tenant={tenant.pk}"


def test_it_says_which_signed_checkpoint_it_started_from(agent_client, tenant):
    from audit.checkpoints import sign_checkpoints

    f.imported_invoice(tenant)
    sign_checkpoints()
    f.imported_payment(tenant)
    response = agent_client.get(VERIFY, {"tenant": tenant.pk})
    text = " ".join(response.content.decode().split())
    assert (
        "Signed checkpoint 1 (entries up to #1) still holds, and the 1 entry after it fits" in text
    )
