"""Every table of a tenant's data carries the tenant's key, so the database can be sharded by
tenant (README: Past one machine). A new model either has a `tenant` or is named here, with
why."""

from django.apps import apps

# Small tables of the whole installation: a sharded database keeps a copy on every node.
REFERENCE = {
    "accounts.User",  # staff belong to no tenant; a tenant's people through memberships
    "accounts.Tenant",
    "accounts.ApiClient",  # a helpdesk's client acts for every tenant
    "accounts.SecurityEvent",  # a person's own sign-in events
    "accounts.EnrolmentLink",  # staff's second-factor links
    "unlocks.ConsentText",
    "unlocks.IdempotencyKey",  # by API client and key
}
# The outbox is one queue of the whole installation, claimed row by row by any worker.
QUEUE = {
    "notifications.OutboxMessage",
    "notifications.DeliveryAttempt",
    "notifications.WebhookDelivery",
}
# Tenant data without its own key yet, reached only through a row that has it.
NOT_YET = {
    "unlocks.UnlockTarget",  # through its request
    "unlocks.Approval",  # one approver's approval of a request, through its request
}


def test_every_table_of_a_tenants_data_carries_the_tenant_key():
    ours = [
        model
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "audit", "books", "notifications", "unlocks"}
    ]
    without = {
        model._meta.label
        for model in ours
        if "tenant" not in {field.name for field in model._meta.concrete_fields}
    }

    assert without == REFERENCE | QUEUE | NOT_YET
