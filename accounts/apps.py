from django.apps import AppConfig
from django.db.models.signals import post_migrate

SUPPORT_AGENTS = "Support agents"

# What the flow needs an agent to do: read records, the audit trail and what was
# sent; open, verify and cancel unlock requests, and re-lock an unlock early. Nothing else.
SUPPORT_AGENT_PERMISSIONS = [
    ("accounts", "view_tenant"),
    ("accounts", "view_membership"),
    ("unlocks", "view_batch"),
    ("unlocks", "view_invoice"),
    ("unlocks", "view_payment"),
    ("unlocks", "view_exportrecord"),
    ("unlocks", "view_unlockrequest"),
    ("unlocks", "add_unlockrequest"),
    ("unlocks", "verify_unlockrequest"),
    ("unlocks", "cancel_unlockrequest"),
    ("unlocks", "relock_unlockrequest"),
    ("unlocks", "view_consenttext"),
    ("audit", "view_auditentry"),
    # To see whether the approval email or a webhook went out (not endpoint secrets).
    ("notifications", "view_outboxmessage"),
    ("notifications", "view_webhookdelivery"),
]


def ensure_support_group(**kwargs):
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=SUPPORT_AGENTS)
    wanted = Q()
    for app_label, codename in SUPPORT_AGENT_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # After every app's migrations, not only this one's: the unlocks and audit
        # permissions the group needs are created when those apps migrate, after accounts.
        post_migrate.connect(ensure_support_group, dispatch_uid="accounts.ensure_support_group")

        from axes.signals import user_locked_out

        from accounts.lockouts import record_sign_in_lockout

        user_locked_out.connect(record_sign_in_lockout, dispatch_uid="audit_sign_in_lockout")

        from django.contrib.auth.signals import user_logged_in

        from accounts.services import record_password_sign_in

        user_logged_in.connect(record_password_sign_in, dispatch_uid="record_password_sign_in")

        from accounts.middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="stamp_sign_in")
