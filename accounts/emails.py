"""The email a tenant's other admins get when its account PIN is set: written whole here,
in the change's transaction, onto the outbox (which knows nothing of what it carries)."""

import uuid

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.services import Email, queue_emails

EVENT = "pin_set"


def tell_admins_pin_set(*, tenant, by, people, first) -> list:
    """Queue to each of `people` (users) the news that `by` (a tenant admin, or None for
    support) set `tenant`'s PIN just now (`first`: it had none). Never the PIN itself."""
    if not people:
        return []
    context = {
        "tenant": tenant,
        "by": by,
        "first": first,
        "at": tenant.pin_set_at,
        "settings_url": settings.SITE_URL + reverse("pin_settings_for", args=[tenant.slug]),
    }
    emails = []
    for person in people:
        here = {**context, "recipient": person}
        subject = render_to_string(f"notifications/{EVENT}_subject.txt", here)
        emails.append(
            Email(
                to=person.email,
                subject=" ".join(subject.split()),
                text=render_to_string(f"notifications/{EVENT}.txt", here),
                html=render_to_string(f"notifications/{EVENT}.html", here),
            )
        )
    return queue_emails(emails, event=EVENT, event_id=uuid.uuid4())


def send_enrolment_link(*, user, url, expires_at) -> list:
    """Queue to `user` the single-use link that sets up their first second factor."""
    context = {"recipient": user, "url": url, "expires_at": expires_at}
    subject = render_to_string("notifications/enrolment_link_subject.txt", context)
    email = Email(
        to=user.email,
        subject=" ".join(subject.split()),
        text=render_to_string("notifications/enrolment_link.txt", context),
        html=render_to_string("notifications/enrolment_link.html", context),
    )
    return queue_emails([email], event="enrolment_link", event_id=uuid.uuid4())
