"""The emails an event sends: who gets them and what they say."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from accounts.selectors import admin_users
from unlocks.links import approval_url
from unlocks.selectors import receipt_for


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


def _render(name, to, context):
    context = {**context, "recipient": to}
    subject = render_to_string(f"notifications/{name}_subject.txt", context)
    return Email(
        to=to.email,
        subject=" ".join(subject.split()),
        text=render_to_string(f"notifications/{name}.txt", context),
        html=render_to_string(f"notifications/{name}.html", context),
    )


def emails_for(event: str, request, *, admins=None) -> list[Email]:
    """Opening mails each current admin the approval link; completion mails the approver
    a receipt; a PIN lock-out warns the admins. Other events send no email."""
    targets = list(request.targets.all())
    context = {"request": request, "tenant": request.tenant, "targets": targets}
    if event == "created":
        context["approval_url"] = approval_url(request)
        admins = _admins(request) if admins is None else admins
        return [_render("approval_link", admin, context) for admin in admins]
    if event == "completed":
        context["receipt"] = receipt_for(request)
        return [_render("receipt", request.approved_by, context)]
    if event == "pin_locked":
        admins = _admins(request) if admins is None else admins
        return [_render("pin_locked", admin, context) for admin in admins]
    return []


def _admins(request):
    return admin_users(tenant=request.tenant)
