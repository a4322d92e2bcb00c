"""`{% record_link tenant_slug number %}` and `{% request_link request_id %}` in the console's
templates (`core.console_links`)."""

from django import template

from core import console_links

register = template.Library()


@register.simple_tag
def record_link(tenant_slug, number):
    return console_links.record_link(tenant_slug, number)


@register.simple_tag
def request_link(request_id):
    return console_links.request_link(request_id)
