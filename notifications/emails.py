"""The emails an event sends: who gets them, and what they say.

Who gets them is decided in the transaction of the change (an outbox row per person);
what they say is written when the row is first sent, in the worker, and kept on the row,
so that a retry sends the same bytes and the agent's console shows what went out. An
email shows only what a request's event fixed for good (the request, its targets, the
link, the receipt's audit entries), so writing it later says the same.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.template.loader import render_to_string

from accounts.models import User
from accounts.selectors import admin_users
from unlocks.links import approval_url
from unlocks.selectors import receipt_for

TEMPLATES = {"created": "approval_link", "completed": "receipt", "pin_locked": "pin_locked"}


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


def recipients_for(event: str, request, *, admins=None) -> list[str]:
    """Opening mails each current admin the approval link; completion mails the approver
    a receipt; a PIN lock-out warns the admins. Other events send no email.
    `admins`: the tenant's admins, if the change has read them already."""
    if event not in TEMPLATES:
        return []
    if event == "completed":
        return [request.approved_by.email]
    people = admin_users(tenant=request.tenant) if admins is None else admins
    return [person.email for person in people]


def write_email(event: str, request, to: str) -> Email:
    """The email `event` sends to `to` about `request`."""
    context = {
        "request": request,
        "tenant": request.tenant,
        "targets": list(request.targets.all()),
        "recipient": _person(to),
    }
    if event == "created":
        context["approval_url"] = approval_url(request)
    elif event == "completed":
        context["receipt"] = receipt_for(request)
    name = TEMPLATES[event]
    subject = render_to_string(f"notifications/{name}_subject.txt", context)
    return Email(
        to=to,
        subject=" ".join(subject.split()),
        text=render_to_string(f"notifications/{name}.txt", context),
        html=render_to_string(f"notifications/{name}.html", context),
    )


def _person(email):
    """Who the greeting names: the user with that email, or, if they have gone since, the
    address itself."""
    try:
        return User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        return SimpleNamespace(email=email, get_short_name=email)
