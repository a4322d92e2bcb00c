"""The admin site of the project: Django's own, whose home is the support console's queue.

Installed as the default site (ConsoleAdminConfig in INSTALLED_APPS), so every
`admin.register` and `admin.site` of the apps lands here unchanged. Its home, the work
queue, is the console's own view (`unlocks.console.views.work_queue`), routed at the
site's address in `config/urls.py`.
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


class ConsoleAdminConfig(AdminConfig):
    default_site = "config.admin_site.ConsoleSite"
