"""What the console's pages share: the agent as actor, a refusal shown once, the
permission check, and the admin's frame."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from audit.actors import Actor, request_context
from unlocks.models import UnlockRequest


def actor_for(request):
    return Actor.for_user(request.user, **request_context(request))


def show_refusal(request, refusal, form=None):
    """The one place a refusal becomes what the agent sees: a form error, else a message."""
    text = refusal.message
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)


def require(request, codename):
    if not request.user.has_perm(f"unlocks.{codename}"):
        raise PermissionDenied


def render_page(request, template, title, **context):
    """A page in the admin's frame: its header, navigation and the lookup box."""
    context = {
        **admin.site.each_context(request),
        "opts": UnlockRequest._meta,
        "title": title,
        **context,
    }
    return TemplateResponse(request, template, context)
