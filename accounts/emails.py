"""The email a tenant's other admins get when its account PIN is set: written whole here,
in the change's transaction, onto the outbox (which knows nothing of what it carries).
Its times are in the tenant's time zone, named."""

import uuid

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import times
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
    # Times in the tenant's zone, named, as every email to its admins says them.
    with timezone.override(times.zone_named(tenant.time_zone) or times.DEFAULT_ZONE):
        for person in people:
            emails.append(_pin_set_email(person, context))
    return queue_emails(emails, event=EVENT, event_id=uuid.uuid4())


def _pin_set_email(person, context):
    here = {**context, "recipient": person}
    subject = render_to_string(f"notifications/{EVENT}_subject.txt", here)
    return Email(
        to=person.email,
        subject=" ".join(subject.split()),
        text=render_to_string(f"notifications/{EVENT}.txt", here),
        html=render_to_string(f"notifications/{EVENT}.html", here),
    )


def send_enrolment_link(*, user, url, expires_at) -> list:
    """Queue to `user` the single-use link that sets up their first second factor."""
    context = {"recipient": user, "url": url, "expires_at": expires_at}
    # Staff belong to no tenant: the zone on their own account, else UTC.
    with timezone.override(times.zone_named(user.time_zone) or times.DEFAULT_ZONE):
        subject = render_to_string("notifications/enrolment_link_subject.txt", context)
        email = Email(
            to=user.email,
            subject=" ".join(subject.split()),
            text=render_to_string("notifications/enrolment_link.txt", context),
            html=render_to_string("notifications/enrolment_link.html", context),
        )
    return queue_emails([email], event="enrolment_link", event_id=uuid.uuid4())
