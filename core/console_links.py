"""The console's links to a record and to a request, written once: every record number and
request reference an agent reads in the console leads to its lookup card or its page.

Addresses are reversed by name, so the apps below `unlocks` link to its pages without
importing it."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from core.uuid_search import SHORT_ID_DIGITS


def record_url(tenant_slug, number):
    """The lookup card of a record: `tenant number`, or the number alone across tenants."""
    query = f"{tenant_slug} {number}" if tenant_slug else number
    return reverse("admin:unlocks_lookup") + "?" + urlencode({"q": query})


def record_link(tenant_slug, number):
    """A record number as a link to its lookup card, read whole ("INV-2001", never "INV-")."""
    if not number:
        return ""
    return format_html(
        '<a class="ud-nowrap" href="{}">{}</a>', record_url(tenant_slug, number), number
    )


def request_link(request_id):
    """A request by its first 8 characters, as the console shows it, as a link to its page."""
    if not request_id:
        return ""
    url = reverse("admin:unlocks_unlockrequest_change", args=[request_id])
    return format_html('<a class="ud-id" href="{}">{}</a>', url, str(request_id)[:SHORT_ID_DIGITS])
