"""The emails an unlock request's events send, written from templates/notifications/.

They are written in the transaction of the change and kept whole on the outbox row, so
a retry sends the same bytes and the console shows what went out. Times are in the
tenant's time zone (`Tenant.time_zone`, UTC unless its admins chose another), named.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import times
from notifications.services import Email
from unlocks.links import approval_url, evidence_url
from unlocks.outlook import approvals_of, policy_in_words
from unlocks.selectors import receipt_for

TEMPLATES = {
    "created": "approval_link",
    "completed": "receipt",
    "pin_locked": "pin_locked",
    "window_ending": "window_ending",
    "relocked": "relocked",
    "approval_recorded": "second_approval",
}
# A re-lock email names this many records back at their locks, then says how many more.
RELOCKED_SHOWN = 200


def write_emails(event: str, request, people) -> list[Email]:
    """The email `event` sends about `request` to each of `people` (users), greeted by
    name; its targets come as `selectors.targets_with_money` reads them. The receipt reads
    the audit entries of the approval, so it is written after them, in the same
    transaction."""
    context = {
        "request": request,
        "tenant": request.tenant,
        "targets": list(request.targets.all()),
        "stake": request.at_stake(),
    }
    if event in ("created", "approval_recorded"):
        context["approval_url"] = approval_url(request)
        ahead = approvals_of(request, context["stake"])
        context["approvals"] = ahead
        context["approvals_words"] = ahead.words("your account's")
        context["first"] = (ahead.given or [None])[0]
    elif event == "completed":
        context["receipt"] = receipt_for(request)
        context["evidence_url"] = evidence_url(request)
    elif event == "relocked":
        outcome = request.window_outcome
        context["outcome"] = outcome
        context["early"] = request.relocked_at != request.unlocked_until
        context["relocked_shown"] = outcome["relocked"][:RELOCKED_SHOWN]
        context["relocked_more"] = max(0, len(outcome["relocked"]) - RELOCKED_SHOWN)
    name = TEMPLATES[event]
    # Times in the tenant's zone, named ("11:51 MST"): its admins read them together.
    with timezone.override(times.zone_named(request.tenant.time_zone) or times.DEFAULT_ZONE):
        return [_write(name, {**context, "recipient": person}, person.email) for person in people]


def _write(name, context, to):
    subject = render_to_string(f"notifications/{name}_subject.txt", context)
    return Email(
        to=to,
        subject=" ".join(subject.split()),
        text=render_to_string(f"notifications/{name}.txt", context),
        html=render_to_string(f"notifications/{name}.html", context),
    )


def write_policy_emails(event, tenant, people, *, by, old, new, asked=None) -> list[Email]:
    """The email telling each of `people` that `by` changed (`event`: "set", "proposed",
    "approved", "withdrawn") `tenant`'s two-approver policy from `old` to `new`."""
    context = {
        "event": event,
        "tenant": tenant,
        "by": by,
        "asked": asked,
        "old": policy_in_words(old, tenant.currency),
        "new": policy_in_words(new, tenant.currency),
        "settings_url": settings.SITE_URL + reverse("approval_policy", args=[tenant.slug]),
    }
    with timezone.override(times.zone_named(tenant.time_zone) or times.DEFAULT_ZONE):
        return [
            _write("approval_policy", {**context, "recipient": person}, person.email)
            for person in people
        ]
