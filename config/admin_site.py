"""The admin site of the project: Django's own, whose home is the support console's queue.

Installed as the default site (ConsoleAdminConfig in INSTALLED_APPS), so every
`admin.register` and `admin.site` of the apps lands here unchanged. What its home shows
is registered on it by an app, as its models are: the unlocks app registers the work
queue (`unlocks/admin.py`), so the site imports no app.
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
    # The context of the home page, registered by an app with `register_home`.
    home_context = None

    def register_home(self, context):
        """Show `context(request)` (a dict for index_template) on the site's home."""
        self.home_context = context

    def index(self, request, extra_context=None):
        home = self.home_context(request) if self.home_context else {}
        return super().index(request, {**home, **(extra_context or {})})


class ConsoleAdminConfig(AdminConfig):
    default_site = "config.admin_site.ConsoleSite"
