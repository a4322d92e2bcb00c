from django.contrib.auth.models import Group

from accounts.apps import SUPPORT_AGENT_PERMISSIONS, SUPPORT_AGENTS


def test_migrate_gives_the_support_agents_group_every_permission_the_console_needs(db):
    group = Group.objects.get(name=SUPPORT_AGENTS)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(SUPPORT_AGENT_PERMISSIONS)
