from django.apps import AppConfig
from django.db.models.signals import post_migrate

SUPPORT_AGENTS = "Support agents"

# What the flow needs an agent to do: read records and the audit trail, open,
# verify and cancel unlock requests. Nothing else.
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
    ("unlocks", "view_consenttext"),
    ("audit", "view_auditentry"),
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
        post_migrate.connect(ensure_support_group, sender=self)

        from axes.signals import user_locked_out

        from accounts.lockouts import record_sign_in_lockout

        user_locked_out.connect(record_sign_in_lockout, dispatch_uid="audit_sign_in_lockout")
