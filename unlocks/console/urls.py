"""The console's own addresses, under the unlock requests' admin address.

`UnlockRequestAdmin.get_urls` puts them ahead of the model's own, so they are named in
the admin's namespace (`admin:unlocks_lookup`, ...). `admin_view` signs agents in,
guards against CSRF and keeps the pages out of caches, as for every admin page.
"""

from django.contrib import admin
from django.urls import path

from unlocks.console import lookup, opening, request_page

view = admin.site.admin_view

urlpatterns = [
    path("lookup/", view(lookup.lookup), name="unlocks_lookup"),
    path("open/", view(opening.open_request), name="unlocks_unlockrequest_open"),
    path(
        "<path:object_id>/verify/", view(request_page.verify), name="unlocks_unlockrequest_verify"
    ),
    path(
        "<path:object_id>/cancel/", view(request_page.cancel), name="unlocks_unlockrequest_cancel"
    ),
    path(
        "<path:object_id>/evidence/",
        view(request_page.evidence),
        name="unlocks_unlockrequest_evidence",
    ),
    path(
        "<path:object_id>/relock/", view(request_page.relock), name="unlocks_unlockrequest_relock"
    ),
]
