"""The admin site of the project: Django's own, whose home is the support console's queue.

Installed as the default site (ConsoleAdminConfig in INSTALLED_APPS), so every
`admin.register` and `admin.site` of the apps lands here unchanged.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ConsoleSite(admin.AdminSite):
    site_header = "Unlock desk"
    site_title = "Unlock desk"
    index_title = "Work queue"
    # Nothing is served at / for a "View site" link to open.
    site_url = None
    index_template = "admin/unlocks/queue.html"
    # At 1280 px the sidebar left the lists too narrow for their columns; the header
    # links to the console's places instead (templates/admin/base_site.html).
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        # Imported here: accounts, audit and notifications register on this site, and
        # none of them may load the unlocks app (apps point one way).
        from unlocks.console.views import queue_context

        return super().index(request, {**queue_context(request), **(extra_context or {})})


class ConsoleAdminConfig(AdminConfig):
    default_site = "config.admin_site.ConsoleSite"
