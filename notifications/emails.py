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
        return [_render("approval_link", a, context) for a in _admins(request, admins)]
    if event == "completed":
        context["receipt"] = receipt_for(request)
        return [_render("receipt", request.approved_by, context)]
    if event == "pin_locked":
        return [_render("pin_locked", a, context) for a in _admins(request, admins)]
    return []


def _admins(request, read):
    """The tenant's admins: as the change read them, or read now."""
    return admin_users(tenant=request.tenant) if read is None else read
